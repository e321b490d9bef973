"""Excellent cases and competitions over the API: public reads, operators' writes."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from portal.errors import PermissionDenied
from portal.idempotency.decorators import idempotent
from portal.permissions import AnyUser, is_operator, signed_in
from registry.api.parsing import body_organisation, choice_param, int_param
from registry.showcase import selectors, services
from registry.showcase.api import serializers
from registry.showcase.models import Competition, CompetitionEntry, ExcellentCase
from registry.taxonomy import Modality, Sector


def _require_operator(user: AnyUser) -> None:
    """Checked before parsing, so that a non-operator learns nothing from validation messages."""
    if not is_operator(user):
        raise PermissionDenied(_("Only platform operators curate excellent cases and competitions."))


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("sector", str, enum=Sector.values),
            OpenApiParameter("modality", str, enum=Modality.values),
            OpenApiParameter("year", int),
        ]
    )
)
class ExcellentCaseViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """Excellent cases (优秀案例): published ones are public; operators see and curate all."""

    serializer_class = serializers.ExcellentCaseSerializer
    filter_backends: list[type] = []
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[ExcellentCase]:
        return selectors.cases_visible_to(
            user=self.request.user,
            sector=choice_param(self.request, "sector", Sector.values),
            modality=choice_param(self.request, "modality", Modality.values),
            year=int_param(self.request, "year"),
        )

    def _arguments(self, data: dict[str, Any]) -> dict[str, Any]:
        if "organisation" in data:
            data["organisation"] = body_organisation(self.request.user, data["organisation"], field="organisation")
        return data

    @extend_schema(request=serializers.ExcellentCaseWriteSerializer, responses=serializers.ExcellentCaseSerializer)
    @idempotent
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        _require_operator(request.user)
        incoming = serializers.ExcellentCaseWriteSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        case = services.case_create(actor=signed_in(request.user), **self._arguments(dict(incoming.validated_data)))
        return Response(self.get_serializer(case).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=serializers.ExcellentCaseWriteSerializer, responses=serializers.ExcellentCaseSerializer)
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        case = self.get_object()
        _require_operator(request.user)
        incoming = serializers.ExcellentCaseWriteSerializer(data=request.data, partial=True)
        incoming.is_valid(raise_exception=True)
        case = services.case_update(
            actor=signed_in(request.user), case=case, **self._arguments(dict(incoming.validated_data))
        )
        return Response(self.get_serializer(case).data)

    @extend_schema(request=None, responses=serializers.ExcellentCaseSerializer)
    @action(detail=True, methods=["post"])
    def publish(self, request: Request, pk: str | None = None) -> Response:
        case = services.case_publish(actor=signed_in(request.user), case=self.get_object(), published=True)
        return Response(self.get_serializer(case).data)

    @extend_schema(request=None, responses=serializers.ExcellentCaseSerializer)
    @action(detail=True, methods=["post"])
    def unpublish(self, request: Request, pk: str | None = None) -> Response:
        case = services.case_publish(actor=signed_in(request.user), case=self.get_object(), published=False)
        return Response(self.get_serializer(case).data)


@extend_schema_view(list=extend_schema(parameters=[OpenApiParameter("year", int)]))
class CompetitionViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """Innovation competitions (创新大赛): public; operators record and edit them. Entries are under
    /competition-entries/ (winners first)."""

    serializer_class = serializers.CompetitionSerializer
    filter_backends: list[type] = []
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[Competition]:
        return selectors.competitions_public(year=int_param(self.request, "year"))

    def _arguments(self, data: dict[str, Any]) -> dict[str, Any]:
        if data.get("organiser") is not None:
            data["organiser"] = body_organisation(self.request.user, data["organiser"], field="organiser")
        return data

    @extend_schema(request=serializers.CompetitionWriteSerializer, responses=serializers.CompetitionSerializer)
    @idempotent
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        _require_operator(request.user)
        incoming = serializers.CompetitionWriteSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        competition = services.competition_create(
            actor=signed_in(request.user), **self._arguments(dict(incoming.validated_data))
        )
        competition = self.get_queryset().get(pk=competition.pk)
        return Response(self.get_serializer(competition).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=serializers.CompetitionWriteSerializer, responses=serializers.CompetitionSerializer)
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        competition = self.get_object()
        _require_operator(request.user)
        incoming = serializers.CompetitionWriteSerializer(data=request.data, partial=True)
        incoming.is_valid(raise_exception=True)
        competition = services.competition_update(
            actor=signed_in(request.user), competition=competition, **self._arguments(dict(incoming.validated_data))
        )
        competition = self.get_queryset().get(pk=competition.pk)
        return Response(self.get_serializer(competition).data)


@extend_schema_view(list=extend_schema(parameters=[OpenApiParameter("competition", int)]))
class CompetitionEntryViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Competition entries, winners first. Public; operators add them, set awards (PATCH) and remove them."""

    serializer_class = serializers.CompetitionEntrySerializer
    filter_backends: list[type] = []
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self) -> QuerySet[CompetitionEntry]:
        entries = selectors.competition_entries()
        competition = int_param(self.request, "competition")
        return entries.filter(competition_id=competition) if competition is not None else entries

    @extend_schema(
        request=serializers.CompetitionEntryCreateSerializer, responses=serializers.CompetitionEntrySerializer
    )
    @idempotent
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        _require_operator(request.user)
        incoming = serializers.CompetitionEntryCreateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        competition = selectors.competitions_public().filter(pk=data["competition"]).first()
        if competition is None:
            raise ValidationError({"competition": [_("Unknown competition.")]})
        entry = services.entry_add(
            actor=signed_in(request.user),
            competition=competition,
            organisation=body_organisation(request.user, data["organisation"], field="organisation"),
            title=data["title"],
            award=data["award"],
        )
        return Response(self.get_serializer(entry).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=serializers.CompetitionEntryAwardSerializer, responses=serializers.CompetitionEntrySerializer
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        entry = self.get_object()
        _require_operator(request.user)
        incoming = serializers.CompetitionEntryAwardSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        entry = services.entry_award(actor=signed_in(request.user), entry=entry, award=incoming.validated_data["award"])
        return Response(self.get_serializer(entry).data)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        services.entry_remove(actor=signed_in(request.user), entry=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)
