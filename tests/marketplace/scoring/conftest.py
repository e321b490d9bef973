"""Helpers of the scoring tests: a tender under evaluation with its whole committee accepted, and
its members' accounts."""

from __future__ import annotations

import pytest

from marketplace import services
from marketplace.models import CommitteeMember, MemberState, Tender
from portal.accounts.models import User
from registry.roles import OrganisationKind, Role
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory
from tests.factories.evaluation import formed_committee, pool_expert
from tests.factories.marketplace import agency_staff, opened_tender

PRICES = [40_000_000, 45_000_000, 48_000_000]


def member_users(tender: Tender) -> list[User]:
    """The accepted members' accounts, in seat order."""
    return [
        member.expert.person.user
        for member in CommitteeMember.objects.filter(committee__tender=tender, state=MemberState.ACCEPTED)
        .select_related("expert__person__user")
        .order_by("pk")
    ]


def judgement(bid, *, qualified=True, technical=8_000, business=8_000, reason=""):
    return services.ScoreInput(
        bid_id=bid.pk, qualified=qualified, technical=technical, business=business, reason=reason
    )


def bids_of(tender: Tender) -> list:
    return services.bids_under_evaluation(tender)


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def scoring_tender(db) -> Tender:
    """Opened with three bids (400,000.00, 450,000.00 and 480,000.00 yuan), weights 30/60/10, and a
    committee of five who all accepted."""
    tender = opened_tender(bidders=3, prices=PRICES)
    formed_committee(tender)
    return tender


@pytest.fixture
def regulator_in_scope(db) -> User:
    """A regulator of Sichuan (510000), where the agencies of tests/factories/marketplace.py are."""
    organisation = OrganisationFactory(kind=OrganisationKind.AGENCY, region_code="510000", verified=True)
    return MembershipFactory(organisation=organisation, role=Role.REGULATOR, scope_region_code="510000").user


@pytest.fixture
def regulator_elsewhere(db) -> User:
    organisation = OrganisationFactory(kind=OrganisationKind.AGENCY, region_code="440000", verified=True)
    return MembershipFactory(organisation=organisation, role=Role.REGULATOR, scope_region_code="440000").user


@pytest.fixture
def operator_user(db) -> User:
    return UserFactory(is_staff=True, is_superuser=True)


@pytest.fixture
def outsider_expert(db) -> User:
    return pool_expert().person.user


@pytest.fixture
def other_agency_user(db) -> User:
    return agency_staff()
