"""What a redemption reads, in as few statements as the rules allow: the hot path of the vouchers.

A redemption is the one voucher operation that must scale (DESIGN §10: 16 concurrent clients, a
quarter of `pgbench -N`). Built from the ORM it took about 30 statements and 25 ms of processor
time, almost all of it in building and reading queries. Here each read is one statement written
by hand, in SQL that PostgreSQL and SQLite (the embedded `make run`) both run:

1. `parties`, before the transaction: the target, its holder and provider, the holder's voucher
   with the code, and whether the actor acts for either side;
2. `lock`, in the transaction: the holder's vouchers of the programme (by id), then the target row;
3. `facts`, under those locks: everything the rules of DESIGN §6 read, including the sums.

Each goes as a prepared statement (`portal.prepared`): planning them took longer than running them.

The rules themselves stay in Python (`redemptions.check_rules`), over the `Facts` read here; the
related-party question is the registry's (`are_related`, one statement too). The statements name
tables and columns through the models' metadata, so a renamed field fails loudly here.
"""

from __future__ import annotations

import dataclasses
import datetime
from dataclasses import dataclass

from django.db import connection

from marketplace.models import Contract, MilestonePayment
from portal import prepared
from portal.accounts.models import User
from registry.models import Membership, Organisation
from vouchers import selectors
from vouchers.models import Account, ExternalOrder, LedgerEntry, Programme, Redemption, Voucher

_VOUCHER = Voucher._meta.db_table
_PROGRAMME = Programme._meta.db_table
_LISTED = Programme.providers.through._meta.db_table
_ENTRY = LedgerEntry._meta.db_table
_REDEMPTION = Redemption._meta.db_table
_ORGANISATION = Organisation._meta.db_table
_MEMBERSHIP = Membership._meta.db_table
_PAYMENT = MilestonePayment._meta.db_table
_REGION = Organisation._meta.get_field("region").related_model._meta.db_table  # type: ignore[union-attr]


@dataclass(frozen=True)
class _TargetTable:
    """Where a kind of target lives: its table, its holder and provider columns, its state column
    (orders have none) and the redemption column that points at it."""

    table: str
    holder: str
    provider: str
    state: str | None
    redemption_column: str
    paid_by_milestones: bool


CONTRACT = _TargetTable(Contract._meta.db_table, "buyer_id", "supplier_id", "state", "contract_id", True)
ORDER = _TargetTable(ExternalOrder._meta.db_table, "holder_id", "provider_id", None, "order_id", False)


@dataclass(frozen=True)
class Parties:
    """Who a request involves, read before the transaction (nothing here is locked)."""

    target_id: int
    holder_id: int
    provider_id: int
    voucher_id: int | None  # the holder's voucher with the code given, if any
    programme_id: int | None
    acts_for_holder: bool
    acts_for_provider: bool


def parties(*, kind: _TargetTable, target_id: int, code: str, actor: User) -> Parties | None:
    managing, managing_params = selectors.managing_membership_sql("m", "o")

    def acts_for(column: str) -> str:
        return (
            f"EXISTS(SELECT 1 FROM {_MEMBERSHIP} m JOIN {_ORGANISATION} o ON o.id = m.organisation_id"
            f" WHERE m.user_id = %s AND m.organisation_id = t.{column} AND {managing})"
        )

    sql = (
        f"SELECT t.id, t.{kind.holder}, t.{kind.provider}, v.id, v.programme_id,"
        f" {acts_for(kind.holder)}, {acts_for(kind.provider)}"
        f" FROM {kind.table} t LEFT JOIN {_VOUCHER} v ON v.code = %s AND v.holder_id = t.{kind.holder}"
        f" WHERE t.id = %s"
    )
    params: list[int | str] = [actor.pk, *managing_params, actor.pk, *managing_params, code, target_id]
    row = prepared.fetchone(sql, params)
    if row is None:
        return None
    return Parties(row[0], row[1], row[2], row[3], row[4], bool(row[5]), bool(row[6]))


def lock(*, kind: _TargetTable, holder_id: int, programme_id: int, target_id: int) -> None:
    """The fixed lock order of every redemption: the holder's vouchers of the programme by id (the
    voucher used is one; the annual cap spans them all), then the target. SQLite has no row locks
    and needs none: it lets one writer at a time."""
    if not connection.features.has_select_for_update:
        return
    prepared.fetchone(
        f"SELECT id FROM {_VOUCHER} WHERE holder_id = %s AND programme_id = %s ORDER BY id FOR UPDATE",
        [holder_id, programme_id],
    )
    prepared.fetchone(f"SELECT id FROM {kind.table} WHERE id = %s FOR UPDATE", [target_id])


@dataclass(frozen=True)
class Facts:
    """Everything the rules read about one voucher, its programme and one target, under the locks:
    the columns of `facts`' statement, in its order."""

    holder_id: int
    voucher_state: str
    voucher_valid_from: datetime.date
    voucher_valid_until: datetime.date
    balance_fen: int
    programme_id: int
    programme_state: str
    programme_valid_from: datetime.date
    programme_valid_until: datetime.date
    coverage_bp: int
    holder_cap_fen: int
    provider_rule: str
    provider_region_code: str | None
    provider_region_level: str | None
    authority_region_id: str
    target_state: str | None  # None for an external order
    payment_started: bool
    value_fen: int
    provider_id: int
    provider_name: str
    provider_status: str
    provider_kind: str
    provider_region_id: str
    provider_listed: bool
    used_by_programme_fen: int  # on this target, by this programme
    used_fen: int  # on this target, by every programme
    used_this_year_fen: int  # by this holder, of this programme, this year
    other_programme: bool  # another programme of the same region already pays this target
    replay_id: int | None  # the actor's earlier redemption with the same idempotency key


def facts(
    *,
    kind: _TargetTable,
    voucher_id: int,
    target_id: int,
    year: int,
    actor: User,
    idempotency_key: str,
    used_states: tuple[str, ...],
) -> Facts:
    used = ", ".join(["%s"] * len(used_states))
    state = f"t.{kind.state}" if kind.state else "NULL"
    paid = f"EXISTS(SELECT 1 FROM {_PAYMENT} mp WHERE mp.contract_id = t.id)" if kind.paid_by_milestones else "0 = 1"
    on_target = f"FROM {_REDEMPTION} x WHERE x.{kind.redemption_column} = t.id AND x.state IN ({used})"
    sql = f"""
        SELECT v.holder_id, v.state, v.valid_from, v.valid_until,
            (SELECT COALESCE(SUM(e.amount_fen), 0) FROM {_ENTRY} e WHERE e.voucher_id = v.id AND e.account = %s),
            p.id, p.state, p.valid_from, p.valid_until, p.coverage_bp, p.holder_cap_fen, p.provider_rule,
            r.code, r.level, a.region_id,
            {state}, {paid}, t.value_fen,
            s.id, s.name, s.status, s.kind, s.region_id,
            EXISTS(SELECT 1 FROM {_LISTED} pp WHERE pp.programme_id = p.id AND pp.organisation_id = s.id),
            (SELECT COALESCE(SUM(x.amount_fen), 0) {on_target} AND x.programme_id = p.id),
            (SELECT COALESCE(SUM(x.amount_fen), 0) {on_target}),
            (SELECT COALESCE(SUM(x.amount_fen), 0) FROM {_REDEMPTION} x
              WHERE x.holder_id = v.holder_id AND x.programme_id = p.id AND x.year = %s AND x.state IN ({used})),
            EXISTS(SELECT 1 FROM {_REDEMPTION} x
              JOIN {_PROGRAMME} xp ON xp.id = x.programme_id JOIN {_ORGANISATION} xa ON xa.id = xp.authority_id
              WHERE x.{kind.redemption_column} = t.id AND x.state IN ({used})
                AND x.programme_id <> p.id AND xa.region_id = a.region_id),
            (SELECT x.id FROM {_REDEMPTION} x
              WHERE x.requested_by_id = %s AND x.idempotency_key = %s AND x.idempotency_key <> '')
        FROM {_VOUCHER} v
        JOIN {_PROGRAMME} p ON p.id = v.programme_id
        JOIN {_ORGANISATION} a ON a.id = p.authority_id
        LEFT JOIN {_REGION} r ON r.code = p.provider_region_id
        CROSS JOIN {kind.table} t
        JOIN {_ORGANISATION} s ON s.id = t.{kind.provider}
        WHERE v.id = %s AND t.id = %s
    """
    params: list[int | str] = [
        Account.ISSUED.value,
        *used_states,
        *used_states,
        year,
        *used_states,
        *used_states,
        actor.pk,
        idempotency_key,
        voucher_id,
        target_id,
    ]
    row = prepared.fetchone(sql, params)
    if row is None:
        raise LookupError(f"voucher {voucher_id} or target {target_id} vanished under its lock")
    values = list(row)
    for index in _SUMS:
        values[index] = int(values[index])  # PostgreSQL sums bigints as numeric
    for index in _FLAGS:
        values[index] = bool(values[index])  # SQLite answers EXISTS with 0 or 1
    return Facts(*values)


_FIELDS = [field.name for field in dataclasses.fields(Facts)]
_SUMS = [_FIELDS.index(name) for name in ("balance_fen", "used_by_programme_fen", "used_fen", "used_this_year_fen")]
_FLAGS = [_FIELDS.index(name) for name in ("payment_started", "provider_listed", "other_programme")]
