"""Vouchers over the API (DESIGN §6, §9): programmes, vouchers, redemptions, applications,
settlement claims and external orders.

Views parse, authorise, call one service or selector, and serialise. Who sees what is the
selectors' rule: programmes past their draft are public; a voucher is seen by its holder's staff,
the programme's officers and operators (`vouchers/` lists them all, `role` narrows it); a
redemption or claim also by the provider's staff. Anything else answers 404, like a missing object.
A voucher's code is shown only to the holder's staff and the programme's officers (operators and
providers see the voucher's id).

`POST vouchers/{code}/redemptions/` is the one write that is not a resource of the router: the
code (as printed, with dashes, in any case) names the voucher. Its idempotency is the service's,
kept on the redemption row, not `@idempotent`'s: a retry with the same `Idempotency-Key` answers
the first redemption (200, `Idempotent-Replayed: true`), the same key with another request 409.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from portal.api.parsers import LimitedJSONParser, SizeLimitedMultiPartParser
from portal.idempotency.decorators import KEY_PARAMETER, REPLAYED_HEADER, idempotent
from portal.idempotency.services import KEY_HEADER
from portal.permissions import AnyUser, signed_in
from registry.api.parsing import body_organisation, region_param
from registry.api.serializers import parse
from vouchers import selectors, services
from vouchers.api import serializers
from vouchers.models import Application, Programme, Redemption, SettlementClaim, Voucher

MULTIPART = "multipart/form-data"
# Errors answer the API's one shape, {"code", "message", "fields"}.
ERRORS = {
    400: OpenApiResponse(description="invalid input (`fields` names it)"),
    403: OpenApiResponse(description="you may see it but not do this"),
    404: OpenApiResponse(description="no such object, or not one you may see"),
    409: OpenApiResponse(description="its state does not allow this"),
}
REFUSALS = (
    "over_balance, over_cap, over_coverage, voucher_not_valid, programme_not_open, provider_not_eligible, "
    "related_party, second_programme, contract_not_active, payment_started"
)


class EvidenceParser(SizeLimitedMultiPartParser):
    limit_setting = "VOUCHER_EVIDENCE_MAX_BYTES"


def _code_readers(user: AnyUser) -> serializers.CodeReaders:
    return serializers.CodeReaders(
        holder_ids=frozenset(selectors.managed_organisations(user).values_list("pk", flat=True)),
        authority_ids=frozenset(selectors.officer_authorities(user).values_list("pk", flat=True)),
    )


# --- programmes ----------------------------------------------------------------------------


@extend_schema_view(list=extend_schema(parameters=[serializers.VoucherProgrammeFilterSerializer]))
class ProgrammeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Voucher programmes and their rules, public once opened (newest year first). A draft is seen
    only by its authority's officers and operators, by its id."""

    serializer_class = serializers.VoucherProgrammeSerializer
    permission_classes = [AllowAny]
    filter_backends: list[type] = []
    lookup_value_regex = "[0-9]+"

    def get_queryset(self) -> QuerySet[Programme]:
        if self.action != "list":
            return selectors.programmes_visible_to(user=self.request.user)
        params = parse(serializers.VoucherProgrammeFilterSerializer, self.request.query_params)
        region = region_param(self.request)
        programmes = selectors.programmes_public(
            kind=params["kind"], region_code=region.code if region is not None else "", state=params["state"]
        )
        return programmes.prefetch_related("providers")

    def get_object(self) -> Programme:
        return selectors.programme_visible(user=self.request.user, pk=self.kwargs["pk"])


# --- vouchers ------------------------------------------------------------------------------


@extend_schema_view(list=extend_schema(parameters=[serializers.VoucherFilterSerializer]))
class VoucherViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Vouchers with their balances, derived from the ledger: those of the organisations you act
    for (`role=holder`), of the programmes you run as an officer (`role=officer`), or both (no
    `role`); operators see every voucher. `code` is null unless you are the holder's staff or the
    programme's officer."""

    serializer_class = serializers.VoucherSerializer
    permission_classes = [IsAuthenticated]
    filter_backends: list[type] = []
    lookup_value_regex = "[0-9]+"

    def get_queryset(self) -> QuerySet[Voucher]:
        user = self.request.user
        if self.action != "list":
            return selectors.vouchers_visible_to(user=user)
        params = parse(serializers.VoucherFilterSerializer, self.request.query_params)
        if params["role"] == "holder":
            vouchers = selectors.vouchers_held_by(user=user)
        else:
            vouchers = selectors.vouchers_visible_to(user=user)
            if params["role"] == "officer":
                vouchers = vouchers.filter(programme__authority__in=selectors.officer_authorities(user))
        if params["state"]:
            vouchers = vouchers.filter(state=params["state"])
        if params["programme"] is not None:
            vouchers = vouchers.filter(programme_id=params["programme"])
        return vouchers

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "code_readers": _code_readers(self.request.user)}

    @extend_schema(responses=serializers.VoucherDetailSerializer)
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """The voucher and its history: every ledger movement of its balance, oldest first."""
        voucher = self.get_object()
        context = {**self.get_serializer_context(), "history": selectors.voucher_history(voucher)}
        return Response(serializers.VoucherDetailSerializer(voucher, context=context).data)


class VoucherRedeemApi(APIView):
    """Redeem part of a voucher against an exchange contract or an external order."""

    permission_classes = [IsAuthenticated]
    parser_classes = [LimitedJSONParser]

    @extend_schema(
        request=serializers.VoucherRedemptionCreateSerializer,
        responses={
            201: serializers.VoucherRedemptionSerializer,
            200: OpenApiResponse(
                serializers.VoucherRedemptionSerializer,
                description="a retry with the same Idempotency-Key: the first redemption, "
                "with the header `Idempotent-Replayed: true`",
            ),
            400: OpenApiResponse(
                description=f"invalid input (`fields` names it), or a rule refuses it (`code`: one of {REFUSALS})"
            ),
            404: OpenApiResponse(
                description="no voucher with this code can be used here: an unknown code, another holder's code "
                "and a contract or order you have no part in all answer the same"
            ),
            409: OpenApiResponse(description="this Idempotency-Key was already used for another request"),
        },
        parameters=[
            OpenApiParameter(
                "code",
                str,
                OpenApiParameter.PATH,
                description="the voucher's code as printed: dashes, spaces and case do not matter",
            ),
            KEY_PARAMETER,
        ],
    )
    def post(self, request: Request, code: str) -> Response:
        """The holder's staff redeem at once (`state` confirmed): the amount moves from the
        voucher's balance in the ledger. A provider's staff, with the code the holder gave them,
        make a request (`state` pending) that the holder confirms or declines
        (`voucher-redemptions/{id}/confirm/`). Every rule of the programme is checked under locks;
        a refusal answers 400 with the rule as `code`."""
        data = parse(serializers.VoucherRedemptionCreateSerializer, request.data)
        outcome = services.voucher_redeem(
            actor=signed_in(request.user),
            code=code,
            contract_id=data["contract"],
            order_id=data["order"],
            amount_fen=data["amount_fen"],
            idempotency_key=request.headers.get(KEY_HEADER, ""),
        )
        body = serializers.VoucherRedemptionSerializer(outcome.redemption).data
        if not outcome.replayed:
            return Response(body, status=status.HTTP_201_CREATED)
        response = Response(body, status=status.HTTP_200_OK)
        response[REPLAYED_HEADER] = "true"
        return response


# --- redemptions ---------------------------------------------------------------------------


@extend_schema_view(list=extend_schema(parameters=[serializers.VoucherRedemptionFilterSerializer]))
class RedemptionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Redemptions, newest first, for the holder's and the provider's staff, the programme's
    officers and operators. A provider's request waits (`pending`) for the holder's staff to
    confirm it (the rules run again then, and money moves) or decline it."""

    serializer_class = serializers.VoucherRedemptionSerializer
    permission_classes = [IsAuthenticated]
    filter_backends: list[type] = []
    lookup_value_regex = "[0-9]+"

    def get_queryset(self) -> QuerySet[Redemption]:
        user = self.request.user
        if self.action != "list":
            return selectors.redemptions_visible_to(user=user)
        params = parse(serializers.VoucherRedemptionFilterSerializer, self.request.query_params)
        role = params["role"]
        if role == "provider":
            redemptions = selectors.redemptions_received(user=user)
        else:
            redemptions = selectors.redemptions_visible_to(user=user)
        if role == "holder":
            redemptions = redemptions.filter(holder__in=selectors.managed_organisations(user))
        elif role == "officer":
            redemptions = redemptions.filter(programme__authority__in=selectors.officer_authorities(user))
        if params["state"]:
            redemptions = redemptions.filter(state=params["state"])
        return redemptions

    def _answer(self, redemption: Redemption) -> Response:
        return Response(self.get_serializer(self.get_queryset().get(pk=redemption.pk)).data)

    @extend_schema(request=None, responses={200: serializers.VoucherRedemptionSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def confirm(self, request: Request, pk: str | None = None) -> Response:
        """Confirm a provider's request (the holder's staff): 400 with the rule's `code` when a rule
        refuses it now, 409 unless it is pending."""
        redemption = services.redemption_confirm(actor=signed_in(request.user), redemption=self.get_object())
        return self._answer(redemption)

    @extend_schema(request=None, responses={200: serializers.VoucherRedemptionSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def decline(self, request: Request, pk: str | None = None) -> Response:
        """Decline a provider's request (the holder's staff); 409 unless it is pending."""
        redemption = services.redemption_decline(actor=signed_in(request.user), redemption=self.get_object())
        return self._answer(redemption)


# --- applications --------------------------------------------------------------------------


@extend_schema_view(list=extend_schema(parameters=[serializers.VoucherApplicationFilterSerializer]))
class ApplicationViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """Applications (申领) for vouchers, newest first: your organisations' and those to the
    programmes you run. An organisation's staff apply with evidence; officers review them on the
    portal's pages."""

    serializer_class = serializers.VoucherApplicationSerializer
    permission_classes = [IsAuthenticated]
    parser_classes = [LimitedJSONParser, EvidenceParser]
    filter_backends: list[type] = []
    lookup_value_regex = "[0-9]+"

    def get_queryset(self) -> QuerySet[Application]:
        applications = selectors.applications_visible_to(user=self.request.user).select_related("voucher")
        if self.action != "list":
            return applications
        params = parse(serializers.VoucherApplicationFilterSerializer, self.request.query_params)
        if params["state"]:
            applications = applications.filter(state=params["state"])
        if params["programme"] is not None:
            applications = applications.filter(programme_id=params["programme"])
        return applications

    @extend_schema(
        request={MULTIPART: serializers.VoucherApplicationCreateSerializer},
        responses={201: serializers.VoucherApplicationSerializer, **ERRORS},
    )
    @idempotent
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Apply for a voucher of an open programme, for an organisation you act for (403
        otherwise). 409 when the programme takes no applications, does not admit the organisation,
        or already has its application awaiting review."""
        data = parse(serializers.VoucherApplicationCreateSerializer, request.data)
        programme = selectors.programmes_visible_to(user=request.user).filter(pk=data["programme"]).first()
        if programme is None:
            raise ValidationError({"programme": [_("Unknown programme.")]})
        application = services.application_submit(
            actor=signed_in(request.user),
            programme=programme,
            applicant=body_organisation(request.user, data["applicant"], field="applicant"),
            requested_fen=data["requested_fen"],
            purpose=data["purpose"],
            evidence=data["evidence"],
        )
        body = self.get_serializer(self.get_queryset().get(pk=application.pk)).data
        return Response(body, status=status.HTTP_201_CREATED)


# --- settlement claims ---------------------------------------------------------------------


@extend_schema_view(list=extend_schema(parameters=[serializers.VoucherClaimFilterSerializer]))
class ClaimViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    """Settlement claims (兑付), newest first, for the holder's and the provider's staff, the
    programme's officers and operators. Officers review and disburse them on the portal's pages."""

    serializer_class = serializers.VoucherClaimSerializer
    permission_classes = [IsAuthenticated]
    parser_classes = [LimitedJSONParser, EvidenceParser]
    filter_backends: list[type] = []
    lookup_value_regex = "[0-9]+"

    def get_queryset(self) -> QuerySet[SettlementClaim]:
        claims = selectors.claims_visible_to(user=self.request.user)
        if self.action != "list":
            return claims
        params = parse(serializers.VoucherClaimFilterSerializer, self.request.query_params)
        return claims.filter(state=params["state"]) if params["state"] else claims

    @extend_schema(
        request={MULTIPART: serializers.VoucherClaimCreateSerializer},
        responses={201: serializers.VoucherClaimSerializer, **ERRORS},
    )
    @idempotent
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Claim settlement of a confirmed redemption, with evidence: the holder's or the provider's
        staff (403 otherwise), once the contract is fully paid (409 before, and when the redemption
        already has a live claim)."""
        data = parse(serializers.VoucherClaimCreateSerializer, request.data)
        redemption = selectors.redemptions_visible_to(user=request.user).filter(pk=data["redemption"]).first()
        if redemption is None:
            raise ValidationError({"redemption": [_("Unknown redemption.")]})
        claim = services.claim_submit(
            actor=signed_in(request.user), redemption=redemption, evidence=data["evidence"], note=data["note"]
        )
        body = self.get_serializer(self.get_queryset().get(pk=claim.pk)).data
        return Response(body, status=status.HTTP_201_CREATED)


# --- external orders -----------------------------------------------------------------------


class ExternalOrderViewSet(mixins.CreateModelMixin, viewsets.GenericViewSet):
    """Orders placed outside the exchange (compute rented from a provider…), recorded by the
    holder's staff so that a voucher can pay part of one (`vouchers/{code}/redemptions/` with
    `order`)."""

    serializer_class = serializers.VoucherOrderSerializer
    permission_classes = [IsAuthenticated]
    filter_backends: list[type] = []

    @extend_schema(
        request=serializers.VoucherOrderCreateSerializer,
        responses={201: serializers.VoucherOrderSerializer, **ERRORS},
    )
    @idempotent
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Record an order for an organisation you act for (403 otherwise); the provider is named
        by its credit code and must be registered on the portal."""
        data = parse(serializers.VoucherOrderCreateSerializer, request.data)
        order = services.external_order_record(
            actor=signed_in(request.user),
            holder=body_organisation(request.user, data["holder"], field="holder"),
            provider_credit_code=data["provider"],
            description=data["description"],
            value_fen=data["value_fen"],
            ordered_on=data["ordered_on"],
        )
        return Response(self.get_serializer(order).data, status=status.HTTP_201_CREATED)
