"""Posting to the voucher ledger: the one place that writes `LedgerTransaction` and `LedgerEntry`
rows, and the vouchers' running balances (`VoucherBalance`), which each posting adds its legs to
in the same statement or transaction. A posting is balanced (its legs sum to zero) or it is
refused before anything is written.

It takes ids, not rows: a redemption, the hot path, knows its voucher and programme by id only."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection
from django.utils import timezone

from portal import prepared
from portal.accounts.models import User
from vouchers.models import Account, LedgerEntry, LedgerTransaction, VoucherBalance

# Written by hand (prepared statements): every redemption posts, and the ORM's inserts cost more
# processor time than the database's.
_TRANSACTION = LedgerTransaction._meta.db_table
_ENTRY = LedgerEntry._meta.db_table
_BALANCE = VoucherBalance._meta.db_table


@dataclass(frozen=True)
class Leg:
    account: Account
    amount_fen: int
    voucher_id: int | None = None


Pocket = tuple[Account, int | None]  # an account, for one voucher (its id) or none


class UnbalancedPosting(ValueError):
    """A programming error: services build only balanced postings."""


_INSERT_TRANSACTION = (
    f"INSERT INTO {_TRANSACTION} (programme_id, kind, voucher_id, redemption_id, claim_id, created_at,"
    " created_by_id) VALUES (%s, %s, %s, %s, %s, %s, %s) RETURNING id"
)


def _insert_legs(legs: list[Leg], transaction_id: str) -> str:
    """The INSERT of the legs, `transaction_id` an SQL expression (a placeholder or a subquery)."""
    values = ", ".join([f"({transaction_id}, %s, %s, %s, %s)"] * len(legs))
    return f"INSERT INTO {_ENTRY} (transaction_id, programme_id, account, voucher_id, amount_fen) VALUES {values}"


def _checked(
    *,
    programme_id: int,
    kind: str,
    legs: list[Leg],
    actor: User | None,
    voucher_id: int | None,
    redemption_id: int | None,
    claim_id: int | None,
) -> list[object]:
    """The transaction row's values, once the posting is known to balance."""
    if len(legs) < 2 or sum(leg.amount_fen for leg in legs) != 0 or any(leg.amount_fen == 0 for leg in legs):
        raise UnbalancedPosting(f"{kind}: {legs}")
    created_at = connection.ops.adapt_datetimefield_value(timezone.now())
    created_by = actor.pk if actor is not None and actor.is_authenticated else None
    return [programme_id, str(kind), voucher_id, redemption_id, claim_id, created_at, created_by]


def _balance_changes(legs: list[Leg]) -> dict[tuple[int, str], int]:
    """What the legs add to each voucher's balances (legs of the programme's own accounts have no
    voucher and no running balance)."""
    changes: dict[tuple[int, str], int] = {}
    for leg in legs:
        if leg.voucher_id is not None:
            pocket = (leg.voucher_id, str(leg.account))
            changes[pocket] = changes.get(pocket, 0) + leg.amount_fen
    return changes


def _balances_statement(legs: list[Leg]) -> tuple[str, list[object]] | None:
    """One upsert adding the legs to the vouchers' running balances (PostgreSQL and SQLite both
    have INSERT … ON CONFLICT DO UPDATE); None when no leg is a voucher's."""
    changes = _balance_changes(legs)
    if not changes:
        return None
    values = ", ".join(["(%s, %s, %s)"] * len(changes))
    sql = (
        f"INSERT INTO {_BALANCE} (voucher_id, account, amount_fen) VALUES {values}"
        f" ON CONFLICT (voucher_id, account) DO UPDATE SET amount_fen = {_BALANCE}.amount_fen + excluded.amount_fen"
    )
    return sql, [value for (voucher, account), amount in changes.items() for value in (voucher, account, amount)]


def _leg_values(programme_id: int, legs: list[Leg]) -> list[object]:
    return [value for leg in legs for value in (programme_id, str(leg.account), leg.voucher_id, leg.amount_fen)]


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
    values = _checked(
        programme_id=programme_id,
        kind=kind,
        legs=legs,
        actor=actor,
        voucher_id=voucher_id,
        redemption_id=redemption_id,
        claim_id=claim_id,
    )
    row = prepared.fetchone(_INSERT_TRANSACTION, values)
    if row is None:
        raise RuntimeError("INSERT … RETURNING returned no row")
    prepared.fetchone(_insert_legs(legs, "%s"), _legs_with(row[0], _leg_values(programme_id, legs)))
    balances = _balances_statement(legs)
    if balances is not None:
        prepared.fetchone(*balances)
    return int(row[0])


def _legs_with(transaction_id: int, leg_values: list[object]) -> list[object]:
    values: list[object] = []
    for start in range(0, len(leg_values), 4):
        values += [transaction_id, *leg_values[start : start + 4]]
    return values


def _move_legs(amount_fen: int, source: Pocket, target: Pocket) -> list[Leg]:
    return [Leg(source[0], -amount_fen, source[1]), Leg(target[0], amount_fen, target[1])]


def move_statements(
    *,
    programme_id: int,
    kind: str,
    amount_fen: int,
    source: Pocket,
    target: Pocket,
    actor: User | None = None,
    voucher_id: int | None = None,
    redemption_id: int | None = None,
) -> list[tuple[str, str, list[object]]]:
    """`move`'s posting as parts of a WITH statement (name, data-modifying statement, parameters),
    for a caller that sends its writes in one statement (the redemption on PostgreSQL): the
    transaction, its legs (which read the new transaction's id from the first part) and the
    vouchers' running balances."""
    legs = _move_legs(amount_fen, source, target)
    values = _checked(
        programme_id=programme_id,
        kind=kind,
        legs=legs,
        actor=actor,
        voucher_id=voucher_id,
        redemption_id=redemption_id,
        claim_id=None,
    )
    parts: list[tuple[str, str, list[object]]] = [
        ("ledger_transaction", _INSERT_TRANSACTION, values),
        ("ledger_legs", _insert_legs(legs, "(SELECT id FROM ledger_transaction)"), _leg_values(programme_id, legs)),
    ]
    balances = _balances_statement(legs)
    if balances is not None:
        parts.append(("ledger_balances", *balances))
    return parts


def rebuild_balances() -> None:
    """Recompute every voucher's running balances from the entries: for a data set written straight
    into the tables (the benchmarks' scale data), which no posting added up."""
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {_BALANCE}")
        cursor.execute(
            f"INSERT INTO {_BALANCE} (voucher_id, account, amount_fen)"
            f" SELECT voucher_id, account, SUM(amount_fen) FROM {_ENTRY} WHERE voucher_id IS NOT NULL"
            " GROUP BY voucher_id, account"
        )


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
        legs=_move_legs(amount_fen, source, target),
        actor=actor,
        voucher_id=voucher_id,
        redemption_id=redemption_id,
        claim_id=claim_id,
    )
