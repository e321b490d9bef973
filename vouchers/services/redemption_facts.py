"""What a redemption reads, in as few statements as the rules allow: the hot path of the vouchers.

A redemption is the one voucher operation that must scale (DESIGN §10: 16 concurrent clients, a
quarter of `pgbench -N`). Built from the ORM it took about 30 statements and 25 ms of processor
time, almost all of it in building and reading queries. Here each read is one statement written
by hand, in SQL that PostgreSQL and SQLite (the embedded `make run`) both run:

1. `parties`, before the transaction: the target, its holder and provider, the holder's voucher
   with the code, and whether the actor acts for either side;
2. `lock`, in the transaction: the holder's vouchers of the programme (by id), then the target row;
3. `facts`, under those locks: everything the rules of DESIGN §6 read, the sums included, which
   are running totals (`vouchers.ledger`'s balances, `vouchers.totals`): one row each.

Each goes as a prepared statement (`portal.prepared`): planning them took longer than running them.

The rules themselves stay in Python (`redemptions.check_rules`), over the `Facts` read here; the
related-party question is the registry's (`are_related`, one statement too). The statements name
tables and columns through the models' metadata, so a renamed field fails loudly here.
"""

from __future__ import annotations

import dataclasses
import datetime
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection

from marketplace.models import Contract, MilestonePayment
from portal import prepared
from portal.accounts.models import User
from portal.audit.chain import chain_of_sql
from portal.audit.services import head_sql
from registry.models import Membership, Organisation
from registry.related_parties import related_pair_statement
from vouchers import selectors
from vouchers.models import (
    Account,
    ExternalOrder,
    Programme,
    RedeemedByHolder,
    RedeemedOnTarget,
    Redemption,
    Voucher,
    VoucherBalance,
)

_VOUCHER = Voucher._meta.db_table
_PROGRAMME = Programme._meta.db_table
_LISTED = Programme.providers.through._meta.db_table
_BALANCE = VoucherBalance._meta.db_table
_ON_TARGET = RedeemedOnTarget._meta.db_table
_BY_HOLDER = RedeemedByHolder._meta.db_table
_REDEMPTION = Redemption._meta.db_table
_ORGANISATION = Organisation._meta.db_table
_MEMBERSHIP = Membership._meta.db_table
_PAYMENT = MilestonePayment._meta.db_table
_REGION = Organisation._meta.get_field("region").related_model._meta.db_table  # type: ignore[union-attr]


_Statement = tuple[str, Sequence[object]]  # SQL with `%s` placeholders, and their values


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


def _parties_statement(*, kind: _TargetTable, target_id: object, code: object, actor_id: object) -> _Statement:
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
    return sql, [actor_id, *managing_params, actor_id, *managing_params, code, target_id]


def parties(*, kind: _TargetTable, target_id: int, code: str, actor: User) -> Parties | None:
    row = prepared.fetchone(*_parties_statement(kind=kind, target_id=target_id, code=code, actor_id=actor.pk))
    if row is None:
        return None
    return Parties(row[0], row[1], row[2], row[3], row[4], bool(row[5]), bool(row[6]))


def _lock_statements(
    *, kind: _TargetTable, holder_id: object, programme_id: object, target_id: object
) -> list[_Statement]:
    return [
        (
            f"SELECT id FROM {_VOUCHER} WHERE holder_id = %s AND programme_id = %s ORDER BY id FOR UPDATE",
            [holder_id, programme_id],
        ),
        (f"SELECT id FROM {kind.table} WHERE id = %s FOR UPDATE", [target_id]),
    ]


def lock(*, kind: _TargetTable, holder_id: int, programme_id: int, target_id: int) -> None:
    """The fixed lock order of every redemption: the holder's vouchers of the programme by id (the
    voucher used is one; the annual cap spans them all), then the target. SQLite has no row locks
    and needs none: it lets one writer at a time."""
    if not connection.features.has_select_for_update:
        return
    for sql, params in _lock_statements(kind=kind, holder_id=holder_id, programme_id=programme_id, target_id=target_id):
        prepared.fetchone(sql, params)


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


def _facts_statement(
    *,
    kind: _TargetTable,
    voucher_id: object,
    target_id: object,
    year: object,
    actor_id: object,
    idempotency_key: object,
) -> _Statement:
    """The facts' statement. The sums the rules need are running totals (`VoucherBalance`,
    `RedeemedOnTarget`, `RedeemedByHolder`): one row each, however long the history."""
    state = f"t.{kind.state}" if kind.state else "NULL"
    paid = f"EXISTS(SELECT 1 FROM {_PAYMENT} mp WHERE mp.contract_id = t.id)" if kind.paid_by_milestones else "0 = 1"
    on_target = f"FROM {_ON_TARGET} u WHERE u.{kind.redemption_column} = t.id"
    sql = f"""
        SELECT v.holder_id, v.state, v.valid_from, v.valid_until,
            (SELECT COALESCE(SUM(b.amount_fen), 0) FROM {_BALANCE} b WHERE b.voucher_id = v.id AND b.account = %s),
            p.id, p.state, p.valid_from, p.valid_until, p.coverage_bp, p.holder_cap_fen, p.provider_rule,
            r.code, r.level, a.region_id,
            {state}, {paid}, t.value_fen,
            s.id, s.name, s.status, s.kind, s.region_id,
            EXISTS(SELECT 1 FROM {_LISTED} pp WHERE pp.programme_id = p.id AND pp.organisation_id = s.id),
            (SELECT COALESCE(SUM(u.amount_fen), 0) {on_target} AND u.programme_id = p.id),
            (SELECT COALESCE(SUM(u.amount_fen), 0) {on_target}),
            (SELECT COALESCE(SUM(h.amount_fen), 0) FROM {_BY_HOLDER} h
              WHERE h.holder_id = v.holder_id AND h.programme_id = p.id AND h.year = %s),
            EXISTS(SELECT 1 FROM {_ON_TARGET} u
              JOIN {_PROGRAMME} xp ON xp.id = u.programme_id JOIN {_ORGANISATION} xa ON xa.id = xp.authority_id
              WHERE u.{kind.redemption_column} = t.id AND u.programme_id <> p.id AND xa.region_id = a.region_id),
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
    params: list[object] = [Account.ISSUED.value, year, actor_id, idempotency_key, voucher_id, target_id]
    return sql, params


def facts(
    *,
    kind: _TargetTable,
    voucher_id: int,
    target_id: int,
    year: int,
    actor: User,
    idempotency_key: str,
) -> Facts:
    row = prepared.fetchone(
        *_facts_statement(
            kind=kind,
            voucher_id=voucher_id,
            target_id=target_id,
            year=year,
            actor_id=actor.pk,
            idempotency_key=idempotency_key,
        )
    )
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


# --- PostgreSQL: the reads of a redemption in one call ------------------------------------------
#
# On PostgreSQL the parties, the locks, the facts, the related-party answer and the audit chain's
# head go to the database as one call to a PL/pgSQL function, made of the very statements above.
# One statement cannot do it: a statement reads from the snapshot it starts with, so facts read
# by the statement that waited for the locks would miss what the previous holder of the locks
# committed. Each statement of a function takes a snapshot of its own, after the locks.
#
# The function is temporary (pg_temp), made once per database connection from the text of the
# statements above, rather than by a migration: a migration would freeze a second copy of the
# facts' SQL that nothing keeps equal to the one SQLite runs. Its cost is one CREATE per
# connection that redeems.


class _Var(str):
    """A PL/pgSQL parameter or variable: written into a statement's text as it is."""


def _literal(value: object) -> str:
    if isinstance(value, _Var):
        return str(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    raise TypeError(f"no SQL literal for {value!r}")


def _inline(statement: _Statement) -> str:
    """The statement with its values in its text: constants as literals, `_Var`s by name."""
    sql, params = statement
    parts = sql.split("%s")
    if len(parts) != len(params) + 1:
        raise ValueError(f"{len(parts) - 1} placeholders for {len(params)} values")
    text = [parts[0]]
    for value, part in zip(params, parts[1:], strict=True):
        text += [_literal(value), part]
    return "".join(text)


_PG_TYPES = {
    "int": "bigint",
    "int | None": "bigint",
    "str": "text",
    "str | None": "text",
    "bool": "boolean",
    "datetime.date": "date",
}
_FACTS_OUT = [(f"o_{field.name}", _PG_TYPES[str(field.type)]) for field in dataclasses.fields(Facts)]
_MORE_OUT = [
    ("o_voucher_id", "bigint"),
    ("o_acts_for_holder", "boolean"),
    ("o_related", "boolean"),
    ("o_chain", "bigint"),
    ("o_head_seq", "bigint"),
    ("o_head_hash", "text"),
    ("o_redemption_id", "bigint"),
]


def _function_name(kind: _TargetTable) -> str:
    return f"pg_temp.voucher_redemption_facts_{kind.redemption_column}"


def _function_sql(kind: _TargetTable) -> str:
    var = _Var
    found = _inline(
        _parties_statement(kind=kind, target_id=var("p_target"), code=var("p_code"), actor_id=var("p_actor"))
    )
    locks = [
        "PERFORM" + _inline(statement).removeprefix("SELECT")
        for statement in _lock_statements(
            kind=kind, holder_id=var("v_holder"), programme_id=var("v_programme"), target_id=var("p_target")
        )
    ]
    related = _inline(related_pair_statement(var("v_holder"), var("v_provider")))
    head = _inline((head_sql(), [var("v_chain")]))
    read = _inline(
        _facts_statement(
            kind=kind,
            voucher_id=var("v_voucher"),
            target_id=var("p_target"),
            year=var("p_year"),
            actor_id=var("p_actor"),
            idempotency_key=var("p_key"),
        )
    )
    columns = [f"f{index}" for index in range(len(_FACTS_OUT))]
    casts = ", ".join(f"{column}::{pg_type}" for column, (_name, pg_type) in zip(columns, _FACTS_OUT, strict=True))
    out = ", ".join(f"{name} {pg_type}" for name, pg_type in [*_FACTS_OUT, *_MORE_OUT])
    return f"""
CREATE OR REPLACE FUNCTION {_function_name(kind)}(
    p_code text, p_target bigint, p_actor bigint, p_key text, p_year integer
) RETURNS TABLE ({out}) LANGUAGE plpgsql AS $function$
DECLARE
    v_target bigint; v_holder bigint; v_provider bigint; v_voucher bigint; v_programme bigint;
    v_for_holder boolean; v_for_provider boolean; v_related boolean;
    v_chain bigint; v_seq bigint; v_hash text;
BEGIN
    SELECT q.* INTO v_target, v_holder, v_provider, v_voucher, v_programme, v_for_holder, v_for_provider
    FROM ({found}) q;
    IF NOT FOUND OR v_voucher IS NULL OR v_programme IS NULL OR NOT (v_for_holder OR v_for_provider) THEN
        RETURN;
    END IF;
    {locks[0]};
    {locks[1]};
    SELECT q.* INTO v_related FROM ({related}) q;
    v_chain := {chain_of_sql(Voucher._meta.label_lower, "v_voucher")};
    SELECT q.* INTO v_seq, v_hash FROM ({head}) q;
    RETURN QUERY SELECT {casts}, v_voucher, v_for_holder, v_related, v_chain, v_seq, v_hash,
        nextval(pg_get_serial_sequence('{_REDEMPTION}', 'id'))
    FROM ({read}) f({", ".join(columns)});
END
$function$
"""


_READY: weakref.WeakSet[Any] = weakref.WeakSet()  # the connections (psycopg's) that have the functions


def prepare_functions() -> None:
    """Make the functions on this connection if it has not got them. Call it outside the
    redemption's transaction: made in autocommit they last as long as the connection; made inside
    a transaction (a test's) they go with it, so they are made again on the next call."""
    connection.ensure_connection()
    raw = connection.connection
    if raw in _READY:
        return
    with connection.cursor() as cursor:
        for kind in (CONTRACT, ORDER):
            cursor.execute(_function_sql(kind))
    if not connection.in_atomic_block:
        _READY.add(raw)


@dataclass(frozen=True)
class Locked:
    """What the function answers: the facts, read under the locks, and the rest of what the
    redemption needs before it writes."""

    facts: Facts
    voucher_id: int
    acts_for_holder: bool
    related: bool
    chain: int  # the audit chain of the voucher
    head: tuple[int, str] | None  # its head (position, hash), locked; None while the chain has none
    redemption_id: int  # taken from the redemptions' sequence for the new row


def locked_facts(
    *, kind: _TargetTable, target_id: int, code: str, actor: User, year: int, idempotency_key: str
) -> Locked | None:
    """PostgreSQL only, in the redemption's transaction, after `prepare_functions`: everything
    `parties`, `lock`, `facts`, `are_related` and the audit head give, in one call. None where
    `parties` would give nothing usable (no such target or voucher, or the actor acts for no side)."""
    row = prepared.fetchone(
        f"SELECT * FROM {_function_name(kind)}(%s, %s, %s, %s, %s)", [code, target_id, actor.pk, idempotency_key, year]
    )
    if row is None:
        return None
    count = len(_FACTS_OUT)
    voucher_id, for_holder, related, chain, seq, digest, redemption_id = row[count:]
    return Locked(
        facts=Facts(*row[:count]),
        voucher_id=voucher_id,
        acts_for_holder=for_holder,
        related=related,
        chain=chain,
        head=None if seq is None else (seq, digest),
        redemption_id=redemption_id,
    )
