"""Enterprise orders paid by card through the real `stripe` library against localstripe: hold on
authorisation, capture on acceptance, cancel when the milestone fails, refunds, a declined card and
Stripe not answering."""

from __future__ import annotations

import pytest
from celery.exceptions import Retry
from django.core.management import CommandError, call_command

from marketplace import services
from marketplace.models import (
    ContractState,
    Decision,
    EntryKind,
    MilestonePayment,
    MilestoneState,
    PaymentEntry,
    PaymentState,
)
from marketplace.payments import gateway
from marketplace.selectors.payments import payment_totals
from marketplace.tasks import milestone_payment_capture_task
from portal.audit.models import AuditEntry
from portal.errors import Conflict, PermissionDenied
from tests.factories import UserFactory
from tests.factories.acceptance import (
    buyer_user_of,
    csv_file,
    deliver,
    gold_labels,
    labels_with_errors,
    planned_milestone,
    supplier_user,
)
from tests.factories.payments import CARD, DECLINING_CARD, enterprise_contract
from tests.localstripe import free_port

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan():
    return planned_milestone(enterprise_contract())


def authorise(plan, card: str = CARD) -> MilestonePayment:
    return services.milestone_payment_authorise(
        actor=buyer_user_of(plan.contract), contract=plan.contract, milestone_id=plan.milestone_id, payment_method=card
    )


def kinds(payment: MilestonePayment) -> list[str]:
    return list(payment.entries.order_by("pk").values_list("kind", flat=True))


def accepted(plan, capture_callbacks) -> None:
    """Deliver the gold labels and accept them, running what the decision queues on commit."""
    delivery = deliver(plan, csv_file(gold_labels()))
    with capture_callbacks(execute=True):
        services.delivery_decide(actor=buyer_user_of(plan.contract), delivery=delivery, decision=Decision.ACCEPTED)


def test_the_full_enterprise_order_holds_then_captures_on_acceptance(plan, django_capture_on_commit_callbacks):
    milestone = plan.milestone

    payment = authorise(plan)

    assert payment.state == PaymentState.AUTHORISED
    assert payment.amount_fen == milestone.amount_fen
    assert payment.voucher_fen == 0
    assert gateway.retrieve_intent(payment.intent_id).status == "requires_capture"
    assert payment_totals(payment).held_fen == milestone.amount_fen

    accepted(plan, django_capture_on_commit_callbacks)

    payment.refresh_from_db()
    milestone.refresh_from_db()
    assert milestone.state == MilestoneState.MET
    assert payment.state == PaymentState.CAPTURED
    assert kinds(payment) == [EntryKind.AUTHORISED, EntryKind.CAPTURED]
    totals = payment_totals(payment)
    assert (totals.held_fen, totals.released_fen, totals.refunded_fen) == (0, milestone.amount_fen, 0)
    intent = gateway.retrieve_intent(payment.intent_id)
    assert (intent.status, intent.amount_received_fen) == ("succeeded", milestone.amount_fen)
    assert services.payments_reconcile() == []
    actions = set(
        AuditEntry.objects.filter(object_type="marketplace.milestonepayment").values_list("action", flat=True)
    )
    assert {"payment.authorise", "payment.follow_stripe"} <= actions
    # A repeated task finds the payment captured and changes nothing (Stripe would refuse anyway).
    assert milestone_payment_capture_task.apply(args=[milestone.pk]).get() == PaymentState.CAPTURED
    assert payment.entries.filter(kind=EntryKind.CAPTURED).count() == 1


def test_authorising_after_acceptance_captures_at_once(plan, django_capture_on_commit_callbacks):
    accepted(plan, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        payment = authorise(plan)
    payment.refresh_from_db()
    assert payment.state == PaymentState.CAPTURED


def test_a_milestone_met_by_hand_captures_its_hold(django_capture_on_commit_callbacks):
    contract = enterprise_contract()
    milestone = contract.milestones.order_by("position").last()  # no acceptance plan: met by hand
    buyer = buyer_user_of(contract)
    payment = services.milestone_payment_authorise(
        actor=buyer, contract=contract, milestone_id=milestone.pk, payment_method=CARD
    )

    with django_capture_on_commit_callbacks(execute=True):
        services.contract_milestone_meet(actor=buyer, contract=contract, milestone_id=milestone.pk)

    payment.refresh_from_db()
    assert payment.state == PaymentState.CAPTURED
    assert kinds(payment) == [EntryKind.AUTHORISED, EntryKind.CAPTURED]
    assert services.payments_reconcile() == []


def test_rejection_beyond_the_delivery_limit_cancels_the_hold(plan, django_capture_on_commit_callbacks):
    type(plan.contract).objects.filter(pk=plan.contract_id).update(max_deliveries=1)
    payment = authorise(plan)
    delivery = deliver(plan, csv_file(labels_with_errors(gold_labels(), wrong=40)))

    with django_capture_on_commit_callbacks(execute=True):
        services.delivery_decide(
            actor=buyer_user_of(plan.contract), delivery=delivery, decision=Decision.REJECTED, reason="too many errors"
        )

    payment.refresh_from_db()
    assert plan.milestone.__class__.objects.get(pk=plan.milestone_id).state == MilestoneState.FAILED
    assert payment.state == PaymentState.CANCELLED
    assert kinds(payment) == [EntryKind.AUTHORISED, EntryKind.CANCELLED]
    assert payment_totals(payment).held_fen == 0
    assert gateway.retrieve_intent(payment.intent_id).status == "canceled"
    assert services.payments_reconcile() == []


def test_termination_cancels_the_holds_of_unmet_milestones(plan, django_capture_on_commit_callbacks):
    payment = authorise(plan)
    with django_capture_on_commit_callbacks(execute=True):
        services.contract_terminate(actor=buyer_user_of(plan.contract), contract=plan.contract, reason="vendor left")
    payment.refresh_from_db()
    assert payment.state == PaymentState.CANCELLED
    assert gateway.retrieve_intent(payment.intent_id).status == "canceled"


def test_a_partial_refund_then_a_refund_beyond_what_was_captured_is_refused(plan, django_capture_on_commit_callbacks):
    payment = authorise(plan)
    accepted(plan, django_capture_on_commit_callbacks)
    operator = UserFactory(is_staff=True)
    amount = plan.milestone.amount_fen

    services.milestone_payment_refund(actor=operator, payment=payment, amount_fen=1_000_00, reason="goodwill")
    payment.refresh_from_db()
    assert payment.state == PaymentState.PARTIALLY_REFUNDED

    with pytest.raises(Conflict, match="can still be refunded"):
        services.milestone_payment_refund(actor=operator, payment=payment, amount_fen=amount, reason="everything")
    payment.refresh_from_db()
    assert payment.state == PaymentState.PARTIALLY_REFUNDED
    assert payment.entries.filter(kind=EntryKind.REFUNDED).count() == 1
    assert sum(refund.amount_fen for refund in gateway.refunds_of(payment.intent_id)) == 1_000_00

    services.milestone_payment_refund(actor=operator, payment=payment, amount_fen=amount - 1_000_00, reason="rest")
    payment.refresh_from_db()
    totals = payment_totals(payment)
    assert payment.state == PaymentState.REFUNDED
    assert (totals.released_fen, totals.refunded_fen) == (0, amount)
    assert services.payments_reconcile() == []
    with pytest.raises(Conflict):
        services.milestone_payment_refund(actor=operator, payment=payment, amount_fen=1, reason="once more")


def test_a_declined_card_leaves_a_failed_entry_and_another_card_may_follow(plan):
    with pytest.raises(gateway.CardDeclined):
        authorise(plan, DECLINING_CARD)

    payment = MilestonePayment.objects.get(milestone=plan.milestone)
    assert payment.state == PaymentState.FAILED
    assert payment.intent_id == ""
    assert kinds(payment) == [EntryKind.FAILED]
    assert payment_totals(payment).held_fen == 0

    payment = authorise(plan)
    assert payment.state == PaymentState.AUTHORISED
    assert kinds(payment) == [EntryKind.FAILED, EntryKind.AUTHORISED]


def test_stripe_unreachable_changes_nothing_and_the_capture_task_retries(plan, settings, localstripe):
    payment = authorise(plan)
    delivery = deliver(plan, csv_file(gold_labels()))
    services.delivery_decide(actor=buyer_user_of(plan.contract), delivery=delivery, decision=Decision.ACCEPTED)
    settings.STRIPE_API_BASE = f"http://127.0.0.1:{free_port()}"  # nothing listens there

    with pytest.raises(gateway.GatewayUnavailable):
        services.milestone_payment_capture(milestone_id=plan.milestone_id)
    payment.refresh_from_db()
    assert payment.state == PaymentState.AUTHORISED
    assert kinds(payment) == [EntryKind.AUTHORISED]
    assert "not answering" in payment.last_error

    # The task asks Celery to run it again later (with backoff), rather than failing.
    with pytest.raises(Retry) as retry:
        milestone_payment_capture_task.apply(args=[plan.milestone_id])
    assert isinstance(retry.value.exc, gateway.GatewayUnavailable)
    assert retry.value.when is not None  # a countdown (backoff, with jitter)
    assert kinds(payment) == [EntryKind.AUTHORISED]

    settings.STRIPE_API_BASE = localstripe  # Stripe answers again: the retry captures
    assert milestone_payment_capture_task.apply(args=[plan.milestone_id]).get() == PaymentState.CAPTURED
    payment.refresh_from_db()
    assert payment.last_error == ""
    assert kinds(payment) == [EntryKind.AUTHORISED, EntryKind.CAPTURED]


def test_stripe_unreachable_at_authorisation_writes_nothing(plan, settings):
    settings.STRIPE_API_BASE = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(gateway.GatewayUnavailable):
        authorise(plan)
    assert not MilestonePayment.objects.exists()
    assert not PaymentEntry.objects.exists()


def test_reconciliation_lists_a_refund_made_at_stripe_behind_our_back(plan, django_capture_on_commit_callbacks):
    payment = authorise(plan)
    accepted(plan, django_capture_on_commit_callbacks)
    call_command("reconcile_payments")
    gateway._client().v1.refunds.create(params={"payment_intent": payment.intent_id, "amount": 500})

    with pytest.raises(CommandError, match="1 difference"):
        call_command("reconcile_payments")
    (difference,) = services.payments_reconcile()
    assert (difference.what, difference.theirs) == ("refunded", "Stripe 500")


# --- Who may do what ------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["supplier", "other_buyer", "agency", "operator"])
def test_only_the_buyers_staff_authorise(plan, who, agency_user):
    actor = {
        "supplier": lambda: supplier_user(plan.contract),
        "other_buyer": lambda: buyer_user_of(enterprise_contract()),
        "agency": lambda: agency_user,
        "operator": lambda: UserFactory(is_staff=True),
    }[who]()
    with pytest.raises(PermissionDenied):
        services.milestone_payment_authorise(
            actor=actor, contract=plan.contract, milestone_id=plan.milestone_id, payment_method=CARD
        )
    assert not MilestonePayment.objects.exists()


@pytest.mark.parametrize("who", ["supplier", "buyer_on_active_contract", "other_buyer"])
def test_refunds_are_for_operators_or_the_buyer_of_a_terminated_contract(plan, who, django_capture_on_commit_callbacks):
    payment = authorise(plan)
    accepted(plan, django_capture_on_commit_callbacks)
    actor = {
        "supplier": lambda: supplier_user(plan.contract),
        "buyer_on_active_contract": lambda: buyer_user_of(plan.contract),
        "other_buyer": lambda: buyer_user_of(enterprise_contract()),
    }[who]()
    with pytest.raises(PermissionDenied):
        services.milestone_payment_refund(actor=actor, payment=payment, amount_fen=100, reason="please")
    assert not payment.entries.filter(kind=EntryKind.REFUNDED).exists()


def test_the_buyer_refunds_on_a_terminated_contract(plan, django_capture_on_commit_callbacks):
    payment = authorise(plan)
    accepted(plan, django_capture_on_commit_callbacks)
    buyer = buyer_user_of(plan.contract)
    contract = plan.contract
    contract.refresh_from_db()
    assert contract.state == ContractState.ACTIVE  # its second milestone is still to come
    services.contract_terminate(actor=buyer, contract=contract, reason="the rest is cancelled")
    services.milestone_payment_refund(actor=buyer, payment=payment, amount_fen=100, reason="agreed")
    payment.refresh_from_db()
    assert payment.state == PaymentState.PARTIALLY_REFUNDED
