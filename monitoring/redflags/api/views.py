"""Red-flag alerts over the API (`monitoring/alerts/`): regulators see those of their region and
below, operators all, anyone else none (403 on the list, 404 on an alert, like a missing one).
`acknowledge` and `dismiss` take a note (required to dismiss) and answer the alert; 409 unless the
alert is open."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from monitoring.redflags import selectors, services
from monitoring.redflags.api import serializers
from monitoring.redflags.models import Alert
from portal.api.parsers import LimitedJSONParser
from portal.permissions import signed_in
from registry.api.parsing import region_param
from registry.api.serializers import parse

ERRORS = {
    400: OpenApiResponse(description="invalid input (`fields` names it)"),
    403: OpenApiResponse(description="not a regulator or an operator"),
    404: OpenApiResponse(description="no such alert, or not one you may see"),
    409: OpenApiResponse(description="the alert is not open"),
}


class ReadsAlerts(BasePermission):
    message = _("Red-flag alerts are for regulators and platform operators.")

    def has_permission(self, request: Request, view: Any) -> bool:
        return selectors.can_read_alerts(user=request.user)


@extend_schema_view(
    list=extend_schema(parameters=[serializers.RedFlagAlertFilterSerializer]),
    retrieve=extend_schema(responses={200: serializers.RedFlagAlertSerializer, **ERRORS}),
)
class AlertViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Red-flag alerts (红旗预警), newest first, with their evidence and the tender they are about."""

    serializer_class = serializers.RedFlagAlertSerializer
    permission_classes = [IsAuthenticated, ReadsAlerts]
    parser_classes = [LimitedJSONParser]
    filter_backends: list[type] = []
    lookup_value_regex = "[0-9]+"

    def get_queryset(self) -> QuerySet[Alert]:
        if self.action != "list":
            return selectors.alerts_visible_to(user=self.request.user)
        params = parse(serializers.RedFlagAlertFilterSerializer, self.request.query_params)
        filters = selectors.AlertFilters(flag=params["flag"], state=params["state"], region=region_param(self.request))
        return selectors.alerts_visible_to(user=self.request.user, filters=filters)

    def get_object(self) -> Alert:
        return selectors.alert_for(user=self.request.user, pk=self.kwargs["pk"])

    def _decide(self, request: Request, service: Callable[..., Alert]) -> Response:
        alert = self.get_object()
        data = parse(serializers.RedFlagAlertNoteSerializer, request.data)
        decided = service(actor=signed_in(request.user), alert=alert, note=data["note"])
        return Response(self.get_serializer(selectors.alert_for(user=request.user, pk=decided.pk)).data)

    @extend_schema(
        request=serializers.RedFlagAlertNoteSerializer, responses={200: serializers.RedFlagAlertSerializer, **ERRORS}
    )
    @action(detail=True, methods=["post"])
    def acknowledge(self, request: Request, pk: str | None = None) -> Response:
        """Acknowledge an open alert for follow-up, with an optional note (audited)."""
        return self._decide(request, services.alert_acknowledge)

    @extend_schema(
        request=serializers.RedFlagAlertNoteSerializer, responses={200: serializers.RedFlagAlertSerializer, **ERRORS}
    )
    @action(detail=True, methods=["post"])
    def dismiss(self, request: Request, pk: str | None = None) -> Response:
        """Dismiss an open alert; the note saying why is required (400 without it). Audited."""
        return self._decide(request, services.alert_dismiss)
