"""Fixtures of the committee tests: a tender under evaluation, its buyer's staff member, a pool
of eligible experts and a committee drawn from it."""

from __future__ import annotations

import pytest

from marketplace import services
from marketplace.models import Committee, CommitteeMember, Tender
from marketplace.states import TenderState
from portal.accounts.models import User
from registry.taxonomy import Modality
from tests.factories.evaluation import expert_pool, pool_expert
from tests.factories.marketplace import agency_staff, opened_tender


@pytest.fixture
def buyer(db) -> User:
    return agency_staff()


@pytest.fixture
def tender(buyer) -> Tender:
    tender = opened_tender(actor=buyer, bidders=3)
    assert tender.state == TenderState.EVALUATION
    return tender


@pytest.fixture
def pool(tender):
    """Seven eligible experts (video annotation, the tender's lot)."""
    return expert_pool(7)


@pytest.fixture
def committee(tender, buyer, pool) -> Committee:
    return services.committee_form(actor=buyer, tender=tender, size=5)


def seat_user(member: CommitteeMember) -> User:
    return member.expert.person.user


@pytest.fixture
def member(committee) -> CommitteeMember:
    """An invited member of the committee."""
    return committee.members.select_related("expert__person__user").order_by("pk").first()


@pytest.fixture
def bidder(tender) -> User:
    """Staff of one of the tender's bidders."""
    return tender.bids.select_related("vendor").first().vendor.memberships.first().user


@pytest.fixture
def other_agency() -> User:
    return agency_staff()


@pytest.fixture
def pool_outsider(db) -> User:
    """An expert of the pool who sits on no committee (a modality the tender does not need)."""
    return pool_expert(modality=Modality.SPEECH).person.user


# The roles of the permission matrices: "member" sits on the committee (invited), "expert" is in
# the pool but not on it.
ROLES = ("anonymous", "bidder", "other_agency", "buyer", "member", "expert", "operator")


@pytest.fixture
def user_for(request):
    def user(role: str) -> User | None:
        if role == "anonymous":
            return None
        if role == "member":
            return seat_user(request.getfixturevalue("member"))
        fixture = {"expert": "pool_outsider"}.get(role, role)
        return request.getfixturevalue(fixture)

    return user
