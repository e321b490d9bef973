"""Panels and filters as JSON-ready data: what the API answers and what the pages draw. Decimals
become exact strings, money stays integer fen."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from monitoring.dashboards.filters import DashboardFilters
from monitoring.dashboards.panels import Panel


def _value(value: Any) -> Any:
    return str(value) if isinstance(value, Decimal) else value


def panel_data(panel: Panel) -> dict[str, Any]:
    return {
        "name": panel.name,
        "title": str(panel.title),
        "chart": {
            "kind": panel.chart.kind,
            "category": panel.chart.category,
            "series": list(panel.chart.series),
            "stacked": panel.chart.stacked,
        },
        "columns": [{"key": column.key, "label": str(column.label), "unit": column.unit} for column in panel.columns],
        "rows": [{key: _value(value) for key, value in row.items()} for row in panel.rows],
        "notes": panel.notes,
    }


def filters_data(filters: DashboardFilters) -> dict[str, Any]:
    region = filters.region
    return {
        "period": filters.period.code,
        "start": filters.period.start.isoformat(),
        "end": filters.period.end.isoformat(),
        "region": {"code": region.code, "name": region.display_name} if region else None,
        "scope": list(filters.prefixes),
        "sector": filters.sector,
        "modality": filters.modality,
    }


def data_date() -> str:
    """The date the figures run to: today, since the rollups are read with the deltas not folded
    yet, i.e. every event committed so far."""
    return timezone.localdate().isoformat()


def licence_data() -> dict[str, str]:
    """The open-data licence of the public figures (settings `OPEN_DATA_LICENCE_NAME` / `_URL`)."""
    name = settings.OPEN_DATA_LICENCE_NAME
    return {
        "name": name,
        "url": settings.OPEN_DATA_LICENCE_URL,
        "statement": _(
            "Open data of the national data-annotation public-service portal, published under %(licence)s: "
            "you may copy, share and adapt it for any purpose, naming the portal as the source."
        )
        % {"licence": name},
    }
