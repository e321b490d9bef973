"""Dashboard figures over the API, read by the dashboard pages themselves:
`monitoring/summary/` (every panel) and `monitoring/summary/<panel>/` (one), for regulators (their
scope) and operators (everything); 403 for anyone else, 404 for a region outside the scope or an
unknown panel. Filters: `period` (all, 2026, 2026Q3), `region` (a GB/T 2260 code), `sector`,
`modality`."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from monitoring.dashboards import panels
from monitoring.dashboards.filters import dashboard_filters
from monitoring.dashboards.presenting import data_date, filters_data, panel_data
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

    @extend_schema(parameters=FILTERS, responses={200: OpenApiTypes.OBJECT, **ERRORS})
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

    @extend_schema(parameters=FILTERS, responses={200: OpenApiTypes.OBJECT, **ERRORS})
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
