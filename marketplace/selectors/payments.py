"""What a milestone payment holds, has released and has refunded, derived from its entries; and a
contract's payments as its parties and observers read them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.db.models import Prefetch, Sum

from marketplace.models import Contract, ContractMilestone, EntryKind, MilestonePayment, PaymentEntry, PaymentMethod
from portal.errors import NotFound
from portal.money import split_in_proportion
from portal.permissions import AnyUser
from vouchers.selectors import contract_voucher_fen


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
    return _totals(sums)


def totals_of(entries: Iterable[PaymentEntry]) -> PaymentTotals:
    """`payment_totals` of entries already loaded (a list of payments reads them in one query)."""
    sums: dict[str, int] = {}
    for entry in entries:
        sums[entry.kind] = sums.get(entry.kind, 0) + entry.amount_fen
    return _totals(sums)


def _totals(sums: Mapping[str, int]) -> PaymentTotals:
    return PaymentTotals(
        authorised_fen=sums.get(EntryKind.AUTHORISED, 0),
        captured_fen=sums.get(EntryKind.CAPTURED, 0) + sums.get(EntryKind.TREASURY_TRANSFER, 0),
        cancelled_fen=sums.get(EntryKind.CANCELLED, 0),
        refunded_fen=sums.get(EntryKind.REFUNDED, 0),
    )


@dataclass
class MilestonePaymentRow:
    """One milestone as the payments of its contract show it: its payment (None until someone
    authorises a card or records a transfer), the totals and every entry, oldest first."""

    milestone: ContractMilestone
    payment: MilestonePayment | None
    method: str
    totals: PaymentTotals
    entries: list[PaymentEntry] = field(default_factory=list)


def contract_payments(
    *, user: AnyUser, contract: Contract, milestone_id: int | None = None
) -> tuple[str, list[MilestonePaymentRow]]:
    """The side the user reads from and every milestone's payment (or only `milestone_id`'s), for
    the contract's parties and observers (operators, regulators in scope); NotFound for anyone
    else, and for a milestone of another contract. A fixed number of queries, whatever the
    number of milestones and entries."""
    # Imported here: both import this module (for `payment_totals`) while they load.
    from marketplace.selectors.acceptance import acceptance_side_of
    from marketplace.services.payments import pays_by_card

    side = acceptance_side_of(user=user, contract=contract)
    if not side:
        raise NotFound()
    milestones = contract.milestones.order_by("position")
    payments = MilestonePayment.objects.filter(contract=contract).prefetch_related(
        Prefetch("entries", queryset=PaymentEntry.objects.order_by("recorded_at", "pk"))
    )
    if milestone_id is not None:
        milestones = milestones.filter(pk=milestone_id)
        payments = payments.filter(milestone_id=milestone_id)
    by_milestone = {payment.milestone_id: payment for payment in payments}
    method = PaymentMethod.CARD if pays_by_card(contract) else PaymentMethod.TREASURY
    rows = []
    for milestone in milestones:
        payment = by_milestone.get(milestone.pk)
        entries = list(payment.entries.all()) if payment is not None else []
        rows.append(
            MilestonePaymentRow(
                milestone=milestone,
                payment=payment,
                method=payment.method if payment is not None else method,
                totals=totals_of(entries),
                entries=entries,
            )
        )
    if milestone_id is not None and not rows:
        raise NotFound()
    return side, rows


def contract_milestone_payment(*, contract: Contract, milestone_id: int) -> MilestonePayment | None:
    """The payment of one of the contract's milestones (None before the first authorisation or
    transfer); NotFound for a milestone of another contract."""
    if not contract.milestones.filter(pk=milestone_id).exists():
        raise NotFound()
    return (
        MilestonePayment.objects.select_related("contract__buyer", "contract__tender")
        .filter(contract=contract, milestone_id=milestone_id)
        .first()
    )


def contract_fully_paid(contract: Contract) -> bool:
    """Every milestone met and its payable part (its amount less what vouchers cover) released to
    the supplier: by card capture or treasury transfer. Voucher settlement waits for this."""
    milestones = list(contract.milestones.all())
    if not milestones or any(milestone.state != "met" for milestone in milestones):
        return False
    paid = {
        payment.milestone_id: payment
        for payment in MilestonePayment.objects.filter(contract=contract).prefetch_related("entries")
    }
    for milestone in milestones:
        payment = paid.get(milestone.pk)
        if payment is None:
            if milestone_voucher_fen(milestone) < milestone.amount_fen:
                return False
            continue
        if payment.amount_fen and totals_of(payment.entries.all()).released_fen < payment.amount_fen:
            return False
    return True


def milestone_voucher_fen(milestone: ContractMilestone) -> int:
    """The milestone's part of what vouchers cover of its contract: the contract's coverage split
    in proportion to the milestones' amounts, so that the parts sum to the coverage exactly."""
    total = contract_voucher_fen(milestone.contract)
    if not total:
        return 0
    milestones = list(ContractMilestone.objects.filter(contract_id=milestone.contract_id).order_by("position", "pk"))
    parts = split_in_proportion(total, [m.amount_fen or 1 for m in milestones])
    part = parts[[m.pk for m in milestones].index(milestone.pk)]
    return min(part, milestone.amount_fen)
