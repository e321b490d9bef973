"""Dashboard panels: each is a function of the filters and a reader with the signature of
`rollup_totals` (the rollups; the benchmark passes one that aggregates the source tables instead),
returning a `Panel`: columns with their units, rows, the chart to draw and notes. The pages, the API
and the CSV/XLSX downloads all present the same `Panel`, so a figure is computed in one place.

The panels live in the modules of this package by subject; this module has what they share.

Units: `count`, `fen` (integer money), `bp` (basis points, a ratio × 10,000, integer), `decimal`
(a mean, as an exact decimal string), `text`. Ratios are computed from stored sums and counts
(nothing stores a ratio); a ratio with a zero denominator is None, shown as "—".
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any, Protocol

from django.utils.functional import Promise

from monitoring.dashboards.filters import DashboardFilters
from registry.models import Region, RegionLevel


class Reader(Protocol):
    def __call__(
        self,
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
    ) -> list[dict[str, Any]]: ...


@dataclass(frozen=True)
class Column:
    key: str
    label: str | Promise
    unit: str = "count"


@dataclass(frozen=True)
class Chart:
    kind: str  # "line", "bar", "map" (by province code) or "pie"
    category: str  # the column along the axis (or naming the slices / provinces)
    series: tuple[str, ...]  # the columns drawn
    stacked: bool = False  # bars: the series stacked on one bar per category


@dataclass
class Panel:
    name: str
    title: str | Promise
    chart: Chart
    columns: list[Column]
    rows: list[dict[str, Any]]
    notes: dict[str, Any] = field(default_factory=dict)


# --- Arithmetic ----------------------------------------------------------------------------------


def ratio_bp(numerator: int, denominator: int) -> int | None:
    """numerator / denominator in basis points, rounded down; None without a denominator."""
    return numerator * 10_000 // denominator if denominator else None


def share_bp(numerator: int, denominator: int) -> int | None:
    """A mean of basis points (a sum of bp over a count), rounded down like `ratio_bp`."""
    return numerator // denominator if denominator else None


def rate_bp(rate: Decimal | None) -> int | None:
    """A growth rate (a Decimal fraction) in whole basis points, half-even."""
    if rate is None:
        return None
    return int((rate * 10_000).quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


def mean(total: int, count: int, places: str = "0.01") -> Decimal | None:
    if not count:
        return None
    return (Decimal(total) / Decimal(count)).quantize(Decimal(places), rounding=ROUND_HALF_EVEN)


def quarter_of(day: datetime.date) -> str:
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


def quarters_between(start: datetime.date, end: datetime.date) -> list[str]:
    quarters = []
    year, quarter = start.year, (start.month - 1) // 3 + 1
    while (year, quarter) <= (end.year, (end.month - 1) // 3 + 1):
        quarters.append(f"{year}Q{quarter}")
        year, quarter = (year + 1, 1) if quarter == 4 else (year, quarter + 1)
    return quarters


# --- Reading -------------------------------------------------------------------------------------


def read(
    reader: Reader,
    filters: DashboardFilters,
    metrics: Iterable[str],
    group_by: Sequence[str] = (),
    *,
    by_sector: bool = True,
    by_modality: bool = True,
    start: datetime.date | None = None,
    end: datetime.date | None = None,
) -> list[dict[str, Any]]:
    """Totals under the filters. `by_sector`/`by_modality` False for metrics that have no such
    dimension (they are recorded with ""): the filter does not apply to them. `start`/`end`
    replace the period's days (growth reads quarters before the period)."""
    return reader(
        metrics=[str(metric) for metric in metrics],
        start=start or filters.period.start,
        end=end or filters.period.end,
        region_prefixes=list(filters.prefixes) or None,
        sector=filters.sector if by_sector else None,
        modality=filters.modality if by_modality else None,
        group_by=group_by,
    )


def by_quarter(rows: Iterable[dict[str, Any]]) -> dict[str, dict[str, int]]:
    """{quarter: {metric: total}} from rows grouped by quarter."""
    totals: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in rows:
        totals[quarter_of(row["quarter"])][row["metric"]] += row["value"]
    return totals


def by_key(rows: Iterable[dict[str, Any]], key: str) -> dict[Any, dict[str, int]]:
    """{group: {metric: total}} from rows grouped by `key`."""
    totals: dict[Any, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in rows:
        totals[row[key]][row["metric"]] += row["value"]
    return totals


def ignored_filters(filters: DashboardFilters, *names: str) -> list[str]:
    """Of the filters `names` that some figure of a panel has no dimension for, those set: the
    panel's `notes["ignored_filters"]`, so that a reader knows those figures are not filtered."""
    return [name for name in names if getattr(filters, name)]


def provinces_in_scope(filters: DashboardFilters) -> list[Region]:
    """The provinces whose figures the filters cover (every one for a national scope), by code."""
    provinces = Region.objects.filter(level=RegionLevel.PROVINCE).order_by("code")
    if not filters.prefixes:
        return list(provinces)
    heads = {prefix[:2] for prefix in filters.prefixes}
    return [province for province in provinces if province.code[:2] in heads]
