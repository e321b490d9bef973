"""Institutions' offers, service needs and responses over the API. Visibility as the selectors say:
what one may not see answers 404, like what does not exist."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from portal.errors import NotFound
from portal.idempotency.decorators import idempotent
from portal.permissions import signed_in, visible_or_404
from registry.api.parsing import body_organisation, choice_param, int_param
from registry.institutions import selectors, services
from registry.institutions.api import serializers
from registry.institutions.models import InstitutionService, NeedStatus, ServiceCategory, ServiceNeed, ServiceResponse
from registry.institutions.permissions import may_see_suggestions


@extend_schema_view(list=extend_schema(parameters=[OpenApiParameter("category", str, enum=ServiceCategory.values)]))
class InstitutionServiceViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Service categories offered by third-party institutions. Public for verified institutions; an
    institution's managing staff add and withdraw its offers."""

    serializer_class = serializers.InstitutionServiceSerializer
    filter_backends: list[type] = []

    def get_queryset(self) -> QuerySet[InstitutionService]:
        category = choice_param(self.request, "category", ServiceCategory.values)
        return selectors.institution_services_visible_to(user=self.request.user, category=category)

    @extend_schema(
        request=serializers.InstitutionServiceCreateSerializer, responses=serializers.InstitutionServiceSerializer
    )
    @idempotent
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        incoming = serializers.InstitutionServiceCreateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        offer = services.institution_service_offer(
            actor=signed_in(request.user),
            organisation=body_organisation(request.user, data["organisation"], field="organisation"),
            category=data["category"],
            description=data["description"],
        )
        return Response(self.get_serializer(offer).data, status=status.HTTP_201_CREATED)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        services.institution_service_withdraw(actor=signed_in(request.user), service=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("status", str, enum=NeedStatus.values),
            OpenApiParameter("category", str, enum=ServiceCategory.values),
        ]
    )
)
class ServiceNeedViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """Service needs posted by enterprises and vendors: visible to the posting organisation, to the
    institutions that responded, and while open to the institutions offering the category."""

    serializer_class = serializers.ServiceNeedSerializer
    permission_classes = [IsAuthenticated]
    filter_backends: list[type] = []

    def get_queryset(self) -> QuerySet[ServiceNeed]:
        return selectors.needs_visible_to(
            user=self.request.user,
            status=choice_param(self.request, "status", NeedStatus.values),
            category=choice_param(self.request, "category", ServiceCategory.values),
        )

    def _need(self, pk: str | None) -> ServiceNeed:
        return visible_or_404(selectors.needs_visible_to(user=self.request.user), pk=pk)

    @extend_schema(request=serializers.ServiceNeedCreateSerializer, responses=serializers.ServiceNeedSerializer)
    @idempotent
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        incoming = serializers.ServiceNeedCreateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        need = services.need_post(
            actor=signed_in(request.user),
            organisation=body_organisation(request.user, data["organisation"], field="organisation"),
            category=data["category"],
            region_code=data["region"],
            title=data["title"],
            description=data["description"],
            budget_fen=data["budget_fen"],
        )
        return Response(self.get_serializer(need).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=serializers.SuggestedInstitutionSerializer(many=True))
    @action(detail=True, methods=["get"])
    def suggestions(self, request: Request, pk: str | None = None) -> Response:
        """Verified institutions offering the need's category: same city, same province, elsewhere.
        For the posting organisation's members and operators."""
        need = self._need(pk)
        if not may_see_suggestions(request.user, need):
            raise NotFound()
        page = self.paginate_queryset(selectors.institutions_matching(need=need))
        data = serializers.SuggestedInstitutionSerializer(page, many=True).data
        return self.get_paginated_response(data)

    @extend_schema(request=serializers.ChooseSerializer, responses=serializers.ServiceNeedSerializer)
    @action(detail=True, methods=["post"])
    def choose(self, request: Request, pk: str | None = None) -> Response:
        need = self._need(pk)
        incoming = serializers.ChooseSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        response = selectors.responses_visible_to(user=request.user, need=need).filter(
            pk=incoming.validated_data["response"]
        )
        chosen = response.first()
        if chosen is None:
            raise ValidationError({"response": [_("Unknown response to this need.")]})
        need = services.need_choose(actor=signed_in(request.user), need=need, response=chosen)
        return Response(self.get_serializer(need).data)

    @extend_schema(request=None, responses=serializers.ServiceNeedSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk: str | None = None) -> Response:
        need = services.need_close(actor=signed_in(request.user), need=self._need(pk))
        return Response(self.get_serializer(need).data)


@extend_schema_view(list=extend_schema(parameters=[OpenApiParameter("need", int)]))
class ServiceResponseViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """Responses to service needs: visible to the need's organisation and the responding institution."""

    serializer_class = serializers.ServiceResponseSerializer
    permission_classes = [IsAuthenticated]
    filter_backends: list[type] = []

    def get_queryset(self) -> QuerySet[ServiceResponse]:
        responses = selectors.responses_visible_to(user=self.request.user)
        need = int_param(self.request, "need")
        return responses.filter(need_id=need) if need is not None else responses

    @extend_schema(request=serializers.ServiceResponseCreateSerializer, responses=serializers.ServiceResponseSerializer)
    @idempotent
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        incoming = serializers.ServiceResponseCreateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        need = selectors.needs_visible_to(user=request.user).filter(pk=data["need"]).first()
        if need is None:
            raise ValidationError({"need": [_("Unknown service need.")]})
        response = services.response_submit(
            actor=signed_in(request.user),
            need=need,
            institution=body_organisation(request.user, data["institution"], field="institution"),
            message=data["message"],
            quote_fen=data["quote_fen"],
        )
        return Response(self.get_serializer(response).data, status=status.HTTP_201_CREATED)
