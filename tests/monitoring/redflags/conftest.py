import pytest

from tests.factories.monitoring_redflags import AlertFactory, regulator
from tests.factories.registry import user_for_role

# The permission matrix: the shared roles, plus regulators in the alert's region (Sichuan) and
# national ones. The alerts of AlertFactory lie in Sichuan (510000).
ROLES = (
    "anonymous",
    "other_vendor",
    "owner",
    "agency",
    "regulator_other_region",
    "regulator_in_scope",
    "national_regulator",
    "operator",
)
READERS = ("regulator_other_region", "regulator_in_scope", "national_regulator", "operator")
SEES_THE_ALERT = ("regulator_in_scope", "national_regulator", "operator")


@pytest.fixture
def alert(db):
    return AlertFactory()


@pytest.fixture
def user_of(request, db):
    def user(role: str):
        if role == "regulator_in_scope":
            return regulator("510000")
        if role == "national_regulator":
            return regulator("")
        return user_for_role(request, role)

    return user
