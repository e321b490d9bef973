"""The running totals of redemptions (`RedeemedOnTarget`, `RedeemedByHolder`): the one place that
writes them. A redemption adds to them when it comes to use its voucher's money (confirmed), in the
transaction that confirms it; no redemption leaves that use (confirmed → settled only), so they only
grow. The redemption's rules read them (`services.redemption_facts`) instead of summing the
redemptions under the locks; `verify_voucher_ledger` checks them against those sums.
"""

from __future__ import annotations

from django.db import connection

from portal import prepared
from vouchers.models import RedeemedByHolder, RedeemedOnTarget, Redemption
from vouchers.selectors import USED_STATES

_ON_TARGET = RedeemedOnTarget._meta.db_table
_BY_HOLDER = RedeemedByHolder._meta.db_table
_REDEMPTION = Redemption._meta.db_table
_USED = [state.value for state in USED_STATES]


def _upsert(table: str, key: list[str]) -> str:
    columns = [*key, "amount_fen"]
    return (  # table and column names from the models, not from input
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})"  # noqa: S608
        f" ON CONFLICT ({', '.join(key)}) DO UPDATE SET amount_fen = {table}.amount_fen + excluded.amount_fen"
    )


_ADD_ON_CONTRACT = _upsert(_ON_TARGET, ["contract_id", "programme_id"])
_ADD_ON_ORDER = _upsert(_ON_TARGET, ["order_id", "programme_id"])
_ADD_BY_HOLDER = _upsert(_BY_HOLDER, ["holder_id", "programme_id", "year"])


def used_statements(redemption: Redemption) -> list[tuple[str, str, list[object]]]:
    """What a redemption now confirmed adds, as parts of a WITH statement (name, statement,
    parameters): the redemption on PostgreSQL sends its writes as one statement."""
    on_contract = redemption.contract_id is not None
    target: list[object] = [
        redemption.contract_id if on_contract else redemption.order_id,
        redemption.programme_id,
        redemption.amount_fen,
    ]
    by_holder: list[object] = [redemption.holder_id, redemption.programme_id, redemption.year, redemption.amount_fen]
    return [
        ("redeemed_on_target", _ADD_ON_CONTRACT if on_contract else _ADD_ON_ORDER, target),
        ("redeemed_by_holder", _ADD_BY_HOLDER, by_holder),
    ]


def count_used(redemption: Redemption) -> None:
    """Add a redemption now confirmed to the totals, in the caller's transaction."""
    for _name, sql, params in used_statements(redemption):
        prepared.fetchone(sql, params)


def rebuild() -> None:
    """Recompute the totals from the redemptions: for a data set written straight into the tables
    (the benchmarks' scale data), which no confirmation added up."""
    used = ", ".join(["%s"] * len(_USED))
    with connection.cursor() as cursor:
        for table in (_ON_TARGET, _BY_HOLDER):
            cursor.execute(f"DELETE FROM {table}")  # noqa: S608 - table names from the models
        cursor.execute(
            f"INSERT INTO {_ON_TARGET} (programme_id, contract_id, order_id, amount_fen)"  # noqa: S608
            f" SELECT programme_id, contract_id, order_id, SUM(amount_fen) FROM {_REDEMPTION}"
            f" WHERE state IN ({used}) GROUP BY programme_id, contract_id, order_id",
            _USED,
        )
        cursor.execute(
            f"INSERT INTO {_BY_HOLDER} (holder_id, programme_id, year, amount_fen)"  # noqa: S608
            f" SELECT holder_id, programme_id, year, SUM(amount_fen) FROM {_REDEMPTION}"
            f" WHERE state IN ({used}) GROUP BY holder_id, programme_id, year",
            _USED,
        )
