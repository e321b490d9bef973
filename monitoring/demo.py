"""Demo data for monitoring (`manage.py seed_demo`): the two demo vendors' statistical reports for
every quarter from the start of the base year (`MONITORING_BASE_YEAR`) to the one before the
current quarter, and the red flags computed over the demo exchange.

What each sign-in finds: `vendor` (Chengdu) filed every quarter on time, its revenue growing
about 26 % a year, the last one with a tenfold jump in items, so that report carries an anomaly
flag; `vendor2` (Hefei) grows about 22 % a year and has not filed the last quarter, so once its due
day has passed the regulators' list shows it late (before that, `vendor2` sees it due).
`regulator` (Sichuan) sees Chengdu's flagged report; `operator` sees everything, and the red-flag
alerts the demo tenders raise. The dashboards show the growth since the base year against the
20 % target.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from datetime import timedelta

from monitoring import growth as growth_settings
from monitoring.models import StatisticalReport
from monitoring.redflags.services import red_flags_compute
from monitoring.reports import calendar
from monitoring.reports.services import statistical_report_submit
from portal.accounts.models import User
from registry.models import Membership, Organisation
from registry.roles import Role
from registry.taxonomy import Modality

YUAN = 100


@dataclass(frozen=True)
class _Growth:
    """A vendor's figures in its first quarter and their growth per quarter (per mille)."""

    revenue_yuan: int
    headcount: int
    items: int
    per_mille: int
    files_last: bool  # whether it filed the last quarter


_VENDORS = {
    "vendor": _Growth(revenue_yuan=1_200_000, headcount=96, items=1_600_000, per_mille=60, files_last=True),
    "vendor2": _Growth(revenue_yuan=620_000, headcount=48, items=760_000, per_mille=50, files_last=False),
}
JUMP = 10  # `vendor`'s items in its last quarter: ten times the quarter before (an anomaly flag)


def _figures(growth: _Growth, quarters: int) -> list[tuple[int, int, int]]:
    """(revenue in yuan, headcount, items) per quarter, oldest first, compounding in integers."""
    figures = []
    revenue, items = growth.revenue_yuan, growth.items
    for index in range(quarters):
        figures.append((revenue // 1_000 * 1_000, growth.headcount + 3 * index, items // 1_000 * 1_000))
        revenue = revenue * (1_000 + growth.per_mille) // 1_000
        items = items * (1_000 + growth.per_mille) // 1_000
    if growth.files_last:
        revenue_yuan, headcount, _items = figures[-1]
        figures[-1] = (revenue_yuan, headcount, figures[-2][2] * JUMP)
    else:
        figures.pop()
    return figures


# How each vendor's items split over the modalities (shares in per cent, summing to 100).
_MIX = {
    "vendor": {Modality.IMAGE: 45, Modality.VIDEO: 25, Modality.POINT_CLOUD: 20, Modality.TEXT: 10},
    "vendor2": {Modality.TEXT: 50, Modality.SPEECH: 30, Modality.IMAGE: 20},
}


def seed_monitoring(*, users: dict[str, User], today: datetime.date | None = None) -> int:
    today = today or datetime.date.today()
    quarters = _quarters_since_base_year(calendar.quarter_of(today))
    registered = calendar.quarter_bounds(*quarters[0])[0] - timedelta(days=365)
    created = 0
    for username, growth in _VENDORS.items():
        user = users[username]
        vendor = Membership.objects.get(user=user, role=Role.VENDOR_STAFF).organisation
        # The demo vendors are taken as registered a year before the first quarter shown: a
        # vendor registered today is not expected to have reported past quarters.
        Organisation.objects.filter(pk=vendor.pk, created_at__gt=registered).update(created_at=registered)
        for (year, quarter), (revenue_yuan, headcount, items) in zip(
            quarters, _figures(growth, len(quarters)), strict=False
        ):
            if StatisticalReport.objects.filter(organisation=vendor, year=year, quarter=quarter).exists():
                continue
            due = calendar.due_on(year, quarter)
            statistical_report_submit(
                actor=user,
                organisation=vendor,
                year=year,
                quarter=quarter,
                revenue_fen=revenue_yuan * YUAN,
                headcount=headcount,
                total_items=items,
                public_data_share_bp=3_500,
                volumes=_volumes(_MIX[username], items),
                now=calendar.deadline(year, quarter) - timedelta(days=3) if due < today else None,
            )
            created += 1
    summary = red_flags_compute()
    return created + summary.raised


def _quarters_since_base_year(current: tuple[int, int]) -> list[tuple[int, int]]:
    """From the base year's first quarter to the one before `current` (at least four)."""
    quarters = [calendar.previous_quarter(*current)]
    while quarters[0] > (growth_settings.base_year(), 1) or len(quarters) < 4:
        quarters.insert(0, calendar.previous_quarter(*quarters[0]))
    return quarters


def _volumes(mix: dict[Modality, int], items: int) -> dict[str, int]:
    """Every modality's items (zero where the vendor does none), summing exactly to `items`."""
    volumes = {modality.value: items * mix.get(modality, 0) // 100 for modality in Modality}
    largest = max(mix, key=lambda modality: mix[modality])
    volumes[largest.value] += items - sum(volumes.values())
    return volumes
