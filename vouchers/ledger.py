"""Posting to the voucher ledger: the one place that writes `LedgerTransaction` and `LedgerEntry`
rows. A posting is balanced (its legs sum to zero) or it is refused before anything is written."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone

from portal.accounts.models import User
from vouchers.models import Account, LedgerEntry, LedgerTransaction, Programme, Redemption, SettlementClaim, Voucher


@dataclass(frozen=True)
class Leg:
    account: Account
    amount_fen: int
    voucher: Voucher | None = None


Pocket = tuple[Account, Voucher | None]


class UnbalancedPosting(ValueError):
    """A programming error: services build only balanced postings."""


def post(
    *,
    programme: Programme,
    kind: str,
    legs: list[Leg],
    actor: User | None = None,
    voucher: Voucher | None = None,
    redemption: Redemption | None = None,
    claim: SettlementClaim | None = None,
) -> LedgerTransaction:
    if len(legs) < 2 or sum(leg.amount_fen for leg in legs) != 0 or any(leg.amount_fen == 0 for leg in legs):
        raise UnbalancedPosting(f"{kind}: {legs}")
    transaction = LedgerTransaction.objects.create(
        programme=programme,
        kind=kind,
        voucher=voucher,
        redemption=redemption,
        claim=claim,
        created_at=timezone.now(),
        created_by=actor if actor is not None and actor.is_authenticated else None,
    )
    LedgerEntry.objects.bulk_create(
        LedgerEntry(
            transaction=transaction,
            programme=programme,
            account=leg.account,
            voucher=leg.voucher,
            amount_fen=leg.amount_fen,
        )
        for leg in legs
    )
    return transaction


def move(
    *,
    programme: Programme,
    kind: str,
    amount_fen: int,
    source: Pocket,
    target: Pocket,
    actor: User | None = None,
    voucher: Voucher | None = None,
    redemption: Redemption | None = None,
    claim: SettlementClaim | None = None,
) -> LedgerTransaction:
    """The common posting: `amount_fen` out of one pocket (an account, for one voucher or none)
    into another."""
    return post(
        programme=programme,
        kind=kind,
        legs=[Leg(source[0], -amount_fen, source[1]), Leg(target[0], amount_fen, target[1])],
        actor=actor,
        voucher=voucher,
        redemption=redemption,
        claim=claim,
    )
