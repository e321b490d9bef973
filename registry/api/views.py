from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from portal.idempotency.decorators import idempotent
from portal.permissions import signed_in, visible_or_404
from registry import selectors, services
from registry.api import serializers
from registry.models import Membership, Organisation, Region


class RegionViewSet(viewsets.ReadOnlyModelViewSet):
    """GB/T 2260 administrative divisions. Filter with `level` and `parent`."""

    queryset = Region.objects.all()
    serializer_class = serializers.RegionSerializer
    filterset_fields = ["level", "parent"]
    permission_classes: list[type] = []


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("kind", str, description="organisation kind"),
            OpenApiParameter("region", str, description="division code; includes every region below it"),
            OpenApiParameter("q", str, description="name contains, or exact credit code"),
            OpenApiParameter("verified", bool, description="only verified organisations"),
        ]
    )
)
class OrganisationViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """Organisations: verified ones are public; unverified ones answer 404 except to members and
    operators."""

    serializer_class = serializers.OrganisationSerializer
    filter_backends: list[type] = []

    def get_queryset(self) -> QuerySet[Organisation]:
        params = self.request.query_params
        region_code = params.get("region", "")
        region = visible_or_404(Region.objects.all(), pk=region_code) if region_code else None
        return selectors.organisations_visible_to(
            user=self.request.user,
            kind=params.get("kind", ""),
            region=region,
            text=params.get("q", ""),
            verified_only=params.get("verified", "").lower() in {"1", "true"},
        )

    @extend_schema(request=serializers.OrganisationCreateSerializer, responses=serializers.OrganisationSerializer)
    @idempotent
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        incoming = serializers.OrganisationCreateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        organisation = services.organisation_create(
            actor=signed_in(request.user),
            name=data["name"],
            kind=data["kind"],
            credit_code_value=data["credit_code"],
            region_code=data["region"],
        )
        return Response(self.get_serializer(organisation).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=serializers.OrganisationSerializer)
    @action(detail=True, methods=["post"])
    def verify(self, request: Request, pk: str | None = None) -> Response:
        organisation = services.organisation_verify(actor=signed_in(request.user), organisation=self.get_object())
        return Response(self.get_serializer(organisation).data)

    def get_permissions(self) -> list[Any]:
        if self.action in {"create", "verify"}:
            return [IsAuthenticated()]
        return []


class MembershipViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Memberships of the organisations you belong to (operators: all)."""

    serializer_class = serializers.MembershipSerializer
    permission_classes = [IsAuthenticated]
    filterset_fields = ["organisation", "role"]

    def get_queryset(self) -> QuerySet[Membership]:
        return selectors.memberships_visible_to(user=self.request.user)

    @extend_schema(request=serializers.MembershipCreateSerializer, responses=serializers.MembershipSerializer)
    @idempotent
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        incoming = serializers.MembershipCreateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        organisation = visible_or_404(selectors.organisations_visible_to(user=request.user), pk=data["organisation"])
        membership = services.membership_add(
            actor=signed_in(request.user),
            organisation=organisation,
            username=data["username"],
            role=data["role"],
            scope_region_code=data["scope_region"],
        )
        return Response(self.get_serializer(membership).data, status=status.HTTP_201_CREATED)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        services.membership_remove(actor=signed_in(request.user), membership=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)
