"""Dashboard figures over the API, read by the dashboard pages themselves:
`monitoring/summary/` (every panel) and `monitoring/summary/<panel>/` (one), for regulators (their
scope) and operators (everything); 403 for anyone else, 404 for a region outside the scope or an
unknown panel. Filters: `period` (all, 2026, 2026Q3), `region` (a GB/T 2260 code), `sector`,
`modality`. The public summary (`monitoring/public-summary/` and its open-data CSV) is national,
anonymous, and takes `period` only."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from monitoring.dashboards import exports, panels
from monitoring.dashboards.filters import dashboard_filters, public_filters
from monitoring.dashboards.presenting import data_date, filters_data, licence_data, panel_data
from portal.errors import NotFound

FILTERS = [
    OpenApiParameter(
        "period", str, description="`all` (default: since the base year), a year `2026` or a quarter `2026Q3`."
    ),
    OpenApiParameter("region", str, description="A GB/T 2260 division code: that region and those below it."),
    OpenApiParameter("sector", str, description="A sector of the registry's taxonomy."),
    OpenApiParameter("modality", str, description="A data modality of the registry's taxonomy."),
]
ERRORS = {
    400: OpenApiResponse(description="a filter is not valid (`fields` names it)"),
    403: OpenApiResponse(description="you are not a regulator or an operator"),
    404: OpenApiResponse(description="the region is outside your scope, or the panel does not exist"),
}


class SummaryApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="monitoring_summary", parameters=FILTERS, responses={200: OpenApiTypes.OBJECT, **ERRORS}
    )
    def get(self, request: Request) -> Response:
        """Every dashboard panel under the filters: `{"filters", "data_date", "panels": [...]}`;
        a panel is `{"name", "title", "chart", "columns", "rows", "notes"}`, money in integer fen,
        ratios in basis points, means as decimal strings."""
        filters = dashboard_filters(user=request.user, params=request.query_params)
        body: dict[str, Any] = {
            "filters": filters_data(filters),
            "data_date": data_date(),
            "panels": [panel_data(panel) for panel in panels.summary(filters)],
        }
        return Response(body)


class PanelApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="monitoring_summary_panel", parameters=FILTERS, responses={200: OpenApiTypes.OBJECT, **ERRORS}
    )
    def get(self, request: Request, name: str) -> Response:
        """One dashboard panel under the filters: `{"filters", "data_date", "panel"}`."""
        if name not in panels.PANELS:
            raise NotFound()
        filters = dashboard_filters(user=request.user, params=request.query_params)
        return Response(
            {
                "filters": filters_data(filters),
                "data_date": data_date(),
                "panel": panel_data(panels.panel(name, filters)),
            }
        )


# --- The public summary (open data) --------------------------------------------------------------

PUBLIC_FILTERS = [FILTERS[0]]
PUBLIC_ERRORS = {400: OpenApiResponse(description="`period` is not valid, or a `region` was given (national only)")}


class CsvRenderer(BaseRenderer):
    """Lets a client ask for `text/csv`. The CSV itself is built by the view; what reaches this
    renderer is an error body, written as JSON text."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> bytes:
        return json.dumps(data, ensure_ascii=False).encode("utf-8")


class PublicSummaryApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="monitoring_public_summary",
        summary="Public monitoring summary (open data)",
        description=(
            "National figures of the public dashboard panels for a period, readable without an "
            'account: `{"filters", "data_date", "licence": {"name", "url", "statement"}, '
            '"panels": [...]}`. A panel is `{"name", "title", "chart", "columns", "rows", '
            '"notes"}`; money in integer fen, ratios in basis points, means as decimal strings, '
            "null where a ratio has no denominator. Only `period` is taken; `region` is refused "
            "(400). The same figures in long format: `public-summary.csv`."
        ),
        parameters=PUBLIC_FILTERS,
        responses={200: OpenApiTypes.OBJECT, **PUBLIC_ERRORS},
    )
    def get(self, request: Request) -> Response:
        filters = public_filters(params=request.query_params)
        return Response(
            {
                "filters": filters_data(filters),
                "data_date": data_date(),
                "licence": licence_data(),
                "panels": [panel_data(panel) for panel in panels.public_summary(filters)],
            }
        )


class PublicSummaryCsvApi(APIView):
    permission_classes = [AllowAny]
    renderer_classes = [JSONRenderer, CsvRenderer]

    @extend_schema(
        operation_id="monitoring_public_summary_csv",
        summary="Public monitoring summary as open-data CSV",
        description=(
            "The public summary's figures in long format, one row per figure, UTF-8 with a "
            "byte-order mark. Columns: `panel`, `panel_title`, `category` (the row's key: a "
            "quarter, a sector code…), `category_name`, `measure` (the column key of the JSON), "
            "`measure_label`, `unit` (`count`, `fen` = integer fen, `bp` = basis points, "
            "`decimal`), `value` (raw, in that unit; empty where a ratio has no denominator), "
            "`period`, `data_date`, `licence`, `licence_url`. Only `period` is taken."
        ),
        parameters=PUBLIC_FILTERS,
        responses={(200, "text/csv"): OpenApiTypes.STR, **PUBLIC_ERRORS},
    )
    def get(self, request: Request) -> HttpResponse:
        filters = public_filters(params=request.query_params)
        date = data_date()
        rows = exports.open_data_rows(
            panels.public_summary(filters), period=filters.period.code, data_date=date, licence=licence_data()
        )
        response = HttpResponse(exports.open_data_csv(rows), content_type="text/csv; charset=utf-8")
        name = f"monitoring-summary-{filters.period.code}-{date}.csv"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
