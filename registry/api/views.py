from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated, IsAuthenticatedOrReadOnly
from rest_framework.request import Request
from rest_framework.response import Response

from portal.idempotency.decorators import KEY_PARAMETER, idempotent
from portal.permissions import signed_in, visible_or_404
from registry import selectors, services
from registry.api import serializers
from registry.api.parsing import region_param
from registry.models import Membership, Organisation, Region


class RegionViewSet(viewsets.ReadOnlyModelViewSet):
    """GB/T 2260 administrative divisions. Filter with `level` and `parent`."""

    queryset = Region.objects.all()
    serializer_class = serializers.RegionSerializer
    filterset_fields = ["level", "parent"]
    permission_classes: list[type] = []


@extend_schema_view(
    list=extend_schema(parameters=[serializers.OrganisationFilterSerializer]),
    retrieve=extend_schema(responses=serializers.OrganisationProfileSerializer),
)
class OrganisationViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """Organisations: verified ones are public; unverified ones answer 404 except to members and
    operators. The list shows verified organisations unless `include_unverified` is set.

    Managing staff (and operators) change the profile, shareholders and declared relations; only
    operators verify, reject and see related parties."""

    serializer_class = serializers.OrganisationSerializer
    filter_backends: list[type] = []
    lookup_value_regex = "[0-9]+"

    def get_queryset(self) -> QuerySet[Organisation]:
        if self.action != "list":
            return selectors.organisations_visible_to(user=self.request.user)
        params = serializers.parse(serializers.OrganisationFilterSerializer, self.request.query_params)
        return selectors.organisation_search(
            user=self.request.user,
            kind=params["kind"],
            region=region_param(self.request),
            text=params["q"],
            modality=params["modality"],
            sector=params["sector"],
            include_unverified=params["include_unverified"],
        )

    def get_permissions(self) -> list[Any]:
        if self.action in {"list", "retrieve"}:
            return []
        if self.action == "shareholders":
            return [IsAuthenticatedOrReadOnly()]
        return [IsAuthenticated()]

    def _profile(self) -> Organisation:
        return selectors.organisation_profile(user=self.request.user, pk=self.kwargs["pk"])

    def _profile_response(self, organisation: Organisation, *, status_code: int = status.HTTP_200_OK) -> Response:
        organisation = selectors.organisation_profile(user=self.request.user, pk=organisation.pk)
        member_view = selectors.sees_member_details(user=self.request.user, organisation=organisation)
        body = serializers.OrganisationProfileSerializer(organisation, context={"member_view": member_view}).data
        return Response(body, status=status_code)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._profile_response(self._profile())

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

    @extend_schema(
        request=serializers.OrganisationProfileUpdateSerializer, responses=serializers.OrganisationProfileSerializer
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Change the profile (managing staff, operators). Changing the name, region or legal
        representative of a verified organisation sends it back to `submitted`."""
        organisation = self._profile()
        data = serializers.parse(serializers.OrganisationProfileUpdateSerializer, request.data)
        changes: dict[str, Any] = {field: data[field] for field in PROFILE_FIELDS if field in data}
        if "region" in data:
            changes["region_code"] = data["region"]
        if "registered_capital_yuan" in data:
            changes["registered_capital_fen"] = data["registered_capital_yuan"]
        if data.get("legal_representative_id_number"):
            changes["legal_representative_id_number"] = data["legal_representative_id_number"]
        if "capabilities" in data:
            changes["capabilities"] = {row["modality"]: row["daily_capacity"] for row in data["capabilities"]}
        updated = services.organisation_update_profile(
            actor=signed_in(request.user), organisation=organisation, **changes
        )
        return self._profile_response(updated)

    @extend_schema(request=None, responses=serializers.OrganisationProfileSerializer)
    @action(detail=True, methods=["post"])
    def verify(self, request: Request, pk: str | None = None) -> Response:
        organisation = services.organisation_verify(actor=signed_in(request.user), organisation=self._profile())
        return self._profile_response(organisation)

    @extend_schema(request=serializers.RejectSerializer, responses=serializers.OrganisationProfileSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk: str | None = None) -> Response:
        organisation = self._profile()
        data = serializers.parse(serializers.RejectSerializer, request.data)
        organisation = services.organisation_reject(
            actor=signed_in(request.user), organisation=organisation, reason=data["reason"]
        )
        return self._profile_response(organisation)

    @extend_schema(request=None, responses=serializers.OrganisationProfileSerializer)
    @action(detail=True, methods=["post"])
    def resubmit(self, request: Request, pk: str | None = None) -> Response:
        """Send a rejected registration back to the operators (managing staff, operators)."""
        organisation = services.organisation_resubmit(actor=signed_in(request.user), organisation=self._profile())
        return self._profile_response(organisation)

    @extend_schema(methods=["GET"], request=None, responses=serializers.ShareholderListSerializer)
    @extend_schema(
        methods=["PUT"],
        request=serializers.ShareholderReplaceSerializer,
        responses=serializers.ShareholderListSerializer,
        description=(
            "Replace the list. Row errors are named `shareholders.<index>.<field>`; a holder listed twice "
            "or a total over 100 % on `shareholders`."
        ),
    )
    @action(detail=True, methods=["get", "put"])
    def shareholders(self, request: Request, pk: str | None = None) -> Response:
        """The organisation's shareholders; person holders' names are masked except to members and
        operators, and their identity numbers never leave the server."""
        organisation = self._profile()
        if request.method == "PUT":
            data = serializers.parse(serializers.ShareholderReplaceSerializer, request.data)
            try:
                services.organisation_set_shareholders(
                    actor=signed_in(request.user),
                    organisation=organisation,
                    shareholders=[
                        services.ShareholderInput(
                            holder_kind=row["holder_kind"],
                            name=row["name"],
                            share_bp=row["share_bp"],
                            credit_code=row["credit_code"],
                            id_number=row["id_number"],
                            existing=row["id"],
                        )
                        for row in data["shareholders"]
                    ],
                )
            except ValidationError as error:
                raise ValidationError(
                    {key.replace(".existing", ".id"): value for key, value in error.message_dict.items()}
                ) from error
            organisation = self._profile()
        holders = list(organisation.shareholders.all())
        member_view = selectors.sees_member_details(user=request.user, organisation=organisation)
        body = {
            "shareholders": serializers.ShareholderSerializer(
                holders, many=True, context={"member_view": member_view}
            ).data,
            "total_bp": sum(holder.share_bp for holder in holders),
        }
        return Response(body)

    @extend_schema(methods=["GET"], request=None, responses=serializers.DeclaredRelationSerializer(many=True))
    @extend_schema(
        methods=["POST"],
        request=serializers.RelationDeclareSerializer,
        responses={201: serializers.DeclaredRelationSerializer},
        parameters=[KEY_PARAMETER],
    )
    @action(detail=True, methods=["get", "post"])
    def relations(self, request: Request, pk: str | None = None) -> Response:
        """Relations declared by or about the organisation: for its members and operators (others get
        404). Managing staff and operators declare new ones."""
        if request.method == "POST":
            return self._relation_declare(request)
        organisation = self._profile()
        relations = selectors.declared_relations_of(user=request.user, organisation=organisation)
        return Response(serializers.DeclaredRelationSerializer(relations, many=True).data)

    @idempotent
    def _relation_declare(self, request: Request) -> Response:
        organisation = self._profile()
        selectors.declared_relations_of(user=request.user, organisation=organisation)  # 404 to outsiders
        data = serializers.parse(serializers.RelationDeclareSerializer, request.data)
        related = selectors.organisation_for_relation(
            user=request.user, credit_code_value=data["related_credit_code"], field="related_credit_code"
        )
        try:
            relation = services.relation_declare(
                actor=signed_in(request.user),
                organisation=organisation,
                related_organisation=related,
                nature=data["nature"],
            )
        except ValidationError as error:
            raise ValidationError(
                {{"related_organisation": "related_credit_code"}.get(k, k): v for k, v in error.message_dict.items()}
            ) from error
        return Response(serializers.DeclaredRelationSerializer(relation).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=None,
        responses={204: None},
        parameters=[OpenApiParameter("relation_pk", int, OpenApiParameter.PATH, description="declared relation id")],
    )
    @action(detail=True, methods=["delete"], url_path=r"relations/(?P<relation_pk>[0-9]+)")
    def relation_withdraw(self, request: Request, pk: str | None = None, relation_pk: str | None = None) -> Response:
        """Withdraw a relation this organisation declared (its managing staff, operators)."""
        organisation = self._profile()
        relations = selectors.declared_relations_of(user=request.user, organisation=organisation)
        relation = visible_or_404(relations, pk=relation_pk)
        services.relation_withdraw(actor=signed_in(request.user), relation=relation)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses=serializers.RelatedPartySerializer(many=True))
    @action(detail=True, methods=["get"], url_path="related-parties")
    def related_parties(self, request: Request, pk: str | None = None) -> Response:
        """Operators only: every organisation related to this one, with the reasons (same legal
        representative, holdings of 5 % or more, declared relations)."""
        rows = selectors.related_parties_for_operator(user=request.user, organisation=self._profile())
        return Response(serializers.RelatedPartySerializer(rows, many=True).data)


PROFILE_FIELDS = (
    "name",
    "legal_representative",
    "registered_capital_fen",
    "founded_on",
    "address",
    "size_class",
    "annotator_headcount",
    "iso27001_certified",
    "mlps_level",
    "description",
    "sectors",
)


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
