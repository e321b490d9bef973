import pytest

from tests.factories import UserFactory
from tests.factories.marketplace import TenderFactory, agency_staff, vendor_staff

# The permission matrix of STYLE.md. "owner" is the buyer's staff for tenders, catalogue entries
# and answers, the bidder's staff for bids and questions; "agency" is another agency's staff.
ROLES = ["anonymous", "other_vendor", "owner", "agency", "regulator_other_region", "operator"]


@pytest.fixture
def platform_operator(db):
    """An operator as the demo data makes them: staff and superuser, so that object permissions
    (guardian) would let them through wherever a selector forgot to exclude them."""
    return UserFactory(username="platform-operator", is_staff=True, is_superuser=True)


@pytest.fixture
def buyer_user(db):
    return agency_staff()


@pytest.fixture
def bidder_user(db):
    return vendor_staff()


@pytest.fixture
def open_tender(buyer_user):
    return TenderFactory(actor=buyer_user, publish=True)


@pytest.fixture
def as_role(request, api_client):
    """`as_role(role, owner=user)`: the API client signed in as the user playing `role` (the user too)."""

    fixtures = {
        "other_vendor": "other_vendor_user",
        "agency": "agency_user",
        "regulator_other_region": "regulator_other_region",
        "operator": "platform_operator",
    }

    def sign_in(role, *, owner=None):
        if role == "anonymous":
            return api_client, None
        user = owner if role == "owner" else request.getfixturevalue(fixtures[role])
        api_client.force_authenticate(user)
        return api_client, user

    return sign_in


def refused(response, role):
    """Anonymous writes answer 401; signed-in people without the right 403."""
    return response.status_code == (401 if role == "anonymous" else 403)
