"""A small talent-pool world: an issuer with its staff, a certified holder with a portal account,
regulators in and out of the holder's region, and an API client signed in as any of ROLES."""

from __future__ import annotations

import datetime

import pytest

from registry.roles import OrganisationKind, Role
from registry.talent import services
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory
from tests.factories.talent import valid_resident_id

# The roles of every permission matrix: the six of STYLE.md ("owner" is the issuer's managing
# staff, or the expert themself), plus the holder and a regulator whose scope covers the holder.
ROLES = [
    "anonymous",
    "other_vendor",
    "owner",
    "holder",
    "agency",
    "regulator_other_region",
    "regulator_in_region",
    "operator",
]

HOLDER_ID = valid_resident_id(11, region_code="510100", born="19880808")
OTHER_ID = valid_resident_id(12, region_code="440305", born="19920202")


@pytest.fixture
def issuer_org(db):
    return OrganisationFactory(kind=OrganisationKind.THIRD_PARTY, region_code="330100", verified=True)


@pytest.fixture
def issuer_staff(issuer_org):
    return MembershipFactory(organisation=issuer_org, role=Role.VENDOR_STAFF).user


@pytest.fixture
def regulator_in_region(db):
    organisation = OrganisationFactory(kind=OrganisationKind.AGENCY, region_code="510000", verified=True)
    return MembershipFactory(organisation=organisation, role=Role.REGULATOR, scope_region_code="510000").user


@pytest.fixture
def national_regulator(db):
    organisation = OrganisationFactory(kind=OrganisationKind.AGENCY, region_code="110108", verified=True)
    return MembershipFactory(organisation=organisation, role=Role.REGULATOR, scope_region_code="").user


@pytest.fixture
def holder_user(db):
    return UserFactory(username="holder", name="王小明")


@pytest.fixture
def certificate(issuer_staff, issuer_org, holder_user):
    """A valid certificate of 王小明 (Chengdu), whose portal account is linked to the record."""
    issued = services.certificate_record(
        actor=issuer_staff,
        issuer=issuer_org,
        holder_name="王小明",
        id_number=HOLDER_ID,
        region_code="510100",
        skills=["图像标注", "质检"],
        occupation="ai_trainer",
        level=3,
        number="CERT-2025-0001",
        issued_on=datetime.date(2025, 3, 1),
        expires_on=datetime.date(2030, 3, 1),
    )
    services.person_link_account(user=holder_user, name="王小明", id_number=HOLDER_ID)
    issued.person.refresh_from_db()
    return issued


@pytest.fixture
def person(certificate):
    return certificate.person


@pytest.fixture
def user_for(request, issuer_staff, holder_user):
    """The user playing `role` (None for anonymous)."""

    def get(role):
        return {
            "anonymous": lambda: None,
            "owner": lambda: issuer_staff,
            "holder": lambda: holder_user,
            "other_vendor": lambda: request.getfixturevalue("other_vendor_user"),
            "agency": lambda: request.getfixturevalue("agency_user"),
            "regulator_other_region": lambda: request.getfixturevalue("regulator_other_region"),
            "regulator_in_region": lambda: request.getfixturevalue("regulator_in_region"),
            "operator": lambda: request.getfixturevalue("operator"),
        }[role]()

    return get


@pytest.fixture
def as_role(api_client, user_for):
    def sign_in(role):
        user = user_for(role)
        if user is not None:
            api_client.force_authenticate(user)
        return api_client

    return sign_in


@pytest.fixture
def page_as(client, user_for):
    """The Django test client signed in as `role` (pages use sessions)."""

    def sign_in(role):
        user = user_for(role)
        if user is not None:
            client.force_login(user)
        return client

    return sign_in
