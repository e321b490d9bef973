"""The read the dashboards use: totals of rollup facts (or of the quarterly cube that sums them) plus
the deltas not folded yet.

When the cube answers (`_cube_answers`): the period starts on the first day of a quarter, ends on
the last day of one or on/after today (the dashboards' periods: "all" runs from the base year to
today, a year or a quarter to its end), and nothing is grouped by day. The figures then come from
the cube rows of the quarters the period touches, minus the facts of the days after `end` in its
last quarter (none until a fact is dated after today, so this reads no row in practice; it keeps a
period that ends today exact whatever is dated later), plus the pending deltas of the period, in
one statement. Other periods read the facts. Both give the same rows.

The cube's level is the smallest of 0/2/4/6 that the longest region prefix and the grouping need
(province 2, prefecture 4, region 6); its sector is the filter's, or any but `ALL` when grouped by
sector, else `ALL`; its modality likewise.
"""

from __future__ import annotations

import datetime
import operator
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from functools import reduce
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Q, QuerySet, Sum
from django.db.models.functions import Substr
from django.utils import timezone

from monitoring.rollups.cube import quarter_end, quarter_expression, quarter_of
from monitoring.rollups.models import ALL, CUBE_LEVELS, RollupCube, RollupDelta, RollupFact

# What `group_by` may name: a column, or a prefix of the region code.
GROUPINGS: dict[str, str] = {
    "day": "day",
    "quarter": "quarter",  # the first day of the quarter
    "region": "region",
    "province": "province",  # the region's first 2 digits
    "prefecture": "prefecture",  # its first 4
    "sector": "sector",
    "modality": "modality",
    "programme": "programme_key",
    "base": "base_key",
}


# The region digits each grouping needs from a cube row.
_LEVELS = {"province": 2, "prefecture": 4, "region": 6}


def _rows(
    model: type[RollupFact] | type[RollupDelta] | type[RollupCube], where: Q, columns: list[str], *, sign: int = 1
) -> QuerySet[Any]:
    annotations: dict[str, Any] = {"province": Substr("region", 1, 2), "prefecture": Substr("region", 1, 4)}
    if "quarter" in columns and model is not RollupCube:  # the cube has the column
        annotations["quarter"] = quarter_expression()
    rows = model.objects.filter(where).annotate(**annotations)
    total = Sum("value") if sign > 0 else -Sum("value")
    return rows.order_by().values(*columns).annotate(total=total).values_list(*columns, "total")


@contextmanager
def _serial() -> Iterator[None]:
    """No parallel workers for the statement run inside (PostgreSQL): these reads touch a few
    hundred rows, but the planner's estimates for the facts after `end` (out of the statistics'
    range) can exceed the parallel threshold, and starting workers costs more (5-10 ms) than
    the whole read. The setting is back to the session's value afterwards, even inside a
    caller's transaction."""
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
        yield
        cursor.execute("SET LOCAL max_parallel_workers_per_gather TO DEFAULT")


def _cube_answers(start: datetime.date, end: datetime.date, group_by: Sequence[str]) -> bool:
    return (
        "day" not in group_by
        and start <= end
        and start == quarter_of(start)
        and (end == quarter_end(end) or end >= timezone.localdate())
    )


def _cube_where(
    base: Q,
    region_prefixes: Sequence[str],
    sector: str | None,
    modality: str | None,
    group_by: Sequence[str],
) -> Q:
    needed = max([len(prefix) for prefix in region_prefixes] + [_LEVELS.get(name, 0) for name in group_by], default=0)
    level = min((level for level in CUBE_LEVELS if level >= needed), default=CUBE_LEVELS[-1])
    where = base & Q(level=level)
    if region_prefixes:
        # A prefix as long as the level's codes is equal to them: an equality is a condition on
        # the index, where a LIKE (under a collation other than C) only filters the rows read.
        exact = [prefix for prefix in region_prefixes if len(prefix) == level]
        conditions = [Q(region__in=exact)] if exact else []
        conditions += [Q(region__startswith=prefix) for prefix in region_prefixes if len(prefix) != level]
        where &= reduce(operator.or_, conditions)
    for name, value in (("sector", sector), ("modality", modality)):
        if value is not None:
            where &= Q(**{name: value})
        elif name in group_by:
            where &= ~Q(**{name: ALL})
        else:
            where &= Q(**{name: ALL})
    return where


def rollup_totals(
    *,
    metrics: Iterable[str],
    start: datetime.date,
    end: datetime.date,
    region_prefixes: Sequence[str] | None = None,
    sector: str | None = None,
    modality: str | None = None,
    programme: int | None = None,
    base: int | None = None,
    group_by: Sequence[str] = (),
) -> list[dict[str, Any]]:
    """Totals of `metrics` over the days `start` to `end` (both included), one dict per metric and
    group: {"metric", <each group_by name>, "value"}, in key order. Filters: region code prefixes
    (2 digits a province, 4 a prefecture, 6 a county; a row matches any of them; None or none
    given: everywhere), a sector or modality ("" for the figures
    that have none), a programme id. Facts and pending deltas are read in one statement, so a fold
    running meanwhile neither hides nor doubles anything. Groups whose total is 0 are left out.
    `base`: an annotation base id, for the bases' output metrics. Grouping "quarter" gives the
    first day of each quarter.

    Permission scoping is the caller's: a regulator's dashboard passes its scope's prefixes."""
    unknown = [name for name in group_by if name not in GROUPINGS]
    if unknown:
        raise ValidationError({"group_by": [f"Unknown grouping: {', '.join(unknown)}"]})
    prefixes = list(region_prefixes) if region_prefixes and "" not in region_prefixes else []
    # The filters the facts, deltas and cube share; the cube has its own for regions, sectors and
    # modalities (`_cube_where`).
    common = Q(metric__in=list(metrics))
    if programme is not None:
        common &= Q(programme_key=programme)
    if base is not None:
        common &= Q(base_key=base)
    raw = common
    if prefixes:
        raw &= reduce(operator.or_, (Q(region__startswith=prefix) for prefix in prefixes))
    if sector is not None:
        raw &= Q(sector=sector)
    if modality is not None:
        raw &= Q(modality=modality)
    where = raw & Q(day__gte=start, day__lte=end)
    columns = ["metric", *(GROUPINGS[name] for name in group_by)]
    pending = _rows(RollupDelta, where, columns)
    if _cube_answers(start, end, group_by):
        cube = _cube_where(common & Q(quarter__gte=start, quarter__lte=end), prefixes, sector, modality, group_by)
        after_end = raw & Q(day__gt=end, day__lte=quarter_end(end))
        rows = _rows(RollupCube, cube, columns).union(_rows(RollupFact, after_end, columns, sign=-1), pending, all=True)
    else:
        rows = _rows(RollupFact, where, columns).union(pending, all=True)
    totals: Counter[tuple[Any, ...]] = Counter()
    with _serial():
        for *key, total in rows:
            totals[tuple(key)] += total
    result = []
    for key in sorted(totals, key=lambda k: tuple("" if part is None else str(part) for part in k)):
        if not totals[key]:
            continue
        row: dict[str, Any] = {"metric": key[0]}
        for name, part in zip(group_by, key[1:], strict=True):
            row[name] = (part or None) if name in ("programme", "base") else part
        row["value"] = totals[key]
        result.append(row)
    return result
