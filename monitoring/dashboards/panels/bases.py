"""The annotation bases (数据标注基地) ranked by output: what their quarterly output reports
(`registry.bases` `base_output_report`) say they annotated in the period."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from monitoring.dashboards.filters import DashboardFilters
from monitoring.dashboards.panels.base import Chart, Column, Panel, Reader, by_key, ignored_filters, read
from monitoring.rollups.models import Metric
from registry.bases.models import AnnotationBase

# The ranking shows this many bases; `notes["bases"]` counts them all.
TOP = 20


def bases(filters: DashboardFilters, reader: Reader) -> Panel:
    """The bases in the region with output reported in the period, by items annotated (then
    revenue), with their city. Headcount is a per-quarter figure, so a period of several quarters
    has no meaningful total: it is left out. Base output has no sector or modality."""
    metrics = [Metric.BASE_OUTPUT_ITEMS, Metric.BASE_OUTPUT_REVENUE_FEN]
    totals = by_key(read(reader, filters, metrics, ("base",), by_sector=False, by_modality=False), "base")
    totals.pop(None, None)  # figures without a base: none are written, but a reader may group them
    ranked = sorted(
        totals,
        key=lambda pk: (
            -totals[pk].get(Metric.BASE_OUTPUT_ITEMS, 0),
            -totals[pk].get(Metric.BASE_OUTPUT_REVENUE_FEN, 0),
            pk,
        ),
    )[:TOP]
    names = {base.pk: base for base in AnnotationBase.objects.filter(pk__in=ranked).select_related("city")}
    rows = [
        {
            "rank": rank,
            "base": names[pk].name if pk in names else str(pk),
            "city": names[pk].city.display_name if pk in names else "",
            "items": totals[pk].get(Metric.BASE_OUTPUT_ITEMS, 0),
            "revenue_fen": totals[pk].get(Metric.BASE_OUTPUT_REVENUE_FEN, 0),
        }
        for rank, pk in enumerate(ranked, start=1)
    ]
    return Panel(
        name="bases",
        title=_("Annotation bases by output"),
        chart=Chart("bar", "base", ("items",)),
        columns=[
            Column("rank", _("Rank")),
            Column("base", _("Annotation base"), "text"),
            Column("city", _("City"), "text"),
            Column("items", _("Items annotated")),
            Column("revenue_fen", _("Revenue"), "fen"),
        ],
        rows=rows,
        notes={"bases": len(totals), "ignored_filters": ignored_filters(filters, "sector", "modality")},
    )
