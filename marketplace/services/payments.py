"""Paying contract milestones (DESIGN §9).

Enterprise orders (request for quotation) pay by card. The buyer's staff authorise a milestone's
amount, less what vouchers cover, as a PaymentIntent with manual capture: the money is held. When
the milestone is met (its delivery accepted, which also raises a PaymentDue row, or by hand on a
milestone without an acceptance plan), a task captures it; when the milestone
fails acceptance or the contract is terminated, a task cancels the hold. Money already captured
goes back only by an explicit refund, full or partial, never beyond what was captured.

Government contracts never pay by card: the agency records each treasury transfer (amount, date,
transfer voucher number) once the milestone is accepted, and the payment moves through the same
states, so monitoring reads one model.

Every change appends entries (marketplace.models.payments); the Stripe call happens while the
payment's row is locked, so two captures of one milestone cannot both reach Stripe, and a unique
constraint refuses a second captured entry anyway. Stripe not answering rolls the transaction back
(nothing changed here) and the tasks retry with backoff. Webhook events are stored once by id and
processed by re-reading the intent from Stripe: our rows follow Stripe's current state, so events
that repeat or come out of order change nothing more.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from functools import partial

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.models import (
    PAYMENT_TRANSITIONS,
    Contract,
    ContractMilestone,
    ContractState,
    EntryKind,
    MilestonePayment,
    MilestoneState,
    PaymentEntry,
    PaymentMethod,
    PaymentState,
    StripeEvent,
)
from marketplace.payments import gateway
from marketplace.procedures import Procedure
from marketplace.selectors.payments import milestone_voucher_fen, payment_totals
from marketplace.services._common import lock, require_buyer_staff, required_text
from monitoring.rollups import events as rollup_events
from portal.accounts.models import User
from portal.audit.services import audit_record
from portal.errors import Conflict, PermissionDenied
from portal.money import format_fen

logger = logging.getLogger(__name__)

# Procedures whose contracts are paid by card; every other contract is a government one, paid by
# treasury transfer.
CARD_PROCEDURES = frozenset({Procedure.REQUEST_FOR_QUOTATION})
MAX_VOUCHER_NUMBER = 64


def pays_by_card(contract: Contract) -> bool:
    return contract.tender.procedure in CARD_PROCEDURES


def _move(payment: MilestonePayment, state: str) -> None:
    if state not in PAYMENT_TRANSITIONS[payment.state]:
        raise Conflict(
            _("A payment that is %(state)s cannot become %(new)s.")
            % {"state": PaymentState(payment.state).label, "new": PaymentState(state).label}
        )
    payment.state = state


def _entry(
    payment: MilestonePayment, kind: str, amount_fen: int, *, actor: User | None = None, **fields: object
) -> PaymentEntry:
    entry = PaymentEntry(
        payment=payment, kind=kind, amount_fen=amount_fen, recorded_by=actor, recorded_at=timezone.now(), **fields
    )
    entry.full_clean()
    entry.save()
    rollup_events.payment_recorded(entry)
    return entry


def _save(payment: MilestonePayment, actor: User | None, action: str, before: str, **after: object) -> None:
    payment.save(update_fields=["state", "intent_id", "last_error", "updated_at"])
    audit_record(
        actor=actor,
        action=f"payment.{action}",
        obj=payment,
        before={"state": before},
        after={"state": payment.state, **after},
    )


def _milestone_of(contract: Contract, milestone_id: int) -> ContractMilestone:
    milestone = contract.milestones.select_for_update().filter(pk=milestone_id).first()
    if milestone is None:
        raise ValidationError({"milestone": [_("This milestone is not part of the contract.")]})
    return milestone


def _payment_for(milestone: ContractMilestone, method: str, actor: User) -> MilestonePayment:
    """The milestone's payment, locked; created on first use, for the milestone's amount less its
    part of the vouchers redeemed against the contract (vouchers are redeemed before the first
    payment: vouchers.services.redemptions refuses them after)."""
    payment = MilestonePayment.objects.select_for_update(of=("self",)).filter(milestone=milestone).first()
    if payment is None:
        voucher_fen = milestone_voucher_fen(milestone)
        payment = MilestonePayment(
            milestone=milestone,
            contract_id=milestone.contract_id,
            method=method,
            amount_fen=milestone.amount_fen - voucher_fen,
            voucher_fen=voucher_fen,
            created_by=actor,
        )
        payment.full_clean()
        payment.save()
    if payment.method != method:
        raise Conflict(_("This milestone is paid by %(method)s.") % {"method": PaymentMethod(payment.method).label})
    return payment


# --- Card: authorise, capture, cancel, refund --------------------------------------------------


def milestone_payment_authorise(
    *, actor: User, contract: Contract, milestone_id: int, payment_method: str
) -> MilestonePayment:
    """The buyer's staff hold a milestone's amount on a card (a Stripe PaymentMethod id from
    Stripe.js). A declined card leaves a failed entry and may be tried again; Stripe not answering
    changes nothing here. Authorised after acceptance, the amount is captured at once."""
    require_buyer_staff(actor=actor, buyer=contract.buyer)
    if not pays_by_card(contract):
        raise Conflict(_("Government contracts are paid by treasury transfer, not by card."))
    payment_method = (payment_method or "").strip()
    if not payment_method.startswith("pm_") or len(payment_method) > 255:
        raise ValidationError({"payment_method": [_("Enter the card again.")]})
    declined: gateway.CardDeclined | None = None
    with transaction.atomic():
        contract = lock(Contract, contract.pk)
        if contract.state not in (ContractState.ACTIVE, ContractState.COMPLETED):
            raise Conflict(_("Milestones are paid only on a signed contract that has not been terminated."))
        milestone = _milestone_of(contract, milestone_id)
        if milestone.state == MilestoneState.FAILED:
            raise Conflict(_("This milestone failed acceptance: there is nothing to pay."))
        payment = _payment_for(milestone, PaymentMethod.CARD, actor)
        if payment.state not in (PaymentState.PENDING, PaymentState.FAILED):
            raise Conflict(
                _("This milestone's payment is already %(state)s.") % {"state": PaymentState(payment.state).label}
            )
        if payment.amount_fen == 0:
            raise Conflict(_("Vouchers cover this milestone: there is nothing to pay by card."))
        before = payment.state
        attempt = payment.entries.filter(kind=EntryKind.FAILED).count()
        try:
            intent = gateway.authorise(
                payment_id=payment.pk,
                attempt=attempt,
                amount_fen=payment.amount_fen,
                payment_method=payment_method,
                metadata={"contract": contract.reference or str(contract.pk), "milestone": str(milestone.pk)},
            )
        except gateway.CardDeclined as error:
            declined = error
            _move(payment, PaymentState.FAILED)
            payment.last_error = error.message
            _entry(payment, EntryKind.FAILED, payment.amount_fen, actor=actor, note=error.message)
            _save(payment, actor, "declined", before)
        else:
            if intent.status != "requires_capture" or intent.amount_capturable_fen != payment.amount_fen:
                # For instance a card that asks for authentication on a page this flow does not show.
                gateway.cancel(payment_id=payment.pk, intent_id=intent.id)
                declined = gateway.CardDeclined(_("The card could not be authorised for this amount."))
                _move(payment, PaymentState.FAILED)
                payment.last_error = f"{intent.id}: {intent.status}"
                _entry(
                    payment, EntryKind.FAILED, payment.amount_fen, actor=actor, stripe_id=intent.id, note=intent.status
                )
                _save(payment, actor, "declined", before)
            else:
                _move(payment, PaymentState.AUTHORISED)
                payment.intent_id = intent.id
                payment.last_error = ""
                _entry(payment, EntryKind.AUTHORISED, intent.amount_capturable_fen, actor=actor, stripe_id=intent.id)
                _save(payment, actor, "authorise", before, amount_fen=payment.amount_fen, intent=intent.id)
                if milestone.state == MilestoneState.MET:
                    transaction.on_commit(partial(payment_capture_queue, milestone.pk))
    if declined is not None:
        raise declined
    return payment


def milestone_payment_capture(*, milestone_id: int) -> MilestonePayment | None:
    """Capture the hold of a met milestone (run by a task queued when the milestone is met, by an
    accepted delivery or by hand). Safe to run twice: a payment already captured, cancelled or
    never authorised is left as it is."""
    if not ContractMilestone.objects.filter(pk=milestone_id, state=MilestoneState.MET).exists():
        raise Conflict(_("Only a met milestone is captured."))
    try:
        with transaction.atomic():
            payment = (
                MilestonePayment.objects.select_for_update(of=("self",))
                .filter(milestone_id=milestone_id, method=PaymentMethod.CARD)
                .first()
            )
            if payment is None or payment.state != PaymentState.AUTHORISED:
                return payment
            try:
                intent = gateway.capture(
                    payment_id=payment.pk, intent_id=payment.intent_id, amount_fen=payment.amount_fen
                )
            except gateway.GatewayRefused:
                # Captured (or cancelled) at Stripe already, our write lost: follow what Stripe says.
                intent = gateway.retrieve_intent(payment.intent_id)
                if intent.status not in ("succeeded", "canceled"):
                    raise
            _follow_intent(payment, intent, refunds=[])
    except gateway.GatewayUnavailable as error:
        MilestonePayment.objects.filter(milestone_id=milestone_id).update(last_error=error.message)
        raise
    return payment


def milestone_payment_release(*, milestone_id: int) -> MilestonePayment | None:
    """The milestone failed acceptance or its contract was terminated before it was met: cancel
    the hold. Money already captured stays until someone refunds it (`milestone_payment_refund`)."""
    try:
        with transaction.atomic():
            payment = MilestonePayment.objects.select_for_update(of=("self",)).filter(milestone_id=milestone_id).first()
            if payment is None:
                return None
            before = payment.state
            if payment.state in (PaymentState.PENDING, PaymentState.FAILED):
                _move(payment, PaymentState.CANCELLED)
                _entry(payment, EntryKind.CANCELLED, 0, note=_("Nothing was held."))
                _save(payment, None, "cancel", before)
            elif payment.state == PaymentState.AUTHORISED:
                try:
                    intent = gateway.cancel(payment_id=payment.pk, intent_id=payment.intent_id)
                except gateway.GatewayRefused:
                    intent = gateway.retrieve_intent(payment.intent_id)
                    if intent.status not in ("succeeded", "canceled"):
                        raise
                _follow_intent(payment, intent, refunds=[])
    except gateway.GatewayUnavailable as error:
        MilestonePayment.objects.filter(milestone_id=milestone_id).update(last_error=error.message)
        raise
    return payment


def contract_payments_release(*, contract_id: int) -> int:
    """A terminated contract: release the holds of the milestones it had not met. Returns how many."""
    released = 0
    for milestone_id in (
        MilestonePayment.objects.filter(contract_id=contract_id)
        .exclude(milestone__state=MilestoneState.MET)
        .filter(state__in=(PaymentState.PENDING, PaymentState.FAILED, PaymentState.AUTHORISED))
        .order_by("milestone_id")
        .values_list("milestone_id", flat=True)
    ):
        milestone_payment_release(milestone_id=milestone_id)
        released += 1
    return released


def milestone_payment_refund(*, actor: User, payment: MilestonePayment, amount_fen: int, reason: str) -> PaymentEntry:
    """Give back part or all of a captured card payment: the platform's operators, or the buyer's
    staff once the contract is terminated. Never more than was captured and not yet refunded."""
    reason = required_text(reason, "reason", _("Give the reason for the refund."))
    contract = payment.contract
    if not actor.is_staff:
        require_buyer_staff(actor=actor, buyer=contract.buyer)
        if contract.state != ContractState.TERMINATED:
            raise PermissionDenied(_("The buyer may refund only on a terminated contract; ask the platform otherwise."))
    if isinstance(amount_fen, bool) or not isinstance(amount_fen, int) or amount_fen <= 0:
        raise ValidationError({"amount_fen": [_("Enter an amount greater than zero.")]})
    with transaction.atomic():
        payment = lock(MilestonePayment, payment.pk)
        if payment.method != PaymentMethod.CARD:
            raise Conflict(_("Treasury transfers are not refunded through the portal."))
        if payment.state not in (PaymentState.CAPTURED, PaymentState.PARTIALLY_REFUNDED):
            raise Conflict(_("Only a captured payment can be refunded."))
        totals = payment_totals(payment)
        if amount_fen > totals.refundable_fen:
            raise Conflict(
                _("At most ¥%(left)s can still be refunded on this payment.")
                % {"left": format_fen(totals.refundable_fen)}
            )
        before = payment.state
        refund = gateway.refund(
            payment_id=payment.pk,
            entry_number=payment.entries.filter(kind=EntryKind.REFUNDED).count(),
            intent_id=payment.intent_id,
            amount_fen=amount_fen,
        )
        entry = _entry(payment, EntryKind.REFUNDED, refund.amount_fen, actor=actor, stripe_id=refund.id, note=reason)
        left = totals.refundable_fen - refund.amount_fen
        _move(payment, PaymentState.REFUNDED if left == 0 else PaymentState.PARTIALLY_REFUNDED)
        _save(payment, actor, "refund", before, amount_fen=refund.amount_fen, refund=refund.id, reason=reason)
    return entry


def _follow_intent(payment: MilestonePayment, intent: gateway.Intent, *, refunds: list[gateway.Refund]) -> list[str]:
    """Bring a locked card payment's rows up to what Stripe says about its intent (and, when
    given, its refunds). Returns the kinds of entry written: none when we already agree, which is
    why a repeated or late event changes nothing."""
    if intent.id != payment.intent_id:
        return []
    written: list[str] = []
    before = payment.state
    if intent.status == "succeeded" and payment.state == PaymentState.AUTHORISED:
        _move(payment, PaymentState.CAPTURED)
        payment.last_error = ""
        _entry(payment, EntryKind.CAPTURED, intent.amount_received_fen or payment.amount_fen, stripe_id=intent.id)
        written.append(EntryKind.CAPTURED)
    elif intent.status == "canceled" and payment.state == PaymentState.AUTHORISED:
        _move(payment, PaymentState.CANCELLED)
        payment.last_error = ""
        _entry(payment, EntryKind.CANCELLED, payment_totals(payment).held_fen, stripe_id=intent.id)
        written.append(EntryKind.CANCELLED)
    if payment.state in (PaymentState.CAPTURED, PaymentState.PARTIALLY_REFUNDED):
        known = set(payment.entries.filter(kind=EntryKind.REFUNDED).values_list("stripe_id", flat=True))
        for refund in refunds:
            if refund.id in known or refund.status != "succeeded":
                continue
            _entry(payment, EntryKind.REFUNDED, refund.amount_fen, stripe_id=refund.id, note=_("Refunded at Stripe."))
            written.append(EntryKind.REFUNDED)
        if EntryKind.REFUNDED in written:
            totals = payment_totals(payment)
            _move(payment, PaymentState.REFUNDED if totals.refundable_fen <= 0 else PaymentState.PARTIALLY_REFUNDED)
    if written:
        _save(payment, None, "follow_stripe", before, entries=written, intent=intent.id)
    return written


# --- Government contracts: treasury transfers ---------------------------------------------------


def treasury_transfer_record(
    *, actor: User, contract: Contract, milestone_id: int, amount_fen: int, transfer_date: date, voucher_number: str
) -> PaymentEntry:
    """The agency records a treasury transfer (国库集中支付) for an accepted milestone. Transfers
    add up to at most the payment's amount; reaching it marks the payment captured (paid)."""
    require_buyer_staff(actor=actor, buyer=contract.buyer)
    if pays_by_card(contract):
        raise Conflict(_("Enterprise orders are paid by card, not by treasury transfer."))
    voucher_number = required_text(voucher_number, "voucher_number", _("Give the transfer voucher number."))
    if len(voucher_number) > MAX_VOUCHER_NUMBER:
        raise ValidationError({"voucher_number": [_("A voucher number has at most 64 characters.")]})
    if isinstance(amount_fen, bool) or not isinstance(amount_fen, int) or amount_fen <= 0:
        raise ValidationError({"amount_fen": [_("Enter an amount greater than zero.")]})
    if transfer_date > timezone.localdate():
        raise ValidationError({"transfer_date": [_("A transfer cannot be dated in the future.")]})
    with transaction.atomic():
        contract = lock(Contract, contract.pk)
        milestone = _milestone_of(contract, milestone_id)
        if milestone.state != MilestoneState.MET:
            raise Conflict(_("A milestone is paid once it is accepted."))
        payment = _payment_for(milestone, PaymentMethod.TREASURY, actor)
        if payment.entries.filter(kind=EntryKind.TREASURY_TRANSFER, voucher_number=voucher_number).exists():
            raise Conflict(_("This transfer voucher is already recorded."))
        paid = payment_totals(payment).captured_fen
        if paid + amount_fen > payment.amount_fen:
            raise Conflict(
                _("Only ¥%(left)s remain to be paid on this milestone.")
                % {"left": format_fen(payment.amount_fen - paid)}
            )
        before = payment.state
        entry = _entry(
            payment,
            EntryKind.TREASURY_TRANSFER,
            amount_fen,
            actor=actor,
            transfer_date=transfer_date,
            voucher_number=voucher_number,
        )
        if paid + amount_fen == payment.amount_fen:
            _move(payment, PaymentState.CAPTURED)
        _save(
            payment,
            actor,
            "treasury_transfer",
            before,
            amount_fen=amount_fen,
            transfer_date=transfer_date.isoformat(),
            voucher_number=voucher_number,
        )
    return entry


# --- Webhooks ------------------------------------------------------------------------------------


def stripe_event_receive(*, payload: bytes, signature: str) -> tuple[StripeEvent, bool]:
    """Verify and store a webhook event once by its id; processing is queued after the commit.
    Returns the event and whether it was new. Raises gateway.InvalidWebhook, storing nothing."""
    event = gateway.construct_event(payload=payload, signature=signature)
    with transaction.atomic():
        row, created = StripeEvent.objects.get_or_create(
            event_id=event.id,
            defaults={
                "type": event.type[:100],
                "api_version": event.api_version[:64],
                "intent_id": event.intent_id[:255],
                "payload": event.payload,
                "received_at": timezone.now(),
            },
        )
        if created:
            transaction.on_commit(partial(_queue_event, row.pk))
    return row, created


def _queue_event(event_id: int) -> None:
    from marketplace.tasks import stripe_event_process_task

    stripe_event_process_task.delay(event_id)


def stripe_event_process(*, event_id: int) -> StripeEvent:
    """Process a stored event once: re-read its intent (and refunds) from Stripe, whatever the
    payload says, and let our rows follow. Stripe not answering rolls back; the task retries."""
    with transaction.atomic():
        event = lock(StripeEvent, event_id)
        if event.processed_at is not None:
            return event
        event.attempts += 1
        payment = None
        if event.intent_id:
            payment = MilestonePayment.objects.select_for_update(of=("self",)).filter(intent_id=event.intent_id).first()
        if payment is None:
            event.error = _("No payment of this portal follows this object.") if event.intent_id else ""
        else:
            intent = gateway.retrieve_intent(event.intent_id)
            refunds = gateway.refunds_of(event.intent_id) if intent.status == "succeeded" else []
            _follow_intent(payment, intent, refunds=refunds)
            event.error = ""
        event.processed_at = timezone.now()
        event.save(update_fields=["attempts", "error", "processed_at"])
    return event


# --- Queues (called on commit by the services that raise the events) ---------------------------


def payment_capture_queue(milestone_id: int) -> None:
    from marketplace.tasks import milestone_payment_capture_task

    milestone_payment_capture_task.delay(milestone_id)


def payment_release_queue(milestone_id: int) -> None:
    from marketplace.tasks import milestone_payment_release_task

    milestone_payment_release_task.delay(milestone_id)


def contract_payments_release_queue(contract_id: int) -> None:
    from marketplace.tasks import contract_payments_release_task

    contract_payments_release_task.delay(contract_id)


# --- Reconciliation --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Difference:
    payment_id: int
    milestone_id: int
    what: str
    ours: str
    theirs: str

    def __str__(self) -> str:
        return (
            f"payment {self.payment_id} (milestone {self.milestone_id}): {self.what}: ours {self.ours}, {self.theirs}"
        )


# The intent status each of our card states expects.
EXPECTED_STATUS = {
    PaymentState.AUTHORISED: "requires_capture",
    PaymentState.CAPTURED: "succeeded",
    PaymentState.PARTIALLY_REFUNDED: "succeeded",
    PaymentState.REFUNDED: "succeeded",
    PaymentState.CANCELLED: "canceled",
}


def payments_reconcile() -> list[Difference]:
    """Compare every payment's entries with its milestone's amount and, for cards, with Stripe's
    intent and refunds. Reads only; Stripe not answering raises gateway.GatewayUnavailable."""
    differences: list[Difference] = []
    payments = MilestonePayment.objects.select_related("milestone").order_by("pk")
    for payment in payments.iterator(chunk_size=200):

        def differ(what: str, ours: object, theirs: object, payment: MilestonePayment = payment) -> None:
            differences.append(Difference(payment.pk, payment.milestone_id, what, str(ours), str(theirs)))

        totals = payment_totals(payment)
        if payment.amount_fen + payment.voucher_fen != payment.milestone.amount_fen:
            differ(
                "amount + vouchers",
                payment.amount_fen + payment.voucher_fen,
                f"milestone {payment.milestone.amount_fen}",
            )
        if totals.captured_fen > payment.amount_fen:
            differ("captured beyond the amount", totals.captured_fen, f"amount {payment.amount_fen}")
        if totals.refunded_fen > totals.captured_fen:
            differ("refunded beyond the captured", totals.refunded_fen, f"captured {totals.captured_fen}")
        if payment.state == PaymentState.CAPTURED and totals.captured_fen != payment.amount_fen:
            differ("captured", totals.captured_fen, f"amount {payment.amount_fen}")
        if payment.state == PaymentState.AUTHORISED and totals.held_fen != payment.amount_fen:
            differ("held", totals.held_fen, f"amount {payment.amount_fen}")
        if payment.method != PaymentMethod.CARD or not payment.intent_id:
            continue
        intent = gateway.retrieve_intent(payment.intent_id)
        expected = EXPECTED_STATUS.get(PaymentState(payment.state))
        if expected and intent.status != expected:
            differ("status", payment.state, f"Stripe {intent.status}")
        if intent.amount_received_fen != totals.captured_fen:
            differ("captured", totals.captured_fen, f"Stripe {intent.amount_received_fen}")
        if intent.status == "succeeded":
            stripe_refunded = sum(
                r.amount_fen for r in gateway.refunds_of(payment.intent_id) if r.status == "succeeded"
            )
            if stripe_refunded != totals.refunded_fen:
                differ("refunded", totals.refunded_fen, f"Stripe {stripe_refunded}")
    return differences
