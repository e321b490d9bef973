from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from portal.errors import NotFound
from portal.idempotency.decorators import idempotent
from portal.permissions import signed_in, visible_or_404
from registry.api.parsing import body_organisation, region_param
from registry.models import Organisation
from registry.talent import selectors, services
from registry.talent.api import serializers
from registry.talent.models import Certificate, Expert, Person


def _organisation(request: Request, pk: int | None, *, field: str) -> Organisation | None:
    """An organisation named by id in a request body: one the user may see (else 400 on `field`)."""
    return None if pk is None else body_organisation(request.user, pk, field=field)


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("region", str, description="division code; includes every region below it"),
            OpenApiParameter("q", str, description="name contains (only names you may see in full)"),
        ]
    )
)
class PersonViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    """The talent pool: operators see everyone, regulators the people of their region (names
    masked), issuers' staff the people they registered or certified, a person their own record."""

    serializer_class = serializers.PersonSerializer
    permission_classes = [IsAuthenticated]
    filter_backends: list[type] = []
    lookup_value_regex = r"\d+"

    def get_queryset(self) -> QuerySet[Person]:
        params = self.request.query_params
        region = region_param(self.request)
        return selectors.people_visible_to(user=self.request.user, region=region, text=params.get("q", ""))

    @extend_schema(request=serializers.PersonCreateSerializer, responses={201: serializers.PersonSerializer})
    @idempotent
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        incoming = serializers.PersonCreateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        person = services.person_register(
            actor=signed_in(request.user),
            name=data["name"],
            id_number=data["id_number"],
            region_code=data["region"],
            skills=data["skills"],
            issuer=_organisation(request, data["issuer"], field="issuer"),
        )
        person = selectors.people_visible_to(user=request.user).get(pk=person.pk)
        return Response(self.get_serializer(person).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=serializers.PersonSerializer)
    @action(detail=False, methods=["get"])
    def me(self, request: Request) -> Response:
        """Your own talent record (404 until one is linked to your account)."""
        person = selectors.people_visible_to(user=request.user).filter(user=signed_in(request.user)).first()
        if person is None:
            raise NotFound()
        return Response(self.get_serializer(person).data)

    @extend_schema(request=serializers.LinkAccountSerializer, responses=serializers.PersonSerializer)
    @action(detail=False, methods=["post"])
    def link(self, request: Request) -> Response:
        """Link your account to your talent record: name and identity number must both match it."""
        incoming = serializers.LinkAccountSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        person = services.person_link_account(
            user=signed_in(request.user),
            name=incoming.validated_data["name"],
            id_number=incoming.validated_data["id_number"],
        )
        person = selectors.people_visible_to(user=request.user).get(pk=person.pk)
        return Response(self.get_serializer(person).data)


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("status", str, enum=["valid", "expired", "revoked"], description="derived status today"),
            OpenApiParameter("number", str, description="exact certificate number"),
        ]
    )
)
class CertificateViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """Skill certificates: the holder, the issuer's staff, regulators (their region) and operators
    see them. Anyone verifies a number with `verify`."""

    serializer_class = serializers.CertificateSerializer
    filter_backends: list[type] = []
    lookup_value_regex = r"\d+"

    def get_permissions(self) -> list[Any]:
        if self.action == "verify":
            return [AllowAny()]
        return [IsAuthenticated()]

    def get_queryset(self) -> QuerySet[Certificate]:
        params = self.request.query_params
        return selectors.certificates_visible_to(
            user=self.request.user, status=params.get("status", ""), number=params.get("number", "")
        )

    @extend_schema(request=serializers.CertificateCreateSerializer, responses={201: serializers.CertificateSerializer})
    @idempotent
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Record a certificate: the holder is found in the pool by identity number, or added."""
        incoming = serializers.CertificateCreateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        certificate = services.certificate_record(
            actor=signed_in(request.user),
            issuer=_organisation(request, data["issuer"], field="issuer"),
            holder_name=data["holder_name"],
            id_number=data["id_number"],
            region_code=data["region"],
            skills=data["skills"],
            occupation=data["occupation"],
            level=data["level"],
            number=data["number"],
            issued_on=data["issued_on"],
            expires_on=data["expires_on"],
        )
        certificate = selectors.certificates_visible_to(user=request.user).get(pk=certificate.pk)
        return Response(self.get_serializer(certificate).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=serializers.ReasonSerializer, responses=serializers.CertificateSerializer)
    @action(detail=True, methods=["post"])
    def revoke(self, request: Request, pk: str | None = None) -> Response:
        incoming = serializers.ReasonSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        certificate = services.certificate_revoke(
            actor=signed_in(request.user), certificate=self.get_object(), reason=incoming.validated_data["reason"]
        )
        certificate = self.get_queryset().get(pk=certificate.pk)
        return Response(self.get_serializer(certificate).data)

    @extend_schema(
        parameters=[
            OpenApiParameter("number", str, required=True, description="certificate number as printed"),
            OpenApiParameter("issuer", str, description="issuer's credit code (the QR code carries it)"),
        ],
        responses={
            200: serializers.CertificateCheckSerializer(many=True),
            404: OpenApiResponse(description="no certificate has this number"),
        },
    )
    @action(detail=False, methods=["get"], pagination_class=None, filter_backends=[])
    def verify(self, request: Request) -> Response:
        """Public verification: the masked holder name, occupation, level, issuer and validity of
        every certificate with this number (numbers are unique per issuer only)."""
        incoming = serializers.VerifyQuerySerializer(data=request.query_params)
        incoming.is_valid(raise_exception=True)
        checks = selectors.certificates_verify(
            number=incoming.validated_data["number"], issuer_code=incoming.validated_data["issuer"]
        )
        if not checks:
            raise NotFound()
        return Response(serializers.CertificateCheckSerializer(checks, many=True).data)


EMPLOYMENT_PK = OpenApiParameter("employment_pk", int, OpenApiParameter.PATH)
RELATION_PK = OpenApiParameter("relation_pk", int, OpenApiParameter.PATH)


@extend_schema_view(
    list=extend_schema(parameters=[OpenApiParameter("status", str, enum=["pending", "approved", "suspended"])])
)
class ExpertViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    """The expert pool: operators see every expert, an expert their own record, others nothing."""

    serializer_class = serializers.ExpertSerializer
    permission_classes = [IsAuthenticated]
    filter_backends: list[type] = []
    lookup_value_regex = r"\d+"

    def get_queryset(self) -> QuerySet[Expert]:
        return selectors.experts_visible_to(
            user=self.request.user, status=self.request.query_params.get("status", ""), detailed=True
        )

    def _fresh(self, expert: Expert) -> Response:
        return Response(self.get_serializer(self.get_queryset().get(pk=expert.pk)).data)

    @extend_schema(request=serializers.ExpertApplySerializer, responses={201: serializers.ExpertSerializer})
    @idempotent
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Apply to the expert pool (the application waits for an operator)."""
        incoming = serializers.ExpertApplySerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        expert = services.expert_apply(
            user=signed_in(request.user),
            name=data["name"],
            id_number=data["id_number"],
            region_code=data["region"],
            modalities=data["modalities"],
            sectors=data["sectors"],
            employments=[
                services.EmploymentEntry(
                    organisation_code=row["organisation"],
                    role=row["role"],
                    started_on=row["started_on"],
                    ended_on=row["ended_on"],
                )
                for row in data["employments"]
            ],
            relations=[
                services.RelationEntry(organisation_code=row["organisation"], nature=row["nature"])
                for row in data["relations"]
            ],
        )
        response = self._fresh(expert)
        response.status_code = status.HTTP_201_CREATED
        return response

    @extend_schema(request=None, responses=serializers.ExpertSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str | None = None) -> Response:
        return self._fresh(services.expert_approve(actor=signed_in(request.user), expert=self.get_object()))

    @extend_schema(request=serializers.ReasonSerializer, responses=serializers.ExpertSerializer)
    @action(detail=True, methods=["post"])
    def suspend(self, request: Request, pk: str | None = None) -> Response:
        incoming = serializers.ReasonSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        expert = services.expert_suspend(
            actor=signed_in(request.user), expert=self.get_object(), reason=incoming.validated_data["reason"]
        )
        return self._fresh(expert)

    @extend_schema(request=serializers.AvailabilitySerializer, responses=serializers.ExpertSerializer)
    @action(detail=True, methods=["post"])
    def availability(self, request: Request, pk: str | None = None) -> Response:
        incoming = serializers.AvailabilitySerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        expert = services.expert_set_availability(
            actor=signed_in(request.user),
            expert=self.get_object(),
            available=incoming.validated_data["available"],
            unavailable_until=incoming.validated_data["unavailable_until"],
        )
        return self._fresh(expert)

    @extend_schema(request=serializers.EmploymentInputSerializer, responses={201: serializers.EmploymentSerializer})
    @action(detail=True, methods=["post"])
    def employments(self, request: Request, pk: str | None = None) -> Response:
        """Add a line of employment history (organisation by credit code)."""
        incoming = serializers.EmploymentInputSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        employment = services.expert_employment_add(
            actor=signed_in(request.user),
            expert=self.get_object(),
            organisation_code=data["organisation"],
            role=data["role"],
            started_on=data["started_on"],
            ended_on=data["ended_on"],
        )
        return Response(serializers.EmploymentSerializer(employment).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        methods=["PATCH"],
        parameters=[EMPLOYMENT_PK],
        request=serializers.EmploymentUpdateSerializer,
        responses=serializers.EmploymentSerializer,
    )
    @extend_schema(methods=["DELETE"], parameters=[EMPLOYMENT_PK], request=None, responses={204: None})
    @action(detail=True, methods=["patch", "delete"], url_path=r"employments/(?P<employment_pk>\d+)")
    def employment(self, request: Request, pk: str | None = None, employment_pk: str | None = None) -> Response:
        """Correct a line (typically its end date), or remove it: the expert only while pending."""
        employment = visible_or_404(self.get_object().employments.all(), pk=employment_pk)
        if request.method == "DELETE":
            services.expert_employment_remove(actor=signed_in(request.user), employment=employment)
            return Response(status=status.HTTP_204_NO_CONTENT)
        incoming = serializers.EmploymentUpdateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        employment = services.expert_employment_update(
            actor=signed_in(request.user),
            employment=employment,
            role=data["role"],
            started_on=data["started_on"],
            ended_on=data["ended_on"],
        )
        return Response(serializers.EmploymentSerializer(employment).data)

    @extend_schema(request=serializers.RelationInputSerializer, responses={201: serializers.RelationSerializer})
    @action(detail=True, methods=["post"])
    def relations(self, request: Request, pk: str | None = None) -> Response:
        """Declare a relation with an organisation (by credit code)."""
        incoming = serializers.RelationInputSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        relation = services.expert_relation_declare(
            actor=signed_in(request.user),
            expert=self.get_object(),
            organisation_code=incoming.validated_data["organisation"],
            nature=incoming.validated_data["nature"],
        )
        return Response(serializers.RelationSerializer(relation).data, status=status.HTTP_201_CREATED)

    @extend_schema(parameters=[RELATION_PK], request=None, responses={204: None})
    @action(detail=True, methods=["delete"], url_path=r"relations/(?P<relation_pk>\d+)")
    def relation(self, request: Request, pk: str | None = None, relation_pk: str | None = None) -> Response:
        """Withdraw a declared relation: the expert only while pending, operators always."""
        relation = visible_or_404(self.get_object().declared_relations.all(), pk=relation_pk)
        services.expert_relation_withdraw(actor=signed_in(request.user), relation=relation)
        return Response(status=status.HTTP_204_NO_CONTENT)
