"""The tender exchange over the API: catalogue, tenders, clarifications and sealed bids.

Views parse, authorise, call one service or selector, and serialise. Before the opening a bid's
price and documents leave the server only through `bids/<id>/sealed-content/`, to the bidder's own
staff (`selectors.bid_sealed_content_for_bidder`).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from marketplace import selectors, services
from marketplace.api import serializers
from marketplace.models import Bid, CatalogueEntry, Clarification, Tender
from portal.api.parsers import LimitedJSONParser
from portal.errors import Conflict
from portal.idempotency.decorators import idempotent
from portal.permissions import AnyUser, signed_in
from registry.api.parsing import body_organisation, int_param, region_param
from registry.api.serializers import parse

MULTIPART = "multipart/form-data"


def _tender_reference(user: AnyUser, pk: int) -> Tender:
    """A tender named in a request body or query; one the user may not see is as unknown as a
    missing one (400 on the field)."""
    tender = selectors.tenders_visible_to(user=user).filter(pk=pk).first()
    if tender is None:
        raise ValidationError({"tender": [_("Unknown tender.")]})
    return tender


def _spec(data: dict[str, Any]) -> services.TenderSpec:
    return services.TenderSpec(
        title=data["title"],
        description=data["description"],
        procedure=data["procedure"],
        evaluation_method=data["evaluation_method"],
        sector=data["sector"],
        deadline=data["deadline"],
        lots=[services.LotSpec(**lot) for lot in data["lots"]],
        milestones=[services.MilestoneSpec(**milestone) for milestone in data["milestones"]],
        price_weight_bp=data["price_weight_bp"],
        technical_weight_bp=data["technical_weight_bp"],
        business_weight_bp=data["business_weight_bp"],
        acceptance_aql=data["acceptance_aql"],
        region_code=data["region"],
        catalogue_entry_id=data["catalogue_entry"],
    )


@extend_schema_view(list=extend_schema(parameters=[serializers.CatalogueFilterSerializer]))
class CatalogueEntryViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """The public data annotation catalogue (公共数据标注目录): public; an agency's staff publish and
    edit its entries."""

    serializer_class = serializers.CatalogueEntrySerializer
    filter_backends: list[type] = []
    http_method_names = ["get", "post", "patch", "head", "options"]
    lookup_value_regex = "[0-9]+"

    def get_queryset(self) -> QuerySet[CatalogueEntry]:
        if self.action != "list":
            return selectors.catalogue_entries()
        params = parse(serializers.CatalogueFilterSerializer, self.request.query_params)
        agency = params["agency"]
        return selectors.catalogue_entries(
            text=params["q"],
            sector=params["sector"],
            modality=params["modality"],
            openness=params["openness"],
            agency=body_organisation(self.request.user, agency, field="agency") if agency is not None else None,
        )

    @extend_schema(
        request=serializers.CatalogueEntryCreateSerializer, responses={201: serializers.CatalogueEntrySerializer}
    )
    @idempotent
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = parse(serializers.CatalogueEntryCreateSerializer, request.data)
        agency = body_organisation(request.user, data.pop("agency"), field="agency")
        entry = services.catalogue_entry_create(actor=signed_in(request.user), agency=agency, **data)
        return Response(self.get_serializer(entry).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=serializers.CatalogueEntryFieldsSerializer, responses=serializers.CatalogueEntrySerializer)
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        entry = self.get_object()
        incoming = serializers.CatalogueEntryFieldsSerializer(data=request.data, partial=True)
        incoming.is_valid(raise_exception=True)
        entry = services.catalogue_entry_update(actor=signed_in(request.user), entry=entry, **incoming.validated_data)
        return Response(self.get_serializer(entry).data)


@extend_schema_view(
    list=extend_schema(parameters=[serializers.TenderFilterSerializer]),
    retrieve=extend_schema(responses=serializers.TenderDetailSerializer),
)
class TenderViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Tenders: published ones are public, drafts only to the buyer's members. The buyer's staff
    draft (POST, PUT), attach documents, publish, amend, cancel and re-tender; the opening list is
    public once the bids have been opened."""

    filter_backends: list[type] = []
    http_method_names = ["get", "post", "put", "delete", "head", "options"]
    lookup_value_regex = "[0-9]+"

    def get_queryset(self) -> QuerySet[Tender]:
        if self.action != "list":
            return selectors.tenders_visible_to(user=self.request.user)
        params = parse(serializers.TenderFilterSerializer, self.request.query_params)
        buyer = params["buyer"]
        filters = selectors.TenderFilters(
            text=params["q"],
            region=region_param(self.request),
            sector=params["sector"],
            modality=params["modality"],
            budget_min_fen=params["budget_min_fen"],
            budget_max_fen=params["budget_max_fen"],
            states=tuple(params["state"]),
            deadline_after=params["deadline_after"],
            deadline_before=params["deadline_before"],
            buyer=body_organisation(self.request.user, buyer, field="buyer") if buyer is not None else None,
        )
        return selectors.tender_search(user=self.request.user, filters=filters)

    def get_serializer_class(self) -> type[serializers.TenderSummarySerializer]:
        return serializers.TenderSummarySerializer if self.action == "list" else serializers.TenderDetailSerializer

    def _tender(self) -> Tender:
        return selectors.tender_detail(user=self.request.user, pk=self.kwargs["pk"])

    def _detail(self, tender: Tender, *, status_code: int = status.HTTP_200_OK) -> Response:
        tender = selectors.tender_detail(user=self.request.user, pk=tender.pk)
        return Response(self.get_serializer(tender).data, status=status_code)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self._detail(self._tender())

    @extend_schema(request=serializers.TenderCreateSerializer, responses={201: serializers.TenderDetailSerializer})
    @idempotent
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """A draft, seen only by the buyer's members until it is published."""
        data = parse(serializers.TenderCreateSerializer, request.data)
        buyer = body_organisation(request.user, data["buyer"], field="buyer")
        tender = services.tender_create(actor=signed_in(request.user), buyer=buyer, spec=_spec(data))
        return self._detail(tender, status_code=status.HTTP_201_CREATED)

    @extend_schema(request=serializers.TenderSpecSerializer, responses=serializers.TenderDetailSerializer)
    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Replace a draft's whole specification."""
        tender = self._tender()
        data = parse(serializers.TenderSpecSerializer, request.data)
        tender = services.tender_update(actor=signed_in(request.user), tender=tender, spec=_spec(data))
        return self._detail(tender)

    @extend_schema(
        request={MULTIPART: serializers.TenderDocumentUploadSerializer},
        responses={201: serializers.TenderDocumentSerializer},
    )
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser])
    def documents(self, request: Request, pk: str | None = None) -> Response:
        """Attach a file to a draft (a published tender changes its documents by amendment)."""
        tender = self._tender()
        data = parse(serializers.TenderDocumentUploadSerializer, request.data)
        document = services.tender_document_add(
            actor=signed_in(request.user), tender=tender, title=data["title"], upload=data["file"]
        )
        body = serializers.TenderDocumentSerializer(document, context=self.get_serializer_context()).data
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=None,
        responses={204: None},
        parameters=[OpenApiParameter("document_pk", int, OpenApiParameter.PATH, description="tender document id")],
    )
    @action(detail=True, methods=["delete"], url_path=r"documents/(?P<document_pk>[0-9]+)")
    def document_remove(self, request: Request, pk: str | None = None, document_pk: str | None = None) -> Response:
        """Remove a file from a draft."""
        document = selectors.tender_document_for(
            user=request.user, tender_pk=self.kwargs["pk"], document_pk=self.kwargs["document_pk"]
        )
        services.tender_document_remove(actor=signed_in(request.user), tender=document.tender, document_id=document.pk)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses=serializers.TenderDetailSerializer)
    @action(detail=True, methods=["post"])
    def publish(self, request: Request, pk: str | None = None) -> Response:
        """Open the draft for bids; the procedure's shortest bid period counts from now."""
        tender = services.tender_publish(actor=signed_in(request.user), tender=self._tender())
        return self._detail(tender)

    @extend_schema(request={MULTIPART: serializers.TenderAmendSerializer}, responses=serializers.TenderDetailSerializer)
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser])
    def amend(self, request: Request, pk: str | None = None) -> Response:
        """Change the documents (new files, superseded ids) or the deadline of a tender taking bids.
        Bidders must confirm their bids again."""
        tender = self._tender()
        data = parse(serializers.TenderAmendSerializer, request.data)
        try:
            services.tender_amend(
                actor=signed_in(request.user),
                tender=tender,
                rationale=data["rationale"],
                documents=[("", upload) for upload in data["documents"]],
                superseded_ids=data["superseded"],
                deadline=data["deadline"],
            )
        except ValidationError as error:
            renamed = {{"file": "documents", "title": "documents"}.get(k, k): v for k, v in error.message_dict.items()}
            raise ValidationError(renamed) from error
        return self._detail(tender)

    @extend_schema(request=serializers.TenderCancelSerializer, responses=serializers.TenderDetailSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        tender = self._tender()
        data = parse(serializers.TenderCancelSerializer, request.data)
        tender = services.tender_cancel(actor=signed_in(request.user), tender=tender, reason=data["reason"])
        return self._detail(tender)

    @extend_schema(request=serializers.TenderRetenderSerializer, responses={201: serializers.TenderDetailSerializer})
    @action(detail=True, methods=["post"])
    def retender(self, request: Request, pk: str | None = None) -> Response:
        """Publish a copy of a failed tender with a new deadline; answers the new tender."""
        tender = self._tender()
        data = parse(serializers.TenderRetenderSerializer, request.data)
        copy = services.tender_retender(actor=signed_in(request.user), tender=tender, deadline=data["deadline"])
        return self._detail(copy, status_code=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=serializers.OpeningRowSerializer(many=True))
    @action(detail=True, methods=["get"])
    def opening(self, request: Request, pk: str | None = None) -> Response:
        """The opening record (bidder, lot, price, valid or not), public once the bids are opened;
        409 before."""
        tender = self._tender()
        if not tender.opened:
            raise Conflict(
                _("The bids of this tender have not been opened yet: the opening list appears at the opening.")
            )
        rows = selectors.opening_list(tender=tender)
        return Response(serializers.OpeningRowSerializer(rows, many=True).data)


@extend_schema_view(
    list=extend_schema(parameters=[OpenApiParameter("tender", int, required=True, description="tender id")])
)
class ClarificationViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """Questions on a tender (澄清/答疑). Answered ones are public; an unanswered one is seen by the
    buyer and the asking organisation. No answer names the asker. Verified vendors' staff ask; the
    buyer's staff answer."""

    serializer_class = serializers.ClarificationSerializer
    filter_backends: list[type] = []
    lookup_value_regex = "[0-9]+"

    def get_queryset(self) -> QuerySet[Clarification]:
        tender_pk = int_param(self.request, "tender")
        if tender_pk is None:
            raise ValidationError({"tender": [_("Choose the tender whose questions to list.")]})
        tender = _tender_reference(self.request.user, tender_pk)
        return selectors.clarifications_visible_to(user=self.request.user, tender=tender)

    def get_object(self) -> Clarification:
        return selectors.clarification_for(user=self.request.user, pk=self.kwargs["pk"])

    @extend_schema(request=serializers.ClarificationAskSerializer, responses={201: serializers.ClarificationSerializer})
    @idempotent
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = parse(serializers.ClarificationAskSerializer, request.data)
        clarification = services.clarification_ask(
            actor=signed_in(request.user),
            tender=_tender_reference(request.user, data["tender"]),
            vendor=body_organisation(request.user, data["vendor"], field="vendor"),
            question=data["question"],
        )
        return Response(self.get_serializer(clarification).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=serializers.ClarificationAnswerSerializer, responses=serializers.ClarificationSerializer)
    @action(detail=True, methods=["post"])
    def answer(self, request: Request, pk: str | None = None) -> Response:
        """Publish the answer (the buyer's staff)."""
        clarification = self.get_object()
        data = parse(serializers.ClarificationAnswerSerializer, request.data)
        clarification = services.clarification_answer(
            actor=signed_in(request.user), clarification=clarification, answer=data["answer"]
        )
        return Response(self.get_serializer(clarification).data)


class BidViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Your organisations' sealed bids (vendor staff). Receipts only: the price and documents are
    sealed until the opening; `sealed-content` shows them to the bidder alone, and after the
    opening the bid itself does. Anyone else, operators included, gets 404."""

    serializer_class = serializers.BidReceiptSerializer
    permission_classes = [IsAuthenticated]
    parser_classes = [LimitedJSONParser, MultiPartParser]
    filter_backends: list[type] = []
    lookup_value_regex = "[0-9]+"

    def get_queryset(self) -> QuerySet[Bid]:
        return selectors.bids_of(user=self.request.user)

    @extend_schema(responses=serializers.OpenedBidSerializer)
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """The receipt; after the opening also the price and the documents' names and hashes."""
        bid = self.get_object()
        presenter = serializers.OpenedBidSerializer if bid.opened_at is not None else serializers.BidReceiptSerializer
        return Response(presenter(bid).data)

    @extend_schema(
        request={
            "application/json": serializers.BidSubmitSerializer,
            MULTIPART: serializers.BidSubmitMultipartSerializer,
        },
        responses={201: serializers.BidReceiptSerializer},
        description=(
            "Seal and submit a bid on one lot; a bid your organisation already has on the lot is withdrawn. "
            "The server's clock decides: after the deadline the answer is 409 `deadline_passed`. Only "
            "verified vendors bid (403 otherwise). The answer is the receipt, never the price."
        ),
    )
    @idempotent
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if request.content_type.startswith(MULTIPART):
            data = parse(serializers.BidSubmitMultipartSerializer, request.data)
            documents = [
                services.BidDocumentInput(
                    name=upload.name or "", content=upload.read(), media_type=upload.content_type or ""
                )
                for upload in data["documents"]
            ]
        else:
            data = parse(serializers.BidSubmitSerializer, request.data)
            documents = [
                services.BidDocumentInput(name=d["name"], content=d["content_base64"], media_type=d["media_type"])
                for d in data["documents"]
            ]
        tender = _tender_reference(request.user, data["tender"])
        lot = tender.lots.filter(pk=data["lot"]).first()
        if lot is None:
            raise ValidationError({"lot": [_("Choose one of the tender's lots.")]})
        bid = services.bid_submit(
            actor=signed_in(request.user),
            tender=tender,
            lot=lot,
            vendor=body_organisation(request.user, data["vendor"], field="vendor"),
            price_fen=data["price_fen"],
            documents=documents,
        )
        return Response(self.get_serializer(bid).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=serializers.BidReceiptSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: str | None = None) -> Response:
        """Withdraw the bid before the deadline."""
        bid = services.bid_withdraw(actor=signed_in(request.user), bid=self.get_object())
        return Response(self.get_serializer(bid).data)

    @extend_schema(request=None, responses=serializers.BidReceiptSerializer)
    @action(detail=True, methods=["post"])
    def confirm(self, request: Request, pk: str | None = None) -> Response:
        """Confirm the bid stands under the amended tender documents."""
        bid = services.bid_confirm(actor=signed_in(request.user), bid=self.get_object())
        return Response(self.get_serializer(bid).data)

    @extend_schema(request=None, responses=serializers.SealedContentSerializer)
    @action(detail=True, methods=["get"], url_path="sealed-content")
    def sealed_content(self, request: Request, pk: str | None = None) -> Response:
        """The price and documents the bidder sealed, decrypted for the bidder's own staff only."""
        content = selectors.bid_sealed_content_for_bidder(user=request.user, bid=self.get_object())
        return Response(serializers.SealedContentSerializer(content).data)
