"""What a milestone payment holds, has released and has refunded, derived from its entries."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Sum

from marketplace.models import EntryKind, MilestonePayment, PaymentEntry


@dataclass(frozen=True)
class PaymentTotals:
    authorised_fen: int
    captured_fen: int  # by card or by treasury transfer
    cancelled_fen: int
    refunded_fen: int

    @property
    def held_fen(self) -> int:
        """Authorised on the card and neither captured nor released yet."""
        return max(0, self.authorised_fen - self.captured_fen - self.cancelled_fen)

    @property
    def released_fen(self) -> int:
        """Paid to the supplier and not refunded."""
        return self.captured_fen - self.refunded_fen

    @property
    def refundable_fen(self) -> int:
        return self.captured_fen - self.refunded_fen


def payment_totals(payment: MilestonePayment) -> PaymentTotals:
    sums = dict(
        PaymentEntry.objects.filter(payment=payment)
        .values_list("kind")
        .annotate(total=Sum("amount_fen"))
        .values_list("kind", "total")
    )
    return PaymentTotals(
        authorised_fen=sums.get(EntryKind.AUTHORISED, 0),
        captured_fen=sums.get(EntryKind.CAPTURED, 0) + sums.get(EntryKind.TREASURY_TRANSFER, 0),
        cancelled_fen=sums.get(EntryKind.CANCELLED, 0),
        refunded_fen=sums.get(EntryKind.REFUNDED, 0),
    )
