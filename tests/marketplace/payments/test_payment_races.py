"""Two captures of one milestone at the same moment, in real threads on PostgreSQL: one reaches
Stripe and writes the captured entry; the other finds it captured."""

from __future__ import annotations

from unittest import mock

import pytest

from marketplace import services
from marketplace.models import EntryKind, MilestonePayment, PaymentState
from marketplace.payments import gateway
from tests.factories.acceptance import buyer_user_of, csv_file, deliver, gold_labels, planned_milestone
from tests.factories.payments import CARD, enterprise_contract
from tests.races import run_together

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_captures_at_once_capture_once():
    plan = planned_milestone(enterprise_contract())
    payment = services.milestone_payment_authorise(
        actor=buyer_user_of(plan.contract), contract=plan.contract, milestone_id=plan.milestone_id, payment_method=CARD
    )
    delivery = deliver(plan, csv_file(gold_labels()))
    # Accept without the capture its commit would queue, so that the two captures below race.
    with mock.patch("marketplace.services.contracts.payment_capture_queue"):
        services.delivery_decide(actor=buyer_user_of(plan.contract), delivery=delivery, decision="accepted")

    with mock.patch.object(gateway, "capture", wraps=gateway.capture) as captures:
        outcomes = run_together(
            lambda: services.milestone_payment_capture(milestone_id=plan.milestone_id),
            lambda: services.milestone_payment_capture(milestone_id=plan.milestone_id),
        )

    assert [type(outcome) for outcome in outcomes] == [MilestonePayment, MilestonePayment]
    assert captures.call_count == 1
    payment.refresh_from_db()
    assert payment.state == PaymentState.CAPTURED
    assert payment.entries.filter(kind=EntryKind.CAPTURED).count() == 1
    assert gateway.retrieve_intent(payment.intent_id).amount_received_fen == payment.amount_fen
    assert services.payments_reconcile() == []
