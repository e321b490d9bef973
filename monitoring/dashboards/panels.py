"""Dashboard panels: each is a function of the filters and a reader with the signature of
`rollup_totals` (the rollups; the benchmark passes one that aggregates the source tables instead),
returning a `Panel`: columns with their units, rows, the chart to draw and notes. The pages, the API
and the CSV/XLSX downloads all present the same `Panel`, so a figure is computed in one place.

Units: `count`, `fen` (integer money), `bp` (basis points, a ratio × 10,000, integer), `decimal`
(a mean, as an exact decimal string), `text`. Ratios are computed from stored sums and counts
(nothing stores a ratio); a ratio with a zero denominator is None, shown as "—".
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any, Protocol

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from monitoring.dashboards.filters import DashboardFilters
from monitoring.rollups.models import Metric
from monitoring.rollups.selectors import rollup_totals
from vouchers.models import Programme


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
) -> list[dict[str, Any]]:
    """Totals under the filters. `by_sector`/`by_modality` False for metrics that have no such
    dimension (they are recorded with ""): the filter does not apply to them."""
    return reader(
        metrics=[str(metric) for metric in metrics],
        start=filters.period.start,
        end=filters.period.end,
        region_prefixes=list(filters.prefixes) or None,
        sector=filters.sector if by_sector else None,
        modality=filters.modality if by_modality else None,
        group_by=group_by,
    )


def by_quarter(rows: Iterable[dict[str, Any]]) -> dict[str, dict[str, int]]:
    """{quarter: {metric: total}} from rows grouped by day."""
    totals: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in rows:
        totals[quarter_of(row["day"])][row["metric"]] += row["value"]
    return totals


def by_key(rows: Iterable[dict[str, Any]], key: str) -> dict[Any, dict[str, int]]:
    """{group: {metric: total}} from rows grouped by `key`."""
    totals: dict[Any, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in rows:
        totals[row[key]][row["metric"]] += row["value"]
    return totals


# --- Panels --------------------------------------------------------------------------------------


def tenders(filters: DashboardFilters, reader: Reader) -> Panel:
    """Tender statistics by quarter: lots published and opened, bids per lot, single-bid rate,
    lots awarded, mean days from publication to award, mean discount of the award to the budget.
    Tenders published is a per-tender count without a modality, so it is left out under a
    modality filter."""
    metrics = [
        Metric.TENDERS_PUBLISHED,
        Metric.LOTS_PUBLISHED,
        Metric.LOTS_OPENED,
        Metric.BIDS_OPENED,
        Metric.SINGLE_BID_LOTS,
        Metric.AWARDS,
        Metric.AWARD_DAYS,
        Metric.AWARD_VALUE_FEN,
        Metric.AWARD_BUDGET_FEN,
    ]
    totals = by_quarter(read(reader, filters, metrics, ("day",)))
    rows = []
    for quarter in quarters_between(filters.period.start, filters.period.end):
        t = totals.get(quarter, {})
        row = {
            "period": quarter,
            "tenders": t.get(Metric.TENDERS_PUBLISHED, 0),
            "lots": t.get(Metric.LOTS_PUBLISHED, 0),
            "lots_opened": t.get(Metric.LOTS_OPENED, 0),
            "bids_per_lot": mean(t.get(Metric.BIDS_OPENED, 0), t.get(Metric.LOTS_OPENED, 0)),
            "single_bid_rate_bp": ratio_bp(t.get(Metric.SINGLE_BID_LOTS, 0), t.get(Metric.LOTS_OPENED, 0)),
            "awards": t.get(Metric.AWARDS, 0),
            "days_to_award": mean(t.get(Metric.AWARD_DAYS, 0), t.get(Metric.AWARDS, 0), "0.1"),
            "discount_bp": ratio_bp(
                t.get(Metric.AWARD_BUDGET_FEN, 0) - t.get(Metric.AWARD_VALUE_FEN, 0), t.get(Metric.AWARD_BUDGET_FEN, 0)
            ),
        }
        rows.append(row)
    columns = [
        Column("period", _("Quarter"), "text"),
        Column("tenders", _("Tenders published")),
        Column("lots", _("Lots published")),
        Column("lots_opened", _("Lots opened")),
        Column("bids_per_lot", _("Bids per lot"), "decimal"),
        Column("single_bid_rate_bp", _("Single-bid rate"), "bp"),
        Column("awards", _("Lots awarded")),
        Column("days_to_award", _("Days from publication to award"), "decimal"),
        Column("discount_bp", _("Discount to budget"), "bp"),
    ]
    if filters.modality:
        columns = [column for column in columns if column.key != "tenders"]
        for row in rows:
            del row["tenders"]
    return Panel(
        name="tenders",
        title=_("Tender statistics"),
        chart=Chart("line", "period", ("lots", "awards")),
        columns=columns,
        rows=rows,
    )


def vouchers(filters: DashboardFilters, reader: Reader) -> Panel:
    """Voucher programmes: budget funded, value issued, redeemed, settled and returned (expired or
    cancelled), per programme, with the programme's authority region. Voucher figures have no
    sector or modality: those filters do not apply."""
    metrics = [
        Metric.VOUCHER_BUDGET_FEN,
        Metric.VOUCHERS_ISSUED,
        Metric.VOUCHER_ISSUED_FEN,
        Metric.VOUCHER_REDEMPTIONS,
        Metric.VOUCHER_REDEEMED_FEN,
        Metric.VOUCHER_SETTLED_FEN,
        Metric.VOUCHER_RETURNED_FEN,
    ]
    totals = by_key(read(reader, filters, metrics, ("programme",), by_sector=False, by_modality=False), "programme")
    programmes = {
        programme.pk: programme
        for programme in Programme.objects.filter(pk__in=[key for key in totals if key]).select_related(
            "authority__region"
        )
    }
    rows = []
    for key in sorted(totals, key=lambda pk: (programmes[pk].name, pk) if pk in programmes else ("", pk or 0)):
        t = totals[key]
        programme = programmes.get(key)
        rows.append(
            {
                "programme": programme.name if programme else "—",
                "region": programme.authority.region.display_name if programme else "",
                "budget_fen": t.get(Metric.VOUCHER_BUDGET_FEN, 0),
                "vouchers": t.get(Metric.VOUCHERS_ISSUED, 0),
                "issued_fen": t.get(Metric.VOUCHER_ISSUED_FEN, 0),
                "redemptions": t.get(Metric.VOUCHER_REDEMPTIONS, 0),
                "redeemed_fen": t.get(Metric.VOUCHER_REDEEMED_FEN, 0),
                "settled_fen": t.get(Metric.VOUCHER_SETTLED_FEN, 0),
                "returned_fen": t.get(Metric.VOUCHER_RETURNED_FEN, 0),
            }
        )
    return Panel(
        name="vouchers",
        title=_("Voucher programmes"),
        chart=Chart("bar", "programme", ("budget_fen", "issued_fen", "redeemed_fen", "settled_fen", "returned_fen")),
        columns=[
            Column("programme", _("Programme"), "text"),
            Column("region", _("Authority's region"), "text"),
            Column("budget_fen", _("Budget"), "fen"),
            Column("vouchers", _("Vouchers issued")),
            Column("issued_fen", _("Value issued"), "fen"),
            Column("redemptions", _("Redemptions")),
            Column("redeemed_fen", _("Value redeemed"), "fen"),
            Column("settled_fen", _("Value settled"), "fen"),
            Column("returned_fen", _("Value expired or cancelled"), "fen"),
        ],
        rows=rows,
        notes={"ignored_filters": [name for name in ("sector", "modality") if getattr(filters, name)]},
    )


# The panels in the order the dashboard shows them.
PANELS: dict[str, Callable[[DashboardFilters, Reader], Panel]] = {
    "tenders": tenders,
    "vouchers": vouchers,
}


# The panels of the public summary, in its order: national figures only, so no per-province map
# and no per-programme table.
PUBLIC_PANELS: tuple[str, ...] = ("tenders",)


def panel(name: str, filters: DashboardFilters, *, reader: Reader = rollup_totals) -> Panel:
    return PANELS[name](filters, reader)


def summary(filters: DashboardFilters, *, reader: Reader = rollup_totals) -> list[Panel]:
    return [compute(filters, reader) for compute in PANELS.values()]


def public_summary(filters: DashboardFilters, *, reader: Reader = rollup_totals) -> list[Panel]:
    return [PANELS[name](filters, reader) for name in PUBLIC_PANELS]
