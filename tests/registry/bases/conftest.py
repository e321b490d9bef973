import pytest

from registry.roles import OrganisationKind, Role
from tests.factories import MembershipFactory, OrganisationFactory
from tests.factories.bases import AnnotationBaseFactory

# The permission matrix of STYLE.md; "owner" is the managing staff of the base's operator organisation.
ROLES = ["anonymous", "other_vendor", "owner", "agency", "regulator_other_region", "operator"]


@pytest.fixture
def base_operator_org(db):
    return OrganisationFactory(
        name="成都数据标注基地运营有限公司", kind=OrganisationKind.BASE_OPERATOR, region_code="510100", verified=True
    )


@pytest.fixture
def base_manager(base_operator_org):
    return MembershipFactory(organisation=base_operator_org, role=Role.VENDOR_STAFF).user


@pytest.fixture
def base(base_operator_org):
    return AnnotationBaseFactory(name="国家数据标注基地（成都）", city_code="510100", operator=base_operator_org)


@pytest.fixture
def user_for(request):
    """The user playing a role of the matrix (None: anonymous)."""
    fixtures = {
        "other_vendor": "other_vendor_user",
        "owner": "base_manager",
        "agency": "agency_user",
        "regulator_other_region": "regulator_other_region",
        "operator": "operator",
    }

    def resolve(role):
        return None if role == "anonymous" else request.getfixturevalue(fixtures[role])

    return resolve
