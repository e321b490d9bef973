"""Dashboard panels (see `base` for what a panel is) and their registry: the regulators'
dashboard shows `PANELS` in order, the public summary `PUBLIC_PANELS`."""

from __future__ import annotations

from collections.abc import Callable

from monitoring.dashboards.filters import DashboardFilters
from monitoring.dashboards.panels.base import (
    Chart,
    Column,
    Panel,
    Reader,
    by_key,
    by_quarter,
    mean,
    quarters_between,
    ratio_bp,
    read,
)
from monitoring.dashboards.panels.bases import bases
from monitoring.dashboards.panels.industry import provinces, scale, talent
from monitoring.dashboards.panels.market import acceptance, modalities, sectors, tenders
from monitoring.dashboards.panels.vouchers import vouchers
from monitoring.rollups.selectors import rollup_totals

__all__ = [
    "PANELS",
    "PUBLIC_PANELS",
    "Chart",
    "Column",
    "Panel",
    "Reader",
    "by_key",
    "by_quarter",
    "mean",
    "panel",
    "public_summary",
    "quarters_between",
    "ratio_bp",
    "read",
    "summary",
]

# The panels in the order the dashboard shows them.
PANELS: dict[str, Callable[[DashboardFilters, Reader], Panel]] = {
    "scale": scale,
    "provinces": provinces,
    "sectors": sectors,
    "modalities": modalities,
    "tenders": tenders,
    "acceptance": acceptance,
    "talent": talent,
    "bases": bases,
    "vouchers": vouchers,
}

# The panels of the public summary, in its order: national figures only, so no per-province map
# and no per-programme table.
PUBLIC_PANELS: tuple[str, ...] = ("scale", "sectors", "modalities", "tenders", "talent")


def panel(name: str, filters: DashboardFilters, *, reader: Reader = rollup_totals) -> Panel:
    return PANELS[name](filters, reader)


def summary(filters: DashboardFilters, *, reader: Reader = rollup_totals) -> list[Panel]:
    return [compute(filters, reader) for compute in PANELS.values()]


def public_summary(filters: DashboardFilters, *, reader: Reader = rollup_totals) -> list[Panel]:
    return [PANELS[name](filters, reader) for name in PUBLIC_PANELS]
