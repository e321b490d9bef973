"""Serializers of the payments API: a contract's milestone payments with their entries, and the
bodies of the card authorisation, the refund and the treasury transfer."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from marketplace.models import EntryKind, MilestoneState, PaymentMethod, PaymentState
from marketplace.selectors.payments import MilestonePaymentRow
from marketplace.services.payments import MAX_VOUCHER_NUMBER


class PaymentEntrySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=EntryKind.choices)
    amount_fen = serializers.IntegerField()
    created_at = serializers.DateTimeField(source="recorded_at")
    stripe_id = serializers.CharField(
        help_text="the Stripe object the entry follows: the PaymentIntent, or the refund; blank for transfers"
    )
    transfer_date = serializers.DateField(allow_null=True, help_text="treasury transfers only")
    voucher_number = serializers.CharField(help_text="the treasury transfer's voucher number; blank otherwise")
    note = serializers.CharField(help_text="a refund's reason, a declined card's answer")


class MilestonePaymentSerializer(serializers.Serializer):
    """One milestone's payment. Held, captured, released and refunded are summed from the entries;
    `amount_fen + voucher_fen` is the milestone's amount."""

    milestone = serializers.IntegerField(source="milestone.pk")
    position = serializers.IntegerField(source="milestone.position")
    title = serializers.CharField(source="milestone.title")
    milestone_state = serializers.ChoiceField(source="milestone.state", choices=MilestoneState.choices)
    milestone_amount_fen = serializers.IntegerField(source="milestone.amount_fen")
    payment = serializers.IntegerField(source="payment.pk", allow_null=True, help_text="null until the first step")
    method = serializers.ChoiceField(choices=PaymentMethod.choices)
    state = serializers.SerializerMethodField()
    amount_fen = serializers.SerializerMethodField()
    voucher_fen = serializers.SerializerMethodField()
    currency = serializers.SerializerMethodField()
    held_fen = serializers.IntegerField(source="totals.held_fen", help_text="authorised on the card, not yet captured")
    captured_fen = serializers.IntegerField(source="totals.captured_fen", help_text="by card or treasury transfer")
    released_fen = serializers.IntegerField(source="totals.released_fen", help_text="captured and not refunded")
    refunded_fen = serializers.IntegerField(source="totals.refunded_fen")
    last_error = serializers.SerializerMethodField()
    entries = PaymentEntrySerializer(many=True)

    @extend_schema_field(serializers.ChoiceField(choices=PaymentState.choices))
    def get_state(self, row: MilestonePaymentRow) -> str:
        return row.payment.state if row.payment is not None else PaymentState.PENDING

    def get_amount_fen(self, row: MilestonePaymentRow) -> int:
        """What the card or the treasury pays: the milestone's amount less what vouchers cover."""
        return row.payment.amount_fen if row.payment is not None else row.milestone.amount_fen

    def get_voucher_fen(self, row: MilestonePaymentRow) -> int:
        return row.payment.voucher_fen if row.payment is not None else 0

    def get_currency(self, row: MilestonePaymentRow) -> str:
        return row.payment.currency if row.payment is not None else "CNY"

    def get_last_error(self, row: MilestonePaymentRow) -> str:
        """Why the last step did not go through (a declined card, Stripe not answering while the
        portal retries); blank once a step succeeds."""
        return row.payment.last_error if row.payment is not None else ""


class ContractPaymentsSerializer(serializers.Serializer):
    contract = serializers.IntegerField(source="contract.pk")
    side = serializers.ChoiceField(
        choices=["buyer", "supplier", "observer"], help_text="the side you read from (observers: operators, regulators)"
    )
    milestones = MilestonePaymentSerializer(many=True)


class PaymentAuthoriseSerializer(serializers.Serializer):
    payment_method = serializers.RegexField(
        r"^pm_[A-Za-z0-9_]+$", max_length=255, help_text="a Stripe PaymentMethod id, as Stripe.js returns it"
    )


class PaymentRefundSerializer(serializers.Serializer):
    amount_fen = serializers.IntegerField(min_value=1, help_text="at most what was captured and not yet refunded")
    reason = serializers.CharField(max_length=5_000, help_text="audited, and shown with the entry")


class TreasuryTransferSerializer(serializers.Serializer):
    amount_fen = serializers.IntegerField(min_value=1, help_text="transfers add up to at most the payment's amount")
    transferred_on = serializers.DateField(help_text="the date of the transfer (not in the future)")
    voucher_number = serializers.CharField(max_length=MAX_VOUCHER_NUMBER, help_text="the transfer voucher's number")
