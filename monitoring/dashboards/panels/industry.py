"""Industry panels: scale and growth from the statistical reports, the provinces' map, talent.

Statistical reports have no sector, and only their items have a modality; certificates and
vouchers have neither: the panels list such filters in `notes["ignored_filters"]` (a filter is
listed when some figure of the panel is not filtered by it).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from monitoring import growth
from monitoring.dashboards.filters import DashboardFilters
from monitoring.dashboards.panels.base import (
    Chart,
    Column,
    Panel,
    Reader,
    by_key,
    by_quarter,
    ignored_filters,
    provinces_in_scope,
    quarter_of,
    quarters_between,
    rate_bp,
    read,
)
from monitoring.rollups.models import CERTIFICATE_METRICS, Metric

REPORT_METRICS = [Metric.REPORTED_REVENUE_FEN, Metric.REPORTED_HEADCOUNT, Metric.REPORTS_SUBMITTED]


def _quarter_key(quarter: str) -> tuple[int, int]:
    return int(quarter[:4]), int(quarter[5])


def _growth_against_target(revenue: dict[str, int], today: datetime.date) -> tuple[dict[str, Any] | None, str]:
    """The CAGR of reported revenue from the base year's four quarters to the latest four quarters
    that end with the last complete quarter (ended before today) with reports, against the target,
    with both projections to the horizon. (None, why) when it cannot be computed."""
    base = growth.base_year()
    current = quarter_of(today)
    latest = max((q for q in revenue if f"{base}Q4" < q < current), default=None)
    base_value = sum(revenue.get(f"{base}Q{quarter}", 0) for quarter in range(1, 5))
    if latest is None:
        return None, gettext("No complete quarter after the base year has reports yet.")
    if base_value <= 0:
        return None, gettext("No revenue was reported for the base year %(year)s.") % {"year": base}
    year, quarter = _quarter_key(latest)
    window = [f"{year - (quarter - back <= 0)}Q{(quarter - back - 1) % 4 + 1}" for back in range(4)]
    try:
        result = growth.growth_against_target(
            base_value=base_value,
            latest_value=sum(revenue.get(q, 0) for q in window),
            latest_year=year,
            latest_quarter=quarter,
            base=base,
        )
    except growth.GrowthError as error:
        return None, str(error)
    return {
        "base_year": result.base_year,
        "base_revenue_fen": result.base_value,
        "latest_period": latest,
        "latest_revenue_fen": result.latest_value,
        "years": str(result.years),
        "cagr": str(result.cagr),
        "cagr_bp": rate_bp(result.cagr),
        "target_bp": rate_bp(result.target),
        "gap_bp": rate_bp(result.gap),
        "meets_target": result.meets_target,
        "horizon_year": result.horizon_year,
        "projected_at_cagr_fen": result.projected_at_cagr,
        "projected_at_target_fen": result.projected_at_target,
    }, ""


def scale(filters: DashboardFilters, reader: Reader) -> Panel:
    """Industry scale by quarter of the period, from the statistical reports: revenue, headcount
    (a sum over the reporting organisations of each quarter, not a count of distinct people),
    items annotated and reports; revenue growth on the quarter before and on the same quarter a
    year before. A quarter without reports is not yet reported, not a fall to zero: its figures
    and the growth against it are None.

    `notes["growth"]`: the CAGR since the base year (`_growth_against_target`), read from the base
    year to today whatever the period (the rows follow the period), or None with
    `notes["growth_unavailable"]` saying why. Rates are strings (`cagr`, ten places) and whole
    basis points (`*_bp`, half-even); money in fen. The region filter applies; sector does not
    (reports have none) and modality only to the items."""
    today = timezone.localdate()
    base_start = datetime.date(growth.base_year(), 1, 1)
    year_before = datetime.date(filters.period.start.year - 1, filters.period.start.month, 1)
    reports = by_quarter(
        read(
            reader,
            filters,
            REPORT_METRICS,
            ("quarter",),
            by_sector=False,
            by_modality=False,
            start=min(base_start, year_before),
            end=max(filters.period.end, today),
        )
    )
    items = by_quarter(read(reader, filters, [Metric.REPORTED_ITEMS], ("quarter",), by_sector=False))
    reported = {quarter: t for quarter, t in reports.items() if any(t.get(metric, 0) for metric in REPORT_METRICS)}
    revenue = {quarter: t.get(Metric.REPORTED_REVENUE_FEN, 0) for quarter, t in reported.items()}
    changes = {
        change.period: change
        for change in growth.quarterly_growth((*_quarter_key(quarter), value) for quarter, value in revenue.items())
    }
    rows = []
    for quarter in quarters_between(filters.period.start, filters.period.end):
        t = reported.get(quarter)
        change = changes.get(quarter)
        rows.append(
            {
                "period": quarter,
                # A quarter without reports (not over, not due yet, or nobody filed) has no figures
                # rather than zeros: the chart leaves a gap instead of drawing a collapse.
                "revenue_fen": t.get(Metric.REPORTED_REVENUE_FEN, 0) if t else None,
                "headcount": t.get(Metric.REPORTED_HEADCOUNT, 0) if t else None,
                "items": items.get(quarter, {}).get(Metric.REPORTED_ITEMS, 0) if t else None,
                "reports": t.get(Metric.REPORTS_SUBMITTED, 0) if t else 0,
                "revenue_qoq_bp": rate_bp(change.quarter_on_quarter) if change else None,
                "revenue_yoy_bp": rate_bp(change.year_on_year) if change else None,
            }
        )
    against_target, unavailable = _growth_against_target(revenue, today)
    return Panel(
        name="scale",
        title=_("Industry scale and growth"),
        chart=Chart("line", "period", ("revenue_fen",)),
        columns=[
            Column("period", _("Quarter"), "text"),
            Column("revenue_fen", _("Revenue reported"), "fen"),
            Column("headcount", _("Headcount reported (sum over organisations)")),
            Column("items", _("Items annotated (reported)")),
            Column("reports", _("Reports submitted")),
            Column("revenue_qoq_bp", _("Revenue growth on the previous quarter"), "bp"),
            Column("revenue_yoy_bp", _("Revenue growth on the same quarter a year before"), "bp"),
        ],
        rows=rows,
        notes={
            "ignored_filters": ignored_filters(filters, "sector", "modality"),
            "growth": against_target,
            "growth_unavailable": unavailable,
        },
    )


def provinces(filters: DashboardFilters, reader: Reader) -> Panel:
    """One row per province in scope (zeros included, for the map): revenue reported, value of the
    contracts signed, lots published, organisations verified in the period (net of those that left
    verification: over all time, the number verified now), certificates of every level, voucher
    value redeemed. The
    marketplace figures follow the sector and modality filters; the others have neither."""
    market = by_key(
        read(reader, filters, [Metric.CONTRACT_VALUE_FEN, Metric.LOTS_PUBLISHED], ("province",)), "province"
    )
    others = [
        Metric.REPORTED_REVENUE_FEN,
        Metric.VOUCHER_REDEEMED_FEN,
        Metric.ORGANISATIONS_VERIFIED,
        *CERTIFICATE_METRICS.values(),
    ]
    rest = by_key(read(reader, filters, others, ("province",), by_sector=False, by_modality=False), "province")
    rows = []
    for province in provinces_in_scope(filters):
        code = province.code[:2]
        m, r = market.get(code, {}), rest.get(code, {})
        rows.append(
            {
                "province": code,
                "province_name": province.display_name,
                "revenue_fen": r.get(Metric.REPORTED_REVENUE_FEN, 0),
                "contract_value_fen": m.get(Metric.CONTRACT_VALUE_FEN, 0),
                "lots": m.get(Metric.LOTS_PUBLISHED, 0),
                "organisations_verified": r.get(Metric.ORGANISATIONS_VERIFIED, 0),
                "certificates": sum(r.get(metric, 0) for metric in CERTIFICATE_METRICS.values()),
                "voucher_redeemed_fen": r.get(Metric.VOUCHER_REDEEMED_FEN, 0),
            }
        )
    return Panel(
        name="provinces",
        title=_("Provinces"),
        chart=Chart("map", "province", ("revenue_fen",)),
        columns=[
            Column("province", _("Province code"), "text"),
            Column("province_name", _("Province"), "text"),
            Column("revenue_fen", _("Revenue reported"), "fen"),
            Column("contract_value_fen", _("Value of the contracts signed"), "fen"),
            Column("lots", _("Lots published")),
            Column("organisations_verified", _("Organisations verified (net, in the period)")),
            Column("certificates", _("Skill certificates")),
            Column("voucher_redeemed_fen", _("Voucher value redeemed"), "fen"),
        ],
        rows=rows,
        notes={"ignored_filters": ignored_filters(filters, "sector", "modality")},
    )


LEVEL_LABELS = {
    5: _("Level 5 (junior)"),
    4: _("Level 4 (intermediate)"),
    3: _("Level 3 (senior)"),
    2: _("Level 2 (technician)"),
    1: _("Level 1 (senior technician)"),
}


def talent(filters: DashboardFilters, reader: Reader) -> Panel:
    """Skill certificates issued in the period by level (5 … 1) per province that has any, with
    each province's total; `notes["totals"]` has the totals by level over the provinces shown
    (kept out of the rows so that a stacked bar does not draw them as one more province).
    Certificates have no sector or modality."""
    totals = by_key(
        read(reader, filters, CERTIFICATE_METRICS.values(), ("province",), by_sector=False, by_modality=False),
        "province",
    )
    rows = []
    for province in provinces_in_scope(filters):
        t = totals.get(province.code[:2], {})
        levels = {f"level_{level}": t.get(metric, 0) for level, metric in CERTIFICATE_METRICS.items()}
        if any(levels.values()):
            rows.append(
                {
                    "province": province.code[:2],
                    "province_name": province.display_name,
                    **levels,
                    "total": sum(levels.values()),
                }
            )
    level_keys = [f"level_{level}" for level in CERTIFICATE_METRICS]
    return Panel(
        name="talent",
        title=_("Talent: skill certificates by level"),
        chart=Chart("bar", "province_name", tuple(level_keys), stacked=True),
        columns=[
            Column("province", _("Province code"), "text"),
            Column("province_name", _("Province"), "text"),
            *(Column(f"level_{level}", LEVEL_LABELS[level]) for level in CERTIFICATE_METRICS),
            Column("total", _("All levels")),
        ],
        rows=rows,
        notes={
            "ignored_filters": ignored_filters(filters, "sector", "modality"),
            "totals": {key: sum(row[key] for row in rows) for key in [*level_keys, "total"]},
        },
    )
