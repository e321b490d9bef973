"""Statistical reports over the API: `/api/v1/monitoring/reports/`.

The list shows the reports the user may see (`statistical_reports_visible_to`: their own
organisations' in any state; regulators the submitted ones in their region's subtree; operators
every submitted one), newest quarter first. POST submits a quarter's report (or amends it: a new
version) for an organisation the user files for; `Idempotency-Key` replays a retried request.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from monitoring.models import StatisticalReport, StatisticalReportFlag
from monitoring.reports import selectors, services
from monitoring.reports.api import serializers
from portal.api.parsers import LimitedJSONParser
from portal.idempotency.decorators import idempotent
from portal.permissions import signed_in
from registry.api.serializers import parse

ERRORS = {
    400: OpenApiResponse(description="invalid input (`fields` names each wrong field)"),
    403: OpenApiResponse(description="you do not file reports for this organisation"),
    409: OpenApiResponse(description="a colleague filed the same quarter at the same moment"),
}


@extend_schema_view(list=extend_schema(parameters=[serializers.StatisticalReportFilterSerializer]))
class StatisticalReportViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """Statistical direct reports (统计直报): quarterly revenue, headcount and annotation volume
    per modality, with the anomaly flags raised on submission."""

    serializer_class = serializers.StatisticalReportSerializer
    permission_classes = [IsAuthenticated]
    parser_classes = [LimitedJSONParser]
    filter_backends: list[type] = []
    lookup_value_regex = "[0-9]+"

    def get_queryset(self) -> QuerySet[StatisticalReport]:
        reports = selectors.statistical_reports_visible_to(user=self.request.user).prefetch_related("volumes", "flags")
        if self.action != "list":
            return reports
        params = parse(serializers.StatisticalReportFilterSerializer, self.request.query_params)
        for name in ("year", "quarter", "state"):
            if params.get(name):
                reports = reports.filter(**{name: params[name]})
        if params.get("organisation"):
            reports = reports.filter(organisation_id=params["organisation"])
        if params.get("flagged") is not None:
            flagged = Exists(StatisticalReportFlag.objects.filter(report=OuterRef("pk")))
            reports = reports.filter(flagged if params["flagged"] else ~flagged)
        return reports

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "now": timezone.now()}

    @extend_schema(
        request=serializers.StatisticalReportCreateSerializer,
        responses={201: serializers.StatisticalReportSerializer, **ERRORS},
    )
    @idempotent
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Submit a quarter's report that has ended, or amend a submitted one (a new version). Bad
        figures answer 400 with every wrong field named and change nothing; the anomaly flags of
        the figures come back in `flags`."""
        data = parse(serializers.StatisticalReportCreateSerializer, request.data)
        organisation = selectors.reporting_organisations_of(request.user).filter(pk=data.pop("organisation")).first()
        if organisation is None:
            raise ValidationError({"organisation": [_("You do not file reports for this organisation.")]})
        report = services.statistical_report_submit(actor=signed_in(request.user), organisation=organisation, **data)
        body = self.get_serializer(self.get_queryset().get(pk=report.pk)).data
        return Response(body, status=status.HTTP_201_CREATED)
