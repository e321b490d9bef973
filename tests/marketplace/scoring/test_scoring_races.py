"""Races on PostgreSQL with real threads: the last members submitting at the same moment conclude
the round exactly once; a member's double submission saves one sheet."""

from __future__ import annotations

import pytest

from marketplace import services
from marketplace.models import BidResult, ScoreSheet
from portal.audit.models import AuditEntry
from portal.errors import Conflict
from portal.notifications.models import Notification
from tests.factories.evaluation import formed_committee, uniform_scores
from tests.factories.marketplace import opened_tender
from tests.marketplace.scoring.conftest import PRICES, member_users
from tests.races import run_together

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def tender(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    tender = opened_tender(prices=PRICES)
    formed_committee(tender)
    return tender


def test_the_last_two_members_submitting_at_once_conclude_the_round_once(tender):
    members = member_users(tender)
    scores = uniform_scores(tender)
    for user in members[:3]:
        services.score_sheet_save(actor=user, tender=tender, scores=scores, submit=True)

    outcomes = run_together(
        *[
            lambda user=user: services.score_sheet_save(actor=user, tender=tender, scores=scores, submit=True)
            for user in members[3:]
        ]
    )

    assert not [o for o in outcomes if isinstance(o, Exception)]
    assert ScoreSheet.objects.filter(tender=tender, submitted_at__isnull=False).count() == 5
    assert BidResult.objects.filter(tender=tender, round=1).count() == 3
    assert AuditEntry.objects.filter(action="tender.evaluate", object_id=str(tender.pk)).count() == 1
    assert Notification.objects.filter(kind="evaluation.completed").count() == 1


def test_a_double_submission_saves_one_sheet(tender):
    user = member_users(tender)[0]
    scores = uniform_scores(tender)

    outcomes = run_together(
        lambda: services.score_sheet_save(actor=user, tender=tender, scores=scores, submit=True),
        lambda: services.score_sheet_save(actor=user, tender=tender, scores=scores, submit=True),
    )

    assert sorted(type(o).__name__ for o in outcomes) == ["Conflict", "ScoreSheet"]
    assert any(isinstance(o, Conflict) for o in outcomes)
    assert ScoreSheet.objects.filter(tender=tender).count() == 1
    assert AuditEntry.objects.filter(action="score_sheet.submit").count() == 1
