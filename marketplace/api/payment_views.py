"""Milestone payments over the API (DESIGN §9).

`contracts/{id}/payments/` shows every milestone's payment to the contract's parties and its
observers (operators, regulators whose scope covers the tender); anyone else gets 404, as for a
missing contract, although the contract's summary is public. The writes go to one service each,
which decides who may act (403 otherwise): the buyer's staff authorise a card on an enterprise
order, the platform's operators (or the buyer's staff on a terminated contract) refund, and an
agency's staff record treasury transfers on a government contract.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from marketplace import selectors, services
from marketplace.api import payment_serializers as serializers
from marketplace.models import Contract
from marketplace.selectors.payments import contract_milestone_payment, contract_payments
from portal.errors import Conflict, NotFound
from portal.idempotency.decorators import idempotent
from portal.permissions import signed_in
from registry.api.serializers import parse

CONTRACT_PK = OpenApiParameter("contract_pk", int, OpenApiParameter.PATH, description="contract id")
MILESTONE_PK = OpenApiParameter("milestone_pk", int, OpenApiParameter.PATH, description="milestone id")
MILESTONE_PAYMENT = r"milestones/(?P<milestone_pk>[0-9]+)/payment"
# Errors answer the API's one shape, {"code", "message", "fields"}.
ERRORS = {
    400: OpenApiResponse(description="invalid input (`fields` names it)"),
    403: OpenApiResponse(description="you may see the contract but not do this"),
    404: OpenApiResponse(description="no such contract or milestone, or not one you may see"),
    409: OpenApiResponse(description="the payment's or the milestone's state does not allow this"),
}
STRIPE_ERRORS = {
    402: OpenApiResponse(description="the card was declined (`card_declined`); try another card"),
    503: OpenApiResponse(description="Stripe is not answering (`payments_unavailable`); nothing changed, try again"),
}


@extend_schema(parameters=[CONTRACT_PK])
class ContractPaymentViewSet(viewsets.GenericViewSet):
    """The payments of a contract's milestones: card payments (Stripe, held then captured) on
    enterprise orders, treasury transfers on government contracts, in one model."""

    permission_classes = [IsAuthenticated]
    filter_backends: list[type] = []
    pagination_class = None
    serializer_class = serializers.ContractPaymentsSerializer

    def _contract(self) -> Contract:
        """The contract, for its parties and observers; 404 for anyone else."""
        contract = selectors.contract_detail(user=self.request.user, pk=self.kwargs["contract_pk"])
        if not selectors.acceptance_side_of(user=self.request.user, contract=contract):
            raise NotFound()
        return contract

    def _milestone_pk(self) -> int:
        return int(self.kwargs["milestone_pk"])

    @extend_schema(responses={200: serializers.ContractPaymentsSerializer, 404: ERRORS[404]})
    @action(detail=False, methods=["get"])
    def payments(self, request: Request, contract_pk: str | None = None) -> Response:
        """Every milestone's payment: method, state, the amount paid by card or treasury and the
        part vouchers cover, what is held, captured (released to the supplier) and refunded, every
        entry, and `last_error` (a declined card; Stripe not answering while the portal retries)."""
        contract = selectors.contract_detail(user=request.user, pk=self.kwargs["contract_pk"])
        side, rows = contract_payments(user=request.user, contract=contract)
        body = {"contract": contract, "side": side, "milestones": rows}
        return Response(serializers.ContractPaymentsSerializer(body).data)

    @extend_schema(
        request=serializers.PaymentAuthoriseSerializer,
        responses={201: serializers.MilestonePaymentSerializer, **ERRORS, **STRIPE_ERRORS},
        parameters=[MILESTONE_PK],
    )
    @action(detail=False, methods=["post"], url_path=f"{MILESTONE_PAYMENT}/authorise", url_name="payment-authorise")
    @idempotent
    def authorise(self, request: Request, contract_pk: str | None = None, milestone_pk: str | None = None) -> Response:
        """Hold the milestone's amount (less what vouchers cover) on a card: the buyer's staff, on
        an enterprise order's signed contract. It is captured when the delivery is accepted (at
        once if it already was) and released if the milestone fails or the contract ends. A
        declined card answers 402 and may be tried again; Stripe not answering answers 503."""
        contract = self._contract()
        data = parse(serializers.PaymentAuthoriseSerializer, request.data)
        contract_milestone_payment(contract=contract, milestone_id=self._milestone_pk())
        actor = signed_in(request.user)
        services.milestone_payment_authorise(
            actor=actor, contract=contract, milestone_id=self._milestone_pk(), payment_method=data["payment_method"]
        )
        return self._row(contract, status.HTTP_201_CREATED)

    @extend_schema(
        request=serializers.PaymentRefundSerializer,
        responses={201: serializers.PaymentEntrySerializer, **ERRORS, **STRIPE_ERRORS},
        parameters=[MILESTONE_PK],
    )
    @action(detail=False, methods=["post"], url_path=f"{MILESTONE_PAYMENT}/refunds", url_name="payment-refunds")
    @idempotent
    def refunds(self, request: Request, contract_pk: str | None = None, milestone_pk: str | None = None) -> Response:
        """Give back part or all of a captured card payment: the platform's operators, or the
        buyer's staff once the contract is terminated. 409 beyond what was captured and not yet
        refunded."""
        contract = self._contract()
        data = parse(serializers.PaymentRefundSerializer, request.data)
        payment = contract_milestone_payment(contract=contract, milestone_id=self._milestone_pk())
        if payment is None:
            raise Conflict(_("Nothing has been paid on this milestone."))
        entry = services.milestone_payment_refund(
            actor=signed_in(request.user), payment=payment, amount_fen=data["amount_fen"], reason=data["reason"]
        )
        return Response(serializers.PaymentEntrySerializer(entry).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=serializers.TreasuryTransferSerializer,
        responses={201: serializers.PaymentEntrySerializer, **ERRORS},
        parameters=[MILESTONE_PK],
    )
    @action(detail=False, methods=["post"], url_path=f"{MILESTONE_PAYMENT}/transfers", url_name="payment-transfers")
    @idempotent
    def transfers(self, request: Request, contract_pk: str | None = None, milestone_pk: str | None = None) -> Response:
        """Record a treasury transfer (国库集中支付) for an accepted milestone of a government
        contract: the agency's staff. Transfers add up to at most the payment's amount; reaching it
        marks the payment captured. A voucher number is recorded once per milestone (409)."""
        contract = self._contract()
        data = parse(serializers.TreasuryTransferSerializer, request.data)
        contract_milestone_payment(contract=contract, milestone_id=self._milestone_pk())
        entry = services.treasury_transfer_record(
            actor=signed_in(request.user),
            contract=contract,
            milestone_id=self._milestone_pk(),
            amount_fen=data["amount_fen"],
            transfer_date=data["transferred_on"],
            voucher_number=data["voucher_number"],
        )
        return Response(serializers.PaymentEntrySerializer(entry).data, status=status.HTTP_201_CREATED)

    def _row(self, contract: Contract, status_code: int) -> Response:
        _side, rows = contract_payments(user=self.request.user, contract=contract, milestone_id=self._milestone_pk())
        return Response(serializers.MilestonePaymentSerializer(rows[0]).data, status=status_code)
