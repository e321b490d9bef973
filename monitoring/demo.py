"""Demo data for monitoring (`manage.py seed_demo`): the two demo vendors' statistical reports for
the four quarters before the current one, and the red flags computed over the demo exchange.

What each sign-in finds: `vendor` (Chengdu) filed every quarter on time, the last one with a
tenfold jump in items, so its report carries an anomaly flag; `vendor2` (Hefei) filed the first
three and has not filed the last, so once its due day has passed the regulators' list shows it
late (before that, `vendor2` sees it due). `regulator` (Sichuan) sees Chengdu's flagged report;
`operator` sees everything, and the red-flag alerts the demo tenders raise.
"""

from __future__ import annotations

import datetime
from datetime import timedelta

from monitoring.models import StatisticalReport
from monitoring.redflags.services import red_flags_compute
from monitoring.reports import calendar
from monitoring.reports.services import statistical_report_submit
from portal.accounts.models import User
from registry.models import Membership, Organisation
from registry.roles import Role
from registry.taxonomy import Modality

YUAN = 100
# Per vendor: (revenue in yuan, headcount, items) for each of the four quarters, oldest first.
_FIGURES = {
    "vendor": [
        (1_800_000, 120, 2_400_000),
        (2_000_000, 126, 2_600_000),
        (2_150_000, 131, 2_900_000),
        (2_400_000, 138, 29_000_000),
    ],
    "vendor2": [(900_000, 64, 1_100_000), (960_000, 66, 1_200_000), (1_050_000, 70, 1_350_000)],
}
# How each vendor's items split over the modalities (shares in per cent, summing to 100).
_MIX = {
    "vendor": {Modality.IMAGE: 45, Modality.VIDEO: 25, Modality.POINT_CLOUD: 20, Modality.TEXT: 10},
    "vendor2": {Modality.TEXT: 50, Modality.SPEECH: 30, Modality.IMAGE: 20},
}


def seed_monitoring(*, users: dict[str, User], today: datetime.date | None = None) -> int:
    today = today or datetime.date.today()
    quarters = _four_quarters_before(calendar.quarter_of(today))
    registered = calendar.quarter_bounds(*quarters[0])[0] - timedelta(days=365)
    created = 0
    for username, figures in _FIGURES.items():
        user = users[username]
        vendor = Membership.objects.get(user=user, role=Role.VENDOR_STAFF).organisation
        # The demo vendors are taken as registered a year before the first quarter shown: a
        # vendor registered today is not expected to have reported past quarters.
        Organisation.objects.filter(pk=vendor.pk, created_at__gt=registered).update(created_at=registered)
        for (year, quarter), (revenue_yuan, headcount, items) in zip(quarters, figures, strict=False):
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


def _four_quarters_before(current: tuple[int, int]) -> list[tuple[int, int]]:
    quarters = [calendar.previous_quarter(*current)]
    while len(quarters) < 4:
        quarters.insert(0, calendar.previous_quarter(*quarters[0]))
    return quarters


def _volumes(mix: dict[Modality, int], items: int) -> dict[str, int]:
    """Every modality's items (zero where the vendor does none), summing exactly to `items`."""
    volumes = {modality.value: items * mix.get(modality, 0) // 100 for modality in Modality}
    largest = max(mix, key=lambda modality: mix[modality])
    volumes[largest.value] += items - sum(volumes.values())
    return volumes
