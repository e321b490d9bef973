"""The tender exchange over the API: catalogue, tenders, clarifications and sealed bids.

Views parse, authorise, call one service or selector, and serialise. Before the opening a bid's
price and documents leave the server only through `bids/<id>/sealed-content/`, to the bidder's own
staff (`selectors.bid_sealed_content_for_bidder`).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import FileResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from marketplace import selectors, services
from marketplace.api import serializers
from marketplace.models import (
    AcceptancePlan,
    Bid,
    CatalogueEntry,
    Challenge,
    Clarification,
    CommitteeMember,
    Contract,
    Delivery,
    SavedSearch,
    Tender,
)
from marketplace.selectors.acceptance import BUYER, SUPPLIER
from marketplace.states import TenderState
from portal.api.parsers import LimitedJSONParser, SizeLimitedMultiPartParser
from portal.errors import Conflict, NotFound, PermissionDenied
from portal.idempotency.decorators import KEY_PARAMETER, idempotent
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


class SavedSearchViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Your saved searches of the tenders (at most 20): each new tender one finds notifies you in
    the portal and by e-mail. Nobody sees anyone else's."""

    serializer_class = serializers.SavedSearchSerializer
    permission_classes = [IsAuthenticated]
    filter_backends: list[type] = []
    lookup_value_regex = "[0-9]+"

    def get_queryset(self) -> QuerySet[SavedSearch]:
        return selectors.saved_searches_of(user=self.request.user)

    @extend_schema(request=serializers.SavedSearchCreateSerializer, responses={201: serializers.SavedSearchSerializer})
    @idempotent
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = parse(serializers.SavedSearchCreateSerializer, request.data)
        search = services.saved_search_create(
            actor=signed_in(request.user),
            name=data["name"],
            text=data["text"],
            region_code=data["region"],
            sector=data["sector"],
            modality=data["modality"],
            budget_min_fen=data["budget_min_fen"],
            budget_max_fen=data["budget_max_fen"],
        )
        return Response(self.get_serializer(search).data, status=status.HTTP_201_CREATED)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        services.saved_search_delete(actor=signed_in(request.user), saved_search_id=int(self.kwargs["pk"]))
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- scoring: the expert's score sheet and the committee report --------------------------------

TENDER_PK = OpenApiParameter("tender_pk", int, OpenApiParameter.PATH, description="tender id")


@extend_schema(parameters=[TENDER_PK])
class TenderEvaluationViewSet(viewsets.GenericViewSet):
    """The scoring of a tender by its evaluation committee.

    `score-sheet/`: a committee member's own sheet for the current round (404 for anyone else; 409
    while the invitation is unanswered). Scores are hidden from the other members and the buyer
    until every member has submitted. `committee-report/`: every member's scores and the results
    of a concluded round, for the members, the buyer's staff, operators and regulators whose scope
    covers the tender (404 for anyone else; 409 for them while the round is under way)."""

    permission_classes = [IsAuthenticated]
    filter_backends: list[type] = []
    pagination_class = None
    serializer_class = serializers.ScoreSheetSerializer

    def _tender(self) -> Tender:
        return selectors.tender_detail(user=self.request.user, pk=self.kwargs["tender_pk"])

    def _sheet(self, tender: Tender) -> Response:
        sheet = selectors.score_sheet_for(user=self.request.user, tender=tender)
        return Response(serializers.ScoreSheetSerializer(sheet).data)

    @extend_schema(responses=serializers.ScoreSheetSerializer)
    @action(detail=False, methods=["get"], url_path="score-sheet")
    def score_sheet(self, request: Request, tender_pk: str | None = None) -> Response:
        """Your sheet for the current round and the bids to judge."""
        return self._sheet(self._tender())

    @extend_schema(request=serializers.ScoreSheetSaveSerializer, responses=serializers.ScoreSheetSerializer)
    @score_sheet.mapping.put
    def score_sheet_save(self, request: Request, tender_pk: str | None = None) -> Response:
        """Save your judgements of the bids (a draft), or submit them (`submit`: final, every bid
        judged). Each save replaces the draft's scores with those sent."""
        tender = self._tender()
        selectors.score_sheet_for(user=request.user, tender=tender)  # 404 before any 400
        data = parse(serializers.ScoreSheetSaveSerializer, request.data)
        services.score_sheet_save(
            actor=signed_in(request.user),
            tender=tender,
            scores=[
                services.ScoreInput(
                    bid_id=item["bid"],
                    qualified=item["qualified"],
                    technical=item["technical"],
                    business=item["business"],
                    reason=item["reason"],
                )
                for item in data["scores"]
            ],
            submit=data["submit"],
        )
        return self._sheet(tender)

    @extend_schema(
        parameters=[serializers.CommitteeReportQuerySerializer], responses=serializers.CommitteeReportSerializer
    )
    @action(detail=False, methods=["get"], url_path="committee-report")
    def committee_report(self, request: Request, tender_pk: str | None = None) -> Response:
        """The results of a concluded round (the latest by default) and every member's scores."""
        tender = self._tender()
        params = parse(serializers.CommitteeReportQuerySerializer, request.query_params)
        report = selectors.committee_report(user=request.user, tender=tender, round=params.get("round"))
        return Response(serializers.CommitteeReportSerializer(report).data)


# --- publicity, challenges, award and contracts ----------------------------------------------


@extend_schema(parameters=[TENDER_PK])
class TenderAwardViewSet(viewsets.GenericViewSet):
    """After the evaluation: the candidates' publicity (公示), challenges (质疑) and the award.

    The buyer's staff publish the candidates (`publicise/`), answer challenges and award
    (`award/`) once the window is over and no challenge is pending. The candidate notice is public
    from the publicity on; a bidder (bid opened) challenges while the window is open. Answered
    challenges are public without the challenger's name."""

    filter_backends: list[type] = []
    pagination_class = None
    serializer_class = serializers.CandidateNoticeSerializer

    def _tender(self) -> Tender:
        return selectors.tender_detail(user=self.request.user, pk=self.kwargs["tender_pk"])

    def _notice(self, tender: Tender) -> Response:
        notice = {
            "tender": tender.pk,
            "reference": tender.reference,
            "state": tender.state,
            "evaluation_round": tender.evaluation_round,
            "publicity_started_at": tender.publicity_started_at,
            "publicity_ends_at": tender.publicity_ends_at,
            "paused": tender.state == TenderState.PUBLICITY and selectors.tender_paused(tender=tender),
            "candidates": selectors.candidates_of(tender=tender),
        }
        return Response(serializers.CandidateNoticeSerializer(notice).data)

    @extend_schema(request=serializers.PubliciseSerializer, responses=serializers.CandidateNoticeSerializer)
    @action(detail=False, methods=["post"])
    def publicise(self, request: Request, tender_pk: str | None = None) -> Response:
        """Publish the candidates of the concluded evaluation round for `days` days (3 to 30)."""
        tender = self._tender()
        data = parse(serializers.PubliciseSerializer, request.data)
        tender = services.tender_publicise(actor=signed_in(request.user), tender=tender, days=data["days"])
        return self._notice(tender)

    @extend_schema(request=None, responses=serializers.CandidateNoticeSerializer)
    @action(detail=False, methods=["get"])
    def candidates(self, request: Request, tender_pk: str | None = None) -> Response:
        """The candidate notice: per active lot the first three ranked bids (bidder, price, total
        points); 409 before the candidates are published."""
        tender = self._tender()
        if tender.state not in selectors.CANDIDATE_NOTICE_STATES:
            raise Conflict(_("The candidates of this tender have not been published."))
        return self._notice(tender)

    @extend_schema(request=None, responses=serializers.ChallengeSerializer(many=True))
    @action(detail=False, methods=["get"])
    def challenges(self, request: Request, tender_pk: str | None = None) -> Response:
        """The challenges you may see: answered ones (everyone), your organisation's pending ones,
        and every one with the challenger's name for the buyer's staff."""
        rows = selectors.challenges_visible_to(user=request.user, tender=self._tender())
        return Response(serializers.ChallengeSerializer(rows, many=True).data)

    @extend_schema(request=serializers.ChallengeSubmitSerializer, responses={201: serializers.ChallengeSerializer})
    @challenges.mapping.post
    @idempotent
    def challenge_submit(self, request: Request, tender_pk: str | None = None) -> Response:
        """Challenge the candidates (a bidder's staff, while the window is open). The tender is
        paused until the buyer answers."""
        tender = self._tender()
        data = parse(serializers.ChallengeSubmitSerializer, request.data)
        actor = signed_in(request.user)
        if data["vendor"] is not None:
            vendor = body_organisation(request.user, data["vendor"], field="vendor")
        else:
            vendors = selectors.vendor_organisations_of(user=actor)
            if not vendors:
                raise PermissionDenied(_("Only a bidder of this tender can challenge its candidates."))
            if len(vendors) > 1:
                raise ValidationError({"vendor": [_("Choose the organisation you challenge for.")]})
            vendor = vendors[0]
        challenge = services.challenge_submit(actor=actor, tender=tender, vendor=vendor, grounds=data["grounds"])
        row = selectors.challenges_visible_to(user=actor, tender=tender).get(pk=challenge.pk)
        return Response(serializers.ChallengeSerializer(row).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={201: serializers.ContractSerializer(many=True)})
    @action(detail=False, methods=["post"])
    def award(self, request: Request, tender_pk: str | None = None) -> Response:
        """Award each active lot to its first candidate and open the contracts (409 while the
        window runs or a challenge is pending)."""
        actor = signed_in(request.user)
        contracts = services.tender_award(actor=actor, tender=self._tender())
        rows = selectors.contracts_visible_to(user=actor).filter(pk__in=[c.pk for c in contracts])
        context = {**self.get_serializer_context(), "parties": selectors.contract_parties_of(user=actor)}
        body = serializers.ContractSerializer(rows.prefetch_related("milestones"), many=True, context=context).data
        return Response(body, status=status.HTTP_201_CREATED)


class ChallengeViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """One challenge (as `tenders/{id}/challenges/` shows it); the buyer's staff answer it."""

    serializer_class = serializers.ChallengeSerializer
    filter_backends: list[type] = []
    lookup_value_regex = "[0-9]+"

    def get_object(self) -> Challenge:
        return selectors.challenge_for(user=self.request.user, pk=self.kwargs["pk"])

    @extend_schema(request=serializers.ChallengeAnswerSerializer, responses=serializers.ChallengeSerializer)
    @action(detail=True, methods=["post"])
    def answer(self, request: Request, pk: str | None = None) -> Response:
        """Publish the answer: `upheld` sends the tender back to the committee for a new round."""
        challenge = self.get_object()
        data = parse(serializers.ChallengeAnswerSerializer, request.data)
        services.challenge_answer(
            actor=signed_in(request.user), challenge=challenge, answer=data["answer"], upheld=data["upheld"]
        )
        return Response(self.get_serializer(self.get_object()).data)


MILESTONE_PK = OpenApiParameter("milestone_pk", int, OpenApiParameter.PATH, description="milestone id")


class GoldSetParser(SizeLimitedMultiPartParser):
    limit_setting = "ACCEPTANCE_GOLD_MAX_BYTES"


class DeliveryParser(SizeLimitedMultiPartParser):
    limit_setting = "ACCEPTANCE_DELIVERY_MAX_BYTES"


def _plan_of(contract: Contract, milestone_pk: int) -> AcceptancePlan:
    """The milestone's acceptance plan: 404 for a milestone of another contract, 409 before the
    buyer has set one."""
    plan = (
        AcceptancePlan.objects.select_related("contract__buyer", "contract__supplier", "milestone")
        .filter(contract=contract, milestone_id=milestone_pk)
        .first()
    )
    if plan is not None:
        return plan
    if not contract.milestones.filter(pk=milestone_pk).exists():
        raise NotFound()
    raise Conflict(_("The buyer has not set this milestone's acceptance plan yet."))


@extend_schema_view(list=extend_schema(parameters=[serializers.ContractFilterSerializer]))
class ContractViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Contracts: public in their summary (`?scope=public` lists every one; the default lists your
    organisations' contracts). Both parties sign; the buyer's staff set the payment milestones
    before anyone signs, record milestones met and terminate with a reason."""

    serializer_class = serializers.ContractSerializer
    filter_backends: list[type] = []
    lookup_value_regex = "[0-9]+"

    def get_queryset(self) -> QuerySet[Contract]:
        contracts = selectors.contracts_visible_to(user=self.request.user)
        if self.action == "list":
            params = parse(serializers.ContractFilterSerializer, self.request.query_params)
            if params["scope"] != "public":
                contracts = selectors.contracts_of(user=self.request.user)
        return contracts.prefetch_related("milestones")

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "parties": selectors.contract_parties_of(user=self.request.user)}

    def get_object(self) -> Contract:
        return selectors.contract_detail(user=self.request.user, pk=self.kwargs["pk"])

    def _detail(self, contract: Contract) -> Response:
        return Response(self.get_serializer(selectors.contract_detail(user=self.request.user, pk=contract.pk)).data)

    @extend_schema(request=serializers.ContractMilestonesSerializer, responses=serializers.ContractSerializer)
    @action(detail=True, methods=["put"])
    def milestones(self, request: Request, pk: str | None = None) -> Response:
        """Replace the payment milestones before either party signs."""
        contract = self.get_object()
        data = parse(serializers.ContractMilestonesSerializer, request.data)
        services.contract_milestones_set(
            actor=signed_in(request.user),
            contract=contract,
            milestones=[
                services.ContractMilestoneSpec(title=m["title"], share_bp=m["share"], due_on=m["due_on"])
                for m in data["milestones"]
            ],
        )
        return self._detail(contract)

    @extend_schema(request=None, responses=serializers.ContractSerializer)
    @action(detail=True, methods=["post"])
    def sign(self, request: Request, pk: str | None = None) -> Response:
        """Sign for your side; the second signature makes the contract active."""
        return self._detail(services.contract_sign(actor=signed_in(request.user), contract=self.get_object()))

    @extend_schema(
        request=None,
        responses=serializers.ContractSerializer,
        parameters=[OpenApiParameter("milestone_pk", int, OpenApiParameter.PATH, description="milestone id")],
    )
    @action(detail=True, methods=["post"], url_path=r"milestones/(?P<milestone_pk>[0-9]+)/met")
    def milestone_met(self, request: Request, pk: str | None = None, milestone_pk: str | None = None) -> Response:
        """Record a milestone as met; the last one completes the contract."""
        contract = self.get_object()
        services.contract_milestone_meet(
            actor=signed_in(request.user), contract=contract, milestone_id=int(self.kwargs["milestone_pk"])
        )
        return self._detail(contract)

    @extend_schema(request=serializers.ContractTerminateSerializer, responses=serializers.ContractSerializer)
    @action(detail=True, methods=["post"])
    def terminate(self, request: Request, pk: str | None = None) -> Response:
        """End a pending or active contract early, with the published reason."""
        contract = self.get_object()
        data = parse(serializers.ContractTerminateSerializer, request.data)
        return self._detail(
            services.contract_terminate(actor=signed_in(request.user), contract=contract, reason=data["reason"])
        )

    # --- delivery acceptance (验收) -------------------------------------------------------------

    def _acceptance_contract(self) -> Contract:
        """The contract, for its parties and observers (operators, regulators in scope); 404 for
        anyone else, like a missing one, although the contract's summary is public."""
        contract = self.get_object()
        if not selectors.acceptance_side_of(user=self.request.user, contract=contract):
            raise NotFound()
        return contract

    @extend_schema(request=None, responses=serializers.ContractAcceptanceSerializer)
    @action(detail=True, methods=["get"], permission_classes=[IsAuthenticated])
    def acceptance(self, request: Request, pk: str | None = None) -> Response:
        """Every milestone's acceptance plan, gold set, committed seed digest, deliveries and next
        actions, as your side reads it (the supplier's side learns only whether a gold set is in
        place)."""
        contract = self.get_object()
        side, rows = selectors.contract_acceptance(user=request.user, contract=contract)
        body = {"contract": contract, "side": side, "milestones": rows}
        return Response(serializers.ContractAcceptanceSerializer(body).data)

    @extend_schema(
        request=serializers.AcceptancePlanInputSerializer,
        responses=serializers.AcceptancePlanSerializer,
        parameters=[MILESTONE_PK],
    )
    @action(
        detail=True,
        methods=["put"],
        url_path=r"milestones/(?P<milestone_pk>[0-9]+)/acceptance-plan",
        url_name="acceptance-plan",
        permission_classes=[IsAuthenticated],
    )
    def acceptance_plan(self, request: Request, pk: str | None = None, milestone_pk: str | None = None) -> Response:
        """Set or replace the milestone's acceptance plan (the buyer's staff, on an active contract,
        until the first delivery). The sampling plan follows from the lot size and the tender's AQL;
        the first sampling seed is committed now."""
        contract = self._acceptance_contract()
        data = parse(serializers.AcceptancePlanInputSerializer, request.data)
        plan = services.acceptance_plan_set(
            actor=signed_in(request.user),
            contract=contract,
            milestone_id=int(self.kwargs["milestone_pk"]),
            kind=data["kind"],
            fmt=data["format"],
            label_set=data["label_set"],
            lot_size=data["lot_size"],
        )
        return Response(serializers.AcceptancePlanSerializer(plan).data)

    @extend_schema(
        request={MULTIPART: serializers.GoldSetUploadSerializer},
        responses=serializers.GoldSetSummarySerializer,
        parameters=[MILESTONE_PK],
    )
    @action(
        detail=True,
        methods=["put"],
        url_path=r"milestones/(?P<milestone_pk>[0-9]+)/gold-set",
        url_name="gold-set",
        permission_classes=[IsAuthenticated],
        parser_classes=[GoldSetParser],
    )
    def gold_set(self, request: Request, pk: str | None = None, milestone_pk: str | None = None) -> Response:
        """Upload or replace the gold set (the buyer's staff, until the first delivery). It is read
        whole: every label must be in the plan's label set (400 naming the line otherwise), and it
        must hold at least the plan's sample. Never shown to the supplier."""
        plan = _plan_of(self._acceptance_contract(), int(self.kwargs["milestone_pk"]))
        data = parse(serializers.GoldSetUploadSerializer, request.data)
        gold = services.gold_set_upload(actor=signed_in(request.user), plan=plan, upload=data["file"])
        return Response(serializers.GoldSetSummarySerializer(gold).data)

    @extend_schema(
        request={MULTIPART: serializers.DeliveryUploadSerializer},
        responses={201: serializers.DeliveryDetailSerializer},
        parameters=[MILESTONE_PK, KEY_PARAMETER],  # replaces the list @idempotent documents
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=r"milestones/(?P<milestone_pk>[0-9]+)/deliveries",
        url_name="deliveries",
        permission_classes=[IsAuthenticated],
        parser_classes=[DeliveryParser],
    )
    @idempotent
    def deliveries(self, request: Request, pk: str | None = None, milestone_pk: str | None = None) -> Response:
        """Deliver the milestone's labels (the supplier's staff, once the gold set is in place and
        no earlier delivery awaits its scoring or decision). The scoring runs in the background:
        poll `deliveries/{id}/`. A retry with the same Idempotency-Key and the same file (by
        SHA-256) and note replays the first answer."""
        plan = _plan_of(self._acceptance_contract(), int(self.kwargs["milestone_pk"]))
        data = parse(serializers.DeliveryUploadSerializer, request.data)
        actor = signed_in(request.user)
        delivery = services.delivery_upload(actor=actor, plan=plan, upload=data["file"], note=data["note"])
        delivery, side = selectors.delivery_for(user=actor, pk=delivery.pk)
        body = serializers.DeliveryDetailSerializer(
            delivery, context={"request": request, "side": side, "report": None}
        ).data
        return Response(body, status=status.HTTP_201_CREATED)


# --- evaluation committee: the draw and the experts' seats ----------------------------------


@extend_schema(parameters=[TENDER_PK])
class TenderCommitteeViewSet(viewsets.GenericViewSet):
    """The tender's evaluation committee (评标委员会).

    POST (the buyer's staff, once the bids are opened): draw `size` experts (odd, at least 5) at
    random from every eligible expert; the server chooses the seed. GET: the members and every
    draw with its seed, candidates and digest, for the buyer's staff, operators, regulators whose
    scope covers the tender and the committee's own members; 404 for anyone else, and when there
    is no committee yet."""

    permission_classes = [IsAuthenticated]
    filter_backends: list[type] = []
    pagination_class = None
    serializer_class = serializers.CommitteeSerializer

    def _tender(self) -> Tender:
        return selectors.tender_detail(user=self.request.user, pk=self.kwargs["tender_pk"])

    def _committee(self, tender: Tender, *, status_code: int = status.HTTP_200_OK) -> Response:
        committee = selectors.committee_visible_to(user=self.request.user, tender=tender)
        auditor = selectors.may_audit_tender(user=self.request.user, tender=tender)
        body = serializers.CommitteeSerializer(committee, context={"auditor": auditor}).data
        return Response(body, status=status_code)

    @extend_schema(responses=serializers.CommitteeSerializer)
    @action(detail=False, methods=["get"])
    def committee(self, request: Request, tender_pk: str | None = None) -> Response:
        return self._committee(self._tender())

    @extend_schema(request=serializers.CommitteeFormSerializer, responses={201: serializers.CommitteeSerializer})
    @committee.mapping.post
    def committee_form(self, request: Request, tender_pk: str | None = None) -> Response:
        """Form the committee: 409 when the tender is not under evaluation, already has one, or too
        few eligible experts are free of conflict."""
        tender = self._tender()
        data = parse(serializers.CommitteeFormSerializer, request.data)
        services.committee_form(actor=signed_in(request.user), tender=tender, size=data["size"])
        return self._committee(tender, status_code=status.HTTP_201_CREATED)


class CommitteeSeatViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Your seats on evaluation committees (experts of the pool). Accepting declares that you have
    no conflict of interest with the buyer or any bidder listed; declining requires the declaration
    of the conflict, and a replacement is drawn at random. Anyone else's seat is 404."""

    serializer_class = serializers.CommitteeSeatSerializer
    permission_classes = [IsAuthenticated]
    filter_backends: list[type] = []
    lookup_value_regex = "[0-9]+"

    def get_queryset(self) -> QuerySet[CommitteeMember]:
        return selectors.seats_of(user=self.request.user)

    def get_object(self) -> CommitteeMember:
        return selectors.seat_of(user=self.request.user, pk=self.kwargs["pk"])

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        seats = list(page if page is not None else self.get_queryset())
        bidders = selectors.bidders_of(tender_ids=[seat.committee.tender_id for seat in seats])
        data = self.get_serializer(seats, many=True, context={**self.get_serializer_context(), "bidders": bidders}).data
        return self.get_paginated_response(data) if page is not None else Response(data)

    @extend_schema(request=None, responses=serializers.CommitteeSeatSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request: Request, pk: str | None = None) -> Response:
        """Accept the seat, declaring no conflict of interest with the buyer or any bidder."""
        services.committee_member_accept(actor=signed_in(request.user), member=self.get_object())
        return Response(self.get_serializer(self.get_object()).data)

    @extend_schema(request=serializers.SeatDeclineSerializer, responses=serializers.CommitteeSeatSerializer)
    @action(detail=True, methods=["post"])
    def decline(self, request: Request, pk: str | None = None) -> Response:
        """Decline the seat, declaring the conflict of interest; a replacement is drawn at random."""
        seat = self.get_object()
        data = parse(serializers.SeatDeclineSerializer, request.data)
        services.committee_member_decline(actor=signed_in(request.user), member=seat, declaration=data["declaration"])
        return Response(self.get_serializer(self.get_object()).data)


# --- delivery acceptance: deliveries, the buyer's decision, public pass rates -----------------


class DeliveryViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Deliveries of the contracts your organisations are party to (newest first), each with its
    scoring's progress and, once scored, the acceptance report as your side reads it. Operators
    and regulators whose scope covers the tender read one by its id; anyone else gets 404."""

    serializer_class = serializers.DeliveryListSerializer
    permission_classes = [IsAuthenticated]
    filter_backends: list[type] = []
    lookup_value_regex = "[0-9]+"

    def get_queryset(self) -> QuerySet[Delivery]:
        return selectors.deliveries_of(user=self.request.user)

    def _detail(self, delivery: Delivery, side: str) -> Response:
        report = selectors.report_of(delivery=delivery)
        if report is not None:
            delivery.report = report  # one object both ways: the serializer reads it from either side
        context = {"request": self.request, "side": side, "report": report}
        return Response(serializers.DeliveryDetailSerializer(delivery, context=context).data)

    @extend_schema(responses=serializers.DeliveryDetailSerializer)
    def retrieve(self, request: Request, pk: str | None = None) -> Response:
        """The delivery: `state`, `progress_done` / `progress_total` / `percent` while it is scored,
        `errors` when it could not be read, and `report` once scored. The supplier's side gets the
        defects by what it delivered, never a gold label."""
        delivery, side = selectors.delivery_for(user=request.user, pk=self.kwargs["pk"])
        return self._detail(delivery, side)

    @extend_schema(request=serializers.DeliveryDecisionSerializer, responses=serializers.DeliveryDetailSerializer)
    @action(detail=True, methods=["post"])
    def decision(self, request: Request, pk: str | None = None) -> Response:
        """Accept or reject a scored delivery (the buyer's staff). Deciding otherwise than the
        sampling's result needs a reason (audited). Accepting meets the milestone and makes its
        amount due; 409 unless the delivery is scored and awaiting the decision."""
        delivery, _side = selectors.delivery_for(user=request.user, pk=self.kwargs["pk"])
        data = parse(serializers.DeliveryDecisionSerializer, request.data)
        services.delivery_decide(
            actor=signed_in(request.user), delivery=delivery, decision=data["decision"], reason=data["reason"]
        )
        return self._detail(*selectors.delivery_for(user=request.user, pk=delivery.pk))

    @extend_schema(request=None, responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def file(self, request: Request, pk: str | None = None) -> FileResponse:
        """The delivered file as uploaded, for the two parties (403 for observers)."""
        delivery, side = selectors.delivery_for(user=request.user, pk=self.kwargs["pk"])
        if side not in (BUYER, SUPPLIER):
            raise PermissionDenied(_("Only the parties to the contract download a delivery."))
        return FileResponse(delivery.file.open("rb"), as_attachment=True, filename=delivery.original_name)


class AcceptanceStatisticsViewSet(viewsets.GenericViewSet):
    """Public figures of delivery acceptance; no party is named."""

    permission_classes = [AllowAny]
    filter_backends: list[type] = []
    pagination_class = None
    serializer_class = serializers.PassRateSerializer

    @extend_schema(
        parameters=[serializers.PassRateQuerySerializer], responses=serializers.PassRateSerializer(many=True)
    )
    @action(detail=False, methods=["get"], url_path="pass-rates")
    def pass_rates(self, request: Request) -> Response:
        """Decided deliveries per year of decision and modality of the contract's lot: how many were
        accepted, how many on the first delivery, and the pass rate in basis points."""
        params = parse(serializers.PassRateQuerySerializer, request.query_params)
        rows = selectors.acceptance_pass_rates(year=params["year"])
        return Response(serializers.PassRateSerializer(rows, many=True).data)
