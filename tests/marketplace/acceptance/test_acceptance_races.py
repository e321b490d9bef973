"""Races on PostgreSQL with real threads: two deliveries of one milestone at the same moment (one
is received), two decisions on one delivery (one meets the milestone, one payment falls due), and
two runs of the scoring task (one report, one revealed seed)."""

from __future__ import annotations

import pytest

from marketplace import services
from marketplace.models import AcceptanceReport, Decision, Delivery, PaymentDue, SamplingSeed
from portal.errors import Conflict
from tests.factories.acceptance import buyer_user_of, csv_file, deliver, gold_labels, planned_milestone, supplier_user
from tests.races import run_together

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_two_deliveries_at_once_one_is_received():
    plan = planned_milestone()
    supplier = supplier_user(plan.contract)
    uploads = [csv_file(gold_labels(), "a.csv"), csv_file(gold_labels(), "b.csv")]

    outcomes = run_together(
        *[
            lambda upload=upload: services.delivery_upload(actor=supplier, plan=plan, upload=upload)
            for upload in uploads
        ]
    )

    assert sorted(type(outcome).__name__ for outcome in outcomes) == ["Conflict", "Delivery"]
    assert Delivery.objects.filter(plan=plan).count() == 1


def test_two_decisions_at_once_meet_the_milestone_once():
    plan = planned_milestone()
    delivery = deliver(plan, csv_file(gold_labels()))
    buyer = buyer_user_of(plan.contract)

    outcomes = run_together(
        lambda: services.delivery_decide(actor=buyer, delivery=delivery, decision=Decision.ACCEPTED),
        lambda: services.delivery_decide(actor=buyer, delivery=delivery, decision=Decision.ACCEPTED),
    )

    assert sum(isinstance(outcome, Conflict) for outcome in outcomes) == 1
    assert PaymentDue.objects.filter(milestone_id=plan.milestone_id).count() == 1


def test_two_scoring_runs_at_once_write_one_report():
    plan = planned_milestone()
    delivery = deliver(plan, csv_file(gold_labels()), score=False)

    outcomes = run_together(
        lambda: services.delivery_score(delivery_id=delivery.pk),
        lambda: services.delivery_score(delivery_id=delivery.pk),
    )

    assert not [outcome for outcome in outcomes if isinstance(outcome, Exception)]
    assert AcceptanceReport.objects.filter(delivery=delivery).count() == 1
    assert SamplingSeed.objects.filter(plan=plan, revealed_at__isnull=False).count() == 1
    assert SamplingSeed.objects.filter(plan=plan, revealed_at__isnull=True).count() == 1
