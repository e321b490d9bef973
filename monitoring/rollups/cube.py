"""The quarterly cube of the facts (`RollupCube`): its rule, in one place, for the fold (add the
deltas' cube rows), the rebuild (recompute it from the facts in SQL) and the verification (compare
it with the facts in SQL).

The rule: a fact (day, region, sector, modality, programme_key, base_key, metric) counts in the 16
cube rows of its quarter, at each level of `CUBE_LEVELS` (its region's first `level` digits), with
its sector or `ALL`, and with its modality or `ALL`. `cube_keys` says it in Python for the fold;
`_cube_select` says it in SQL (a UNION ALL of the 16 groupings, which SQLite runs too, rather than
PostgreSQL's GROUPING SETS) for the rebuild and the verification; the tests check they agree.
"""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import DateField, Func, Sum
from django.db.models.functions import Cast, TruncQuarter

from monitoring.rollups.models import ALL, CUBE_DIMENSIONS, CUBE_LEVELS, RollupCube, RollupFact
from monitoring.rollups.rebuild import Key

# (quarter, level, region, sector, modality, programme_key, base_key, metric)
CubeKey = tuple[datetime.date, int, str, str, str, int, int, str]

_UPSERT_ROWS = 100  # 9 parameters a row: under SQLite's old limit of 999


def quarter_expression(column: str = "day") -> Func:
    """The first day of the quarter of the date `column`, as a date on SQLite and PostgreSQL
    (PostgreSQL's DATE_TRUNC alone gives a timestamp)."""
    return Cast(TruncQuarter(column), DateField())


def quarter_of(day: datetime.date) -> datetime.date:
    return datetime.date(day.year, day.month - (day.month - 1) % 3, 1)


def quarter_end(day: datetime.date) -> datetime.date:
    """The last day of the quarter holding `day`."""
    first = quarter_of(day)
    following = datetime.date(first.year + first.month // 10, (first.month + 2) % 12 + 1, 1)
    return following - datetime.timedelta(days=1)


def cube_keys(key: Key) -> Iterator[CubeKey]:
    """The 16 cube rows a fact of `key` counts in."""
    day, region, sector, modality, programme_key, base_key, metric = key
    quarter = quarter_of(day)
    for level in CUBE_LEVELS:
        for cube_sector in (sector, ALL):
            for cube_modality in (modality, ALL):
                yield (quarter, level, region[:level], cube_sector, cube_modality, programme_key, base_key, metric)


def cube_totals(totals: Mapping[Key, int]) -> Counter[CubeKey]:
    cube: Counter[CubeKey] = Counter()
    for key, value in totals.items():
        for cube_key in cube_keys(key):
            cube[cube_key] += value
    return cube


def cube_add(totals: Mapping[Key, int]) -> None:
    """Add facts' `totals` to the cube, in key order (two folds lock shared rows in the same
    order, so they do not deadlock), as the fold adds them to the facts."""
    cube = cube_totals(totals)
    table = RollupCube._meta.db_table
    columns = ", ".join([*CUBE_DIMENSIONS, "value"])
    conflict = ", ".join(CUBE_DIMENSIONS)
    keys = [key for key in sorted(cube) if cube[key]]
    with connection.cursor() as cursor:
        for start in range(0, len(keys), _UPSERT_ROWS):
            chunk = keys[start : start + _UPSERT_ROWS]
            params: list[Any] = []
            for key in chunk:
                quarter, *rest = key
                params += [connection.ops.adapt_datefield_value(quarter), *rest, cube[key]]
            values = ", ".join(["(" + ", ".join(["%s"] * (len(CUBE_DIMENSIONS) + 1)) + ")"] * len(chunk))
            cursor.execute(
                f"INSERT INTO {table} ({columns}) VALUES {values}"  # noqa: S608 (names only)
                f" ON CONFLICT ({conflict}) DO UPDATE SET value = {table}.value + excluded.value",
                params,
            )


def _cube_select() -> tuple[str, list[Any]]:
    """A statement selecting what the cube should hold, from the facts: the columns of
    `CUBE_DIMENSIONS` then the value, zero totals left out. The facts are first summed per
    quarter (`fine`, read once), then each of the 16 groupings sums those."""
    fine = (
        RollupFact.objects.annotate(quarter=quarter_expression())
        .values("quarter", "region", "sector", "modality", "programme_key", "base_key", "metric")
        .annotate(total=Sum("value"))
        .order_by()
    )
    fine_sql, params = fine.query.sql_with_params()
    selects = []
    for level in CUBE_LEVELS:
        region = f"SUBSTR(region, 1, {level})" if level else "''"
        for keep_sector in (True, False):
            for keep_modality in (True, False):
                sector = "sector" if keep_sector else f"'{ALL}'"
                modality = "modality" if keep_modality else f"'{ALL}'"
                group = ["quarter", "programme_key", "base_key", "metric"]
                group += [
                    part
                    for part, kept in ((region, level), ("sector", keep_sector), ("modality", keep_modality))
                    if kept
                ]
                selects.append(
                    f"SELECT quarter, {level}, {region}, {sector}, {modality}, programme_key, base_key, metric,"  # noqa: S608 (no input)
                    f" SUM(total) FROM fine GROUP BY {', '.join(group)} HAVING SUM(total) <> 0"
                )
    return f"WITH fine AS ({fine_sql}) " + " UNION ALL ".join(selects), list(params)


def cube_rebuild() -> int:
    """Replace the cube by the sums of the facts; the number of rows written. The caller holds the
    facts still (the rebuild's transaction, or a migration)."""
    table = RollupCube._meta.db_table
    select, params = _cube_select()
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table}")  # noqa: S608 (name only)
        cursor.execute(f"INSERT INTO {table} ({', '.join([*CUBE_DIMENSIONS, 'value'])}) {select}", params)
        return cursor.rowcount


@dataclass(frozen=True)
class CubeDifference:
    key: CubeKey
    facts: int
    cube: int

    def __str__(self) -> str:
        quarter, level, region, sector, modality, programme_key, base_key, metric = self.key
        return (
            f"cube {metric} quarter {quarter} level {level} region={region or '-'} sector={sector or '-'}"
            f" modality={modality or '-'} programme={programme_key or '-'} base={base_key or '-'}:"
            f" facts {self.facts}, cube {self.cube}"
        )


def cube_differences() -> list[CubeDifference]:
    """The cube rows that differ from the sums of the facts (a zero row counts as missing), in key
    order, compared in the database."""
    dimensions = ", ".join(CUBE_DIMENSIONS)
    select, params = _cube_select()
    expected = ", ".join([*CUBE_DIMENSIONS, "value"])
    sql = (
        f"WITH expected ({expected}) AS ({select}) "  # noqa: S608 (names only)
        f"SELECT {dimensions}, SUM(from_facts), SUM(in_cube) FROM ("
        f"SELECT {dimensions}, value AS from_facts, 0 AS in_cube FROM expected"
        f" UNION ALL SELECT {dimensions}, 0, value FROM {RollupCube._meta.db_table}"
        f") compared GROUP BY {dimensions} HAVING SUM(from_facts) <> SUM(in_cube)"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    differences = []
    for quarter, level, region, sector, modality, programme_key, base_key, metric, facts, cube in rows:
        if isinstance(quarter, str):  # SQLite returns the text it stores
            quarter = datetime.date.fromisoformat(quarter)
        key: CubeKey = (quarter, int(level), region, sector, modality, int(programme_key), int(base_key), metric)
        differences.append(CubeDifference(key=key, facts=int(facts), cube=int(cube)))
    return sorted(differences, key=lambda difference: difference.key)
