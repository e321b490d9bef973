"""Annotation bases over the API: reads are public; writes as on the pages."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from portal.idempotency.decorators import idempotent
from portal.permissions import signed_in
from registry.api.parsing import body_organisation, choice_param, int_param, region_param
from registry.bases import selectors, services
from registry.bases.api import serializers
from registry.bases.models import AnnotationBase, BaseMembership, BaseOutput, Designation


def _base(pk: int, *, field: str = "base") -> AnnotationBase:
    base = selectors.bases_public().filter(pk=pk).first()
    if base is None:
        raise ValidationError({field: [_("Unknown annotation base.")]})
    return base


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("designation", str, enum=Designation.values),
            OpenApiParameter("province", str, description="division code of a province (or any region)"),
        ]
    )
)
class AnnotationBaseViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """Data-annotation bases (数据标注基地). Public; operators record new ones."""

    serializer_class = serializers.AnnotationBaseSerializer
    filter_backends: list[type] = []

    def get_queryset(self) -> QuerySet[AnnotationBase]:
        designation = choice_param(self.request, "designation", Designation.values)
        province = region_param(self.request, "province")
        return selectors.bases_public(designation=designation, province=province)

    @extend_schema(request=serializers.AnnotationBaseCreateSerializer, responses=serializers.AnnotationBaseSerializer)
    @idempotent
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        incoming = serializers.AnnotationBaseCreateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        base = services.base_create(
            actor=signed_in(request.user),
            name=data["name"],
            city_code=data["city"],
            designation=data["designation"],
            operator=body_organisation(request.user, data["operator"], field="operator"),
            designated_on=data["designated_on"],
            description=data["description"],
        )
        base = selectors.bases_public().get(pk=base.pk)
        return Response(self.get_serializer(base).data, status=status.HTTP_201_CREATED)


@extend_schema_view(list=extend_schema(parameters=[OpenApiParameter("base", int)]))
class BaseMembershipViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Member organisations of bases. Public (verified members); the operator organisation's managing
    staff add and remove them."""

    serializer_class = serializers.BaseMembershipSerializer
    filter_backends: list[type] = []

    def get_queryset(self) -> QuerySet[BaseMembership]:
        members = selectors.base_members_visible_to(user=self.request.user)
        base = int_param(self.request, "base")
        return members.filter(base_id=base) if base is not None else members

    @extend_schema(request=serializers.BaseMembershipCreateSerializer, responses=serializers.BaseMembershipSerializer)
    @idempotent
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        incoming = serializers.BaseMembershipCreateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        membership = services.base_member_add(
            actor=signed_in(request.user),
            base=_base(data["base"]),
            organisation=body_organisation(request.user, data["organisation"], field="organisation"),
            joined_on=data["joined_on"],
        )
        return Response(self.get_serializer(membership).data, status=status.HTTP_201_CREATED)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        services.base_member_remove(actor=signed_in(request.user), membership=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(list=extend_schema(parameters=[OpenApiParameter("base", int), OpenApiParameter("year", int)]))
class BaseOutputViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Quarterly output of bases. Public; the operator organisation's managing staff report it.
    POST creates the quarter (201) or corrects it when already reported (200)."""

    serializer_class = serializers.BaseOutputSerializer
    filter_backends: list[type] = []

    def get_queryset(self) -> QuerySet[BaseOutput]:
        base = int_param(self.request, "base")
        year = int_param(self.request, "year")
        return selectors.base_outputs(year=year).filter(**({"base_id": base} if base is not None else {}))

    @extend_schema(request=serializers.BaseOutputReportSerializer, responses=serializers.BaseOutputSerializer)
    @idempotent
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        incoming = serializers.BaseOutputReportSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        output, created = services.base_output_report(
            actor=signed_in(request.user),
            base=_base(data["base"]),
            year=data["year"],
            quarter=data["quarter"],
            annotated_items=data["annotated_items"],
            revenue_fen=data["revenue_fen"],
            headcount=data["headcount"],
        )
        return Response(
            self.get_serializer(output).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )
