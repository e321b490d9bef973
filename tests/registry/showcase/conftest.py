import pytest

# The matrix of STYLE.md; "owner" is the managing staff of the organisation a case or entry is about,
# who may read but not curate: operators curate.
ROLES = ["anonymous", "other_vendor", "owner", "agency", "regulator_other_region", "operator"]


@pytest.fixture
def user_for(request):
    fixtures = {
        "other_vendor": "other_vendor_user",
        "owner": "vendor_user",
        "agency": "agency_user",
        "regulator_other_region": "regulator_other_region",
        "operator": "operator",
    }

    def resolve(role):
        return None if role == "anonymous" else request.getfixturevalue(fixtures[role])

    return resolve
