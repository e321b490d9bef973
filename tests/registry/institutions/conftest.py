import pytest

from registry.institutions.models import ServiceCategory
from registry.roles import OrganisationKind, Role
from tests.factories import MembershipFactory, OrganisationFactory
from tests.factories.institutions import InstitutionServiceFactory, ServiceNeedFactory

# The matrix of STYLE.md, plus the institution that may answer: "owner" is the managing staff of the
# organisation that posted the need; "institution" the managing staff of a matching institution.
ROLES = ["anonymous", "other_vendor", "owner", "institution", "agency", "regulator_other_region", "operator"]


@pytest.fixture
def need_org(db):
    return OrganisationFactory(
        name="深圳示例智驾科技有限公司", kind=OrganisationKind.ENTERPRISE, region_code="440305", verified=True
    )


@pytest.fixture
def need_owner(need_org):
    return MembershipFactory(organisation=need_org, role=Role.ENTERPRISE_BUYER).user


@pytest.fixture
def institution(db):
    organisation = OrganisationFactory(
        name="深圳示例合规咨询有限公司", kind=OrganisationKind.THIRD_PARTY, region_code="440300", verified=True
    )
    InstitutionServiceFactory(organisation=organisation, category=ServiceCategory.COMPLIANCE)
    return organisation


@pytest.fixture
def institution_staff(institution):
    return MembershipFactory(organisation=institution, role=Role.VENDOR_STAFF).user


@pytest.fixture
def need(need_org, need_owner):
    return ServiceNeedFactory(
        organisation=need_org, category=ServiceCategory.COMPLIANCE, region_code="440305", actor=need_owner
    )


@pytest.fixture
def user_for(request):
    fixtures = {
        "other_vendor": "other_vendor_user",
        "owner": "need_owner",
        "institution": "institution_staff",
        "agency": "agency_user",
        "regulator_other_region": "regulator_other_region",
        "operator": "operator",
    }

    def resolve(role):
        return None if role == "anonymous" else request.getfixturevalue(fixtures[role])

    return resolve
