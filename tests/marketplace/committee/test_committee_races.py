"""Races on PostgreSQL with real threads: one committee per tender however many forms arrive at
once, and members declining together each get a different replacement in their own round."""

from __future__ import annotations

import pytest

from marketplace import services
from marketplace.committee_replay import committee_draw_replay
from marketplace.models import Committee, CommitteeDraw, MemberState
from tests.factories.evaluation import expert_pool
from tests.factories.marketplace import agency_staff, opened_tender
from tests.marketplace.committee.conftest import seat_user
from tests.races import run_together

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def tender(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    tender = opened_tender(actor=agency_staff())
    expert_pool(7)
    return tender


def test_two_forms_at_once_make_one_committee(tender):
    buyer = tender.created_by
    outcomes = run_together(
        lambda: services.committee_form(actor=buyer, tender=tender, size=5),
        lambda: services.committee_form(actor=buyer, tender=tender, size=5),
    )
    assert sorted(type(o).__name__ for o in outcomes) == ["Committee", "Conflict"]
    assert Committee.objects.count() == 1
    assert CommitteeDraw.objects.count() == 1
    assert committee_draw_replay(tender=tender).ok


def test_members_declining_at_once_get_different_replacements(tender):
    committee = services.committee_form(actor=tender.created_by, tender=tender, size=5)
    first, second = committee.members.select_related("expert__person__user")[:2]

    outcomes = run_together(
        lambda: services.committee_member_decline(actor=seat_user(first), member=first, declaration="冲突一"),
        lambda: services.committee_member_decline(actor=seat_user(second), member=second, declaration="冲突二"),
    )

    assert not [o for o in outcomes if isinstance(o, Exception)]
    draws = list(committee.draws.order_by("round"))
    assert [(d.round, d.seats) for d in draws] == [(1, 5), (2, 1), (3, 1)]
    assert draws[1].drawn != draws[2].drawn
    assert committee.members.exclude(state=MemberState.DECLINED).count() == 5
    assert committee_draw_replay(tender=tender).ok
