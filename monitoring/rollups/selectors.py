"""The read the dashboards use: totals of rollup facts plus the deltas not folded yet."""

from __future__ import annotations

import datetime
import operator
from collections import Counter
from collections.abc import Iterable, Sequence
from functools import reduce
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet, Sum
from django.db.models.functions import Substr

from monitoring.rollups.models import RollupDelta, RollupFact

# What `group_by` may name: a column, or a prefix of the region code.
GROUPINGS: dict[str, str] = {
    "day": "day",
    "region": "region",
    "province": "province",  # the region's first 2 digits
    "prefecture": "prefecture",  # its first 4
    "sector": "sector",
    "modality": "modality",
    "programme": "programme_key",
    "base": "base_key",
}


def _rows(model: type[RollupFact] | type[RollupDelta], where: Q, columns: list[str]) -> QuerySet[Any]:
    return (
        model.objects.filter(where)
        .annotate(province=Substr("region", 1, 2), prefecture=Substr("region", 1, 4))
        .order_by()
        .values(*columns)
        .annotate(total=Sum("value"))
        .values_list(*columns, "total")
    )


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
    `base`: an annotation base id, for the bases' output metrics.

    Permission scoping is the caller's: a regulator's dashboard passes its scope's prefixes."""
    unknown = [name for name in group_by if name not in GROUPINGS]
    if unknown:
        raise ValidationError({"group_by": [f"Unknown grouping: {', '.join(unknown)}"]})
    where = Q(metric__in=list(metrics), day__gte=start, day__lte=end)
    if region_prefixes and "" not in region_prefixes:
        where &= reduce(operator.or_, (Q(region__startswith=prefix) for prefix in region_prefixes))
    if sector is not None:
        where &= Q(sector=sector)
    if modality is not None:
        where &= Q(modality=modality)
    if programme is not None:
        where &= Q(programme_key=programme)
    if base is not None:
        where &= Q(base_key=base)
    columns = ["metric", *(GROUPINGS[name] for name in group_by)]
    totals: Counter[tuple[Any, ...]] = Counter()
    for *key, total in _rows(RollupFact, where, columns).union(_rows(RollupDelta, where, columns), all=True):
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
