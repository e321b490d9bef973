"""Posting to the voucher ledger: the one place that writes `LedgerTransaction` and `LedgerEntry`
rows. A posting is balanced (its legs sum to zero) or it is refused before anything is written.

It takes ids, not rows: a redemption, the hot path, knows its voucher and programme by id only."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection
from django.utils import timezone

from portal import prepared
from portal.accounts.models import User
from vouchers.models import Account, LedgerEntry, LedgerTransaction

# Written by hand (prepared statements): every redemption posts, and the ORM's inserts cost more
# processor time than the database's.
_TRANSACTION = LedgerTransaction._meta.db_table
_ENTRY = LedgerEntry._meta.db_table


@dataclass(frozen=True)
class Leg:
    account: Account
    amount_fen: int
    voucher_id: int | None = None


Pocket = tuple[Account, int | None]  # an account, for one voucher (its id) or none


class UnbalancedPosting(ValueError):
    """A programming error: services build only balanced postings."""


def post(
    *,
    programme_id: int,
    kind: str,
    legs: list[Leg],
    actor: User | None = None,
    voucher_id: int | None = None,
    redemption_id: int | None = None,
    claim_id: int | None = None,
) -> int:
    """Write the posting; its transaction's id."""
    if len(legs) < 2 or sum(leg.amount_fen for leg in legs) != 0 or any(leg.amount_fen == 0 for leg in legs):
        raise UnbalancedPosting(f"{kind}: {legs}")
    created_at = connection.ops.adapt_datetimefield_value(timezone.now())
    created_by = actor.pk if actor is not None and actor.is_authenticated else None
    row = prepared.fetchone(
        f"INSERT INTO {_TRANSACTION} (programme_id, kind, voucher_id, redemption_id, claim_id, created_at,"
        " created_by_id) VALUES (%s, %s, %s, %s, %s, %s, %s) RETURNING id",
        [programme_id, str(kind), voucher_id, redemption_id, claim_id, created_at, created_by],
    )
    if row is None:
        raise RuntimeError("INSERT … RETURNING returned no row")
    values = ", ".join(["(%s, %s, %s, %s, %s)"] * len(legs))
    prepared.fetchone(
        f"INSERT INTO {_ENTRY} (transaction_id, programme_id, account, voucher_id, amount_fen) VALUES {values}",
        [value for leg in legs for value in (row[0], programme_id, str(leg.account), leg.voucher_id, leg.amount_fen)],
    )
    return int(row[0])


def move(
    *,
    programme_id: int,
    kind: str,
    amount_fen: int,
    source: Pocket,
    target: Pocket,
    actor: User | None = None,
    voucher_id: int | None = None,
    redemption_id: int | None = None,
    claim_id: int | None = None,
) -> int:
    """The common posting: `amount_fen` out of one pocket (an account, for one voucher or none)
    into another."""
    return post(
        programme_id=programme_id,
        kind=kind,
        legs=[Leg(source[0], -amount_fen, source[1]), Leg(target[0], amount_fen, target[1])],
        actor=actor,
        voucher_id=voucher_id,
        redemption_id=redemption_id,
        claim_id=claim_id,
    )
