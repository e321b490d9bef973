"""The capture on acceptance through Redis and a real Celery worker: the decision's commit queues
the task, the worker captures the hold at localstripe, and a second run changes nothing."""

from __future__ import annotations

import time

import pytest

from marketplace import services
from marketplace.models import EntryKind, PaymentState
from marketplace.tasks import milestone_payment_capture_task
from tests.factories.acceptance import buyer_user_of, csv_file, deliver, gold_labels, planned_milestone
from tests.factories.payments import CARD, enterprise_contract

pytestmark = [pytest.mark.broker, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_the_worker_captures_a_milestone_when_its_delivery_is_accepted(queued_tasks):
    plan = planned_milestone(enterprise_contract())
    buyer = buyer_user_of(plan.contract)
    payment = services.milestone_payment_authorise(
        actor=buyer, contract=plan.contract, milestone_id=plan.milestone_id, payment_method=CARD
    )
    delivery = deliver(plan, csv_file(gold_labels()))

    services.delivery_decide(actor=buyer, delivery=delivery, decision="accepted")

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        payment.refresh_from_db()
        if payment.state == PaymentState.CAPTURED:
            break
        time.sleep(0.2)
    assert payment.state == PaymentState.CAPTURED
    assert milestone_payment_capture_task.delay(plan.milestone_id).get(timeout=30) == PaymentState.CAPTURED
    assert payment.entries.filter(kind=EntryKind.CAPTURED).count() == 1
