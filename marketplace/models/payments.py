"""Payments of contract milestones (DESIGN §9): one payment per milestone, its append-only
entries, and the Stripe events received by the webhook.

Enterprise orders (request for quotation) pay by card through Stripe: the buyer authorises the
milestone's amount, the portal captures it on acceptance and cancels or refunds it when the
milestone fails or the contract ends. Government contracts pay by treasury transfer, which the
agency records. Both write the same entries and move through the same states, so monitoring reads
one model. What is held, released and refunded is derived from the entries, never typed in.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from marketplace.models.contracts import Contract, ContractMilestone


class PaymentMethod(models.TextChoices):
    CARD = "card", _("card (Stripe)")
    TREASURY = "treasury", _("treasury transfer")


class PaymentState(models.TextChoices):
    PENDING = "pending", _("not yet authorised")
    FAILED = "failed", _("authorisation failed")
    AUTHORISED = "authorised", _("held")
    CAPTURED = "captured", _("released to the supplier")
    PARTIALLY_REFUNDED = "partially_refunded", _("partially refunded")
    REFUNDED = "refunded", _("refunded")
    CANCELLED = "cancelled", _("hold cancelled")


# The one table of allowed moves (marketplace.services.payments._move checks it). A declined card
# may be tried again; a treasury payment goes from pending to captured when its transfers reach
# the amount.
P = PaymentState
PAYMENT_TRANSITIONS: dict[str, frozenset[str]] = {
    P.PENDING: frozenset({P.AUTHORISED, P.FAILED, P.CAPTURED, P.CANCELLED}),
    P.FAILED: frozenset({P.AUTHORISED, P.FAILED, P.CANCELLED}),
    P.AUTHORISED: frozenset({P.CAPTURED, P.CANCELLED}),
    P.CAPTURED: frozenset({P.PARTIALLY_REFUNDED, P.REFUNDED}),
    P.PARTIALLY_REFUNDED: frozenset({P.PARTIALLY_REFUNDED, P.REFUNDED}),
    P.REFUNDED: frozenset(),
    P.CANCELLED: frozenset(),
}


class MilestonePayment(models.Model):
    """How one milestone is paid. `amount_fen` is the milestone's amount less what vouchers cover
    (`voucher_fen`), so the two always sum to the milestone's amount."""

    milestone = models.OneToOneField(
        ContractMilestone, verbose_name=_("milestone"), on_delete=models.PROTECT, related_name="payment"
    )
    contract = models.ForeignKey(
        Contract, verbose_name=_("contract"), on_delete=models.PROTECT, related_name="milestone_payments"
    )
    method = models.CharField(_("payment method"), max_length=16, choices=PaymentMethod.choices)
    amount_fen = models.PositiveBigIntegerField(_("amount (fen)"))
    voucher_fen = models.PositiveBigIntegerField(_("covered by vouchers (fen)"), default=0)
    currency = models.CharField(_("currency"), max_length=3, default="CNY", editable=False)
    state = models.CharField(_("state"), max_length=24, choices=PaymentState.choices, default=PaymentState.PENDING)
    intent_id = models.CharField(_("Stripe PaymentIntent"), max_length=255, blank=True, editable=False)
    last_error = models.TextField(_("last error"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("milestone payment")
        verbose_name_plural = _("milestone payments")
        ordering = ["contract", "milestone__position"]
        constraints = [
            models.UniqueConstraint(
                fields=["intent_id"], condition=~models.Q(intent_id=""), name="marketplace_payment_intent_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(method="card") | models.Q(intent_id=""),
                name="marketplace_payment_treasury_no_intent",
            ),
        ]
        indexes = [models.Index(fields=["state", "method"], name="marketplace_payment_state")]

    def __str__(self) -> str:
        return f"payment of milestone {self.milestone_id}"


class EntryKind(models.TextChoices):
    AUTHORISED = "authorised", _("authorised")
    FAILED = "failed", _("failed")
    CAPTURED = "captured", _("captured")
    CANCELLED = "cancelled", pgettext_lazy("payment entry", "hold cancelled")
    REFUNDED = "refunded", _("refunded")
    TREASURY_TRANSFER = "treasury_transfer", _("treasury transfer")


class PaymentEntry(models.Model):
    """One thing that happened to a payment's money. Rows are only ever added."""

    payment = models.ForeignKey(MilestonePayment, on_delete=models.PROTECT, related_name="entries")
    kind = models.CharField(pgettext_lazy("payment entry", "kind"), max_length=24, choices=EntryKind.choices)
    amount_fen = models.PositiveBigIntegerField(_("amount (fen)"))
    # The Stripe object the entry follows (the intent, or a refund); blank for treasury transfers.
    stripe_id = models.CharField(_("Stripe object"), max_length=255, blank=True)
    transfer_date = models.DateField(_("transfer date"), null=True, blank=True)
    voucher_number = models.CharField(_("transfer voucher number"), max_length=64, blank=True)
    note = models.TextField(_("note"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"))

    class Meta:
        verbose_name = _("payment entry")
        verbose_name_plural = _("payment entries")
        ordering = ["payment", "recorded_at", "pk"]
        constraints = [
            # A payment is captured, and its hold cancelled, at most once: a second capture cannot
            # be written whatever the code above it does.
            models.UniqueConstraint(
                fields=["payment"], condition=models.Q(kind="captured"), name="marketplace_payment_one_capture"
            ),
            models.UniqueConstraint(
                fields=["payment"], condition=models.Q(kind="authorised"), name="marketplace_payment_one_hold"
            ),
            models.UniqueConstraint(
                fields=["payment"], condition=models.Q(kind="cancelled"), name="marketplace_payment_one_cancel"
            ),
            models.UniqueConstraint(
                fields=["stripe_id"],
                condition=models.Q(kind="refunded") & ~models.Q(stripe_id=""),
                name="marketplace_payment_refund_once",
            ),
            models.UniqueConstraint(
                fields=["payment", "voucher_number"],
                condition=models.Q(kind="treasury_transfer"),
                name="marketplace_payment_voucher_once",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="treasury_transfer")
                | (models.Q(transfer_date__isnull=False) & ~models.Q(voucher_number="")),
                name="marketplace_payment_transfer_complete",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount_fen} fen on payment {self.payment_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not self._state.adding:
            raise ValueError("Payment entries are append-only.")
        super().save(*args, **kwargs)


class StripeEvent(models.Model):
    """A webhook event, stored once by Stripe's id before it is processed (in Celery)."""

    event_id = models.CharField(_("event id"), max_length=255, unique=True)
    type = models.CharField(_("type"), max_length=100)
    api_version = models.CharField(_("API version"), max_length=64)
    intent_id = models.CharField(_("Stripe PaymentIntent"), max_length=255, blank=True)
    payload = models.JSONField(_("payload"))
    received_at = models.DateTimeField(_("received at"))
    processed_at = models.DateTimeField(_("processed at"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0, validators=[MinValueValidator(0)])
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("Stripe event")
        verbose_name_plural = _("Stripe events")
        ordering = ["-received_at", "-pk"]
        indexes = [
            models.Index(
                fields=["received_at"], condition=models.Q(processed_at__isnull=True), name="marketplace_event_pending"
            )
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.event_id}"
