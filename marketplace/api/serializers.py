"""Parsing and presenting the tender exchange. Rules live in the services and selectors, not here.

A bid's price and documents pass through this module only twice: in `SealedContentSerializer`, fed
by the bidder-only selector, and in `OpenedBidSerializer`, used once the tender has been opened.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from marketplace import selectors
from marketplace.models import (
    AcceptanceKind,
    AcceptancePlan,
    AcceptanceReport,
    Bid,
    CatalogueEntry,
    Challenge,
    Clarification,
    CommitteeDraw,
    CommitteeMember,
    Contract,
    ContractMilestone,
    Decision,
    Delivery,
    DeliveryFormat,
    DeliveryState,
    GoldSet,
    Lot,
    MemberState,
    Openness,
    SavedSearch,
    Tender,
    TenderAmendment,
    TenderDocument,
    TenderMilestone,
    VolumeUnit,
)
from marketplace.models.tenders import AcceptanceQualityLimit
from marketplace.procedures import EvaluationMethod, Procedure, rules_of
from marketplace.services.tenders import FULL_BP
from marketplace.states import TenderState
from portal.api.fields import HundredthsField
from registry.taxonomy import Modality, Sector

# --- catalogue -------------------------------------------------------------------------------


class CatalogueEntrySerializer(serializers.ModelSerializer):
    agency_name = serializers.CharField(source="agency.name", read_only=True)

    class Meta:
        model = CatalogueEntry
        fields = [
            "id",
            "agency",
            "agency_name",
            "dataset",
            "description",
            "sector",
            "modality",
            "volume",
            "volume_unit",
            "openness",
            "annotation_needs",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class CatalogueEntryFieldsSerializer(serializers.Serializer):
    """PATCH: any subset. The agency of an entry never changes."""

    dataset = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True)
    sector = serializers.ChoiceField(choices=Sector.choices)
    modality = serializers.ChoiceField(choices=Modality.choices)
    volume = serializers.IntegerField()
    volume_unit = serializers.ChoiceField(choices=VolumeUnit.choices, required=False)
    openness = serializers.ChoiceField(choices=Openness.choices)
    annotation_needs = serializers.CharField()


class CatalogueEntryCreateSerializer(CatalogueEntryFieldsSerializer):
    agency = serializers.IntegerField(help_text="id of the agency you are staff of")


class CatalogueFilterSerializer(serializers.Serializer):
    q = serializers.CharField(required=False, allow_blank=True, default="", help_text="dataset or needs contain")
    sector = serializers.ChoiceField(choices=Sector.choices, required=False, allow_blank=True, default="")
    modality = serializers.ChoiceField(choices=Modality.choices, required=False, allow_blank=True, default="")
    openness = serializers.ChoiceField(choices=Openness.choices, required=False, allow_blank=True, default="")
    agency = serializers.IntegerField(required=False, allow_null=True, default=None, help_text="organisation id")


# --- tenders: reading ------------------------------------------------------------------------


class LotSerializer(serializers.ModelSerializer):
    class Meta:
        model = Lot
        fields = ["id", "number", "title", "modality", "volume", "volume_unit", "budget_fen", "state"]
        read_only_fields = fields


class MilestoneSerializer(serializers.ModelSerializer):
    class Meta:
        model = TenderMilestone
        fields = ["position", "title", "share_bp"]
        read_only_fields = fields


class TenderDocumentSerializer(serializers.ModelSerializer):
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = TenderDocument
        fields = ["id", "version", "title", "sha256", "size", "uploaded_at", "superseded_at", "download_url"]
        read_only_fields = fields

    def get_download_url(self, document: TenderDocument) -> str:
        path = reverse("marketplace:tender-document", args=[document.tender_id, document.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


class AmendmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = TenderAmendment
        fields = ["documents_version", "rationale", "deadline_before", "deadline_after", "created_at"]
        read_only_fields = fields


class ProcedureLimitsSerializer(serializers.Serializer):
    """The row of the procedure table (marketplace.procedures) the tender runs under."""

    min_bid_period_days = serializers.IntegerField()
    min_valid_bids = serializers.IntegerField()
    evaluation_methods = serializers.ListField(child=serializers.ChoiceField(choices=EvaluationMethod.choices))


class TenderSummarySerializer(serializers.ModelSerializer):
    buyer_name = serializers.CharField(source="buyer.name", read_only=True)
    region = serializers.CharField(source="region_id", read_only=True)
    region_name = serializers.CharField(source="region.display_name", read_only=True)

    class Meta:
        model = Tender
        fields = [
            "id",
            "reference",
            "title",
            "buyer",
            "buyer_name",
            "procedure",
            "sector",
            "region",
            "region_name",
            "budget_fen",
            "currency",
            "deadline",
            "state",
            "published_at",
        ]
        read_only_fields = fields


class TenderDetailSerializer(TenderSummarySerializer):
    """A tender with its lots, milestones, current documents, amendments, the limits of its
    procedure and what the caller may do next (`allowed_actions`, in this API's action names)."""

    lots = LotSerializer(many=True, read_only=True)
    milestones = MilestoneSerializer(many=True, read_only=True)
    documents = serializers.SerializerMethodField(help_text="current documents (superseded ones are left out)")
    amendments = AmendmentSerializer(many=True, read_only=True)
    procedure_limits = serializers.SerializerMethodField()
    allowed_actions = serializers.SerializerMethodField(help_text="update, publish, amend, cancel, retender, bid, ask")

    class Meta(TenderSummarySerializer.Meta):
        fields = [
            *TenderSummarySerializer.Meta.fields,
            "description",
            "evaluation_method",
            "price_weight_bp",
            "technical_weight_bp",
            "business_weight_bp",
            "acceptance_aql",
            "catalogue_entry",
            "previous_tender",
            "state_changed_at",
            "opened_at",
            "cancellation_reason",
            "documents_version",
            "lots",
            "milestones",
            "documents",
            "amendments",
            "procedure_limits",
            "allowed_actions",
            "created_at",
        ]
        read_only_fields = fields

    @extend_schema_field(TenderDocumentSerializer(many=True))
    def get_documents(self, tender: Tender) -> list[dict[str, Any]]:
        documents = selectors.current_documents(tender=tender)
        return list(TenderDocumentSerializer(documents, many=True, context=self.context).data)

    @extend_schema_field(ProcedureLimitsSerializer)
    def get_procedure_limits(self, tender: Tender) -> dict[str, Any]:
        rules = rules_of(tender.procedure)
        return {
            "min_bid_period_days": rules.min_bid_period.days,
            "min_valid_bids": rules.min_valid_bids,
            "evaluation_methods": [str(method) for method in rules.methods],
        }

    def get_allowed_actions(self, tender: Tender) -> list[str]:
        return selectors.tender_actions_for(user=self.context["request"].user, tender=tender)


class OpeningRowSerializer(serializers.ModelSerializer):
    """One line of the opening record (开标记录)."""

    bidder = serializers.IntegerField(source="vendor_id", read_only=True)
    bidder_name = serializers.CharField(source="vendor.name", read_only=True)
    lot_number = serializers.IntegerField(source="lot.number", read_only=True)

    class Meta:
        model = Bid
        fields = ["bidder", "bidder_name", "lot", "lot_number", "price_fen", "state", "invalid_reason"]
        read_only_fields = fields


# --- tenders: writing ------------------------------------------------------------------------


class LotInputSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    modality = serializers.ChoiceField(choices=Modality.choices)
    volume = serializers.IntegerField()
    volume_unit = serializers.ChoiceField(choices=VolumeUnit.choices, default=VolumeUnit.ITEM)
    budget_fen = serializers.IntegerField(help_text="fen")


class MilestoneInputSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    share_bp = serializers.IntegerField(help_text="basis points; the shares add up to 10000")


class TenderSpecSerializer(serializers.Serializer):
    """A whole draft (PUT replaces everything, lots and milestones included). Amounts in fen,
    weights and shares in basis points; the weights add up to 10000."""

    title = serializers.CharField(max_length=200)
    description = serializers.CharField()
    procedure = serializers.ChoiceField(choices=Procedure.choices)
    evaluation_method = serializers.ChoiceField(choices=EvaluationMethod.choices)
    sector = serializers.ChoiceField(choices=Sector.choices)
    region = serializers.CharField(
        max_length=16, required=False, allow_blank=True, default="", help_text="division code; the buyer's if empty"
    )
    deadline = serializers.DateTimeField(help_text="ISO 8601; without an offset, Beijing time")
    lots = LotInputSerializer(many=True)
    milestones = MilestoneInputSerializer(many=True)
    price_weight_bp = serializers.IntegerField(default=FULL_BP)
    technical_weight_bp = serializers.IntegerField(default=0)
    business_weight_bp = serializers.IntegerField(default=0)
    acceptance_aql = serializers.ChoiceField(
        choices=AcceptanceQualityLimit.choices,
        default=AcceptanceQualityLimit.AQL_2_5,
        help_text="hundredths of a percent nonconforming (GB/T 2828.1)",
    )
    catalogue_entry = serializers.IntegerField(
        required=False, allow_null=True, default=None, help_text="one of your agency's catalogue entries"
    )


class TenderCreateSerializer(TenderSpecSerializer):
    buyer = serializers.IntegerField(help_text="id of an organisation you buy for")


class TenderFilterSerializer(serializers.Serializer):
    """Query parameters of the tender search."""

    q = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="title or buyer contains, or exact reference"
    )
    region = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="division code; includes every region below it"
    )
    sector = serializers.ChoiceField(choices=Sector.choices, required=False, allow_blank=True, default="")
    modality = serializers.ChoiceField(choices=Modality.choices, required=False, allow_blank=True, default="")
    budget_min_fen = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=0)
    budget_max_fen = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=0)
    state = serializers.ListField(
        child=serializers.ChoiceField(choices=TenderState.choices),
        required=False,
        default=list,
        help_text="repeat for several states",
    )
    deadline_after = serializers.DateTimeField(required=False, allow_null=True, default=None)
    deadline_before = serializers.DateTimeField(required=False, allow_null=True, default=None)
    buyer = serializers.IntegerField(required=False, allow_null=True, default=None, help_text="organisation id")


class TenderDocumentUploadSerializer(serializers.Serializer):
    title = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default="", help_text="the file name if empty"
    )
    file = serializers.FileField()


class TenderAmendSerializer(serializers.Serializer):
    rationale = serializers.CharField(help_text="what changed and why (published)")
    documents = serializers.ListField(
        child=serializers.FileField(), required=False, default=list, help_text="new files, titled by their names"
    )
    superseded = serializers.ListField(
        child=serializers.IntegerField(), required=False, default=list, help_text="ids of current documents replaced"
    )
    deadline = serializers.DateTimeField(
        required=False,
        allow_null=True,
        default=None,
        help_text="a later deadline; a document change late in the bid period moves it anyway so that 15 days remain",
    )


class TenderCancelSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True, help_text="published")


class TenderRetenderSerializer(serializers.Serializer):
    deadline = serializers.DateTimeField()


# --- clarifications --------------------------------------------------------------------------


class ClarificationSerializer(serializers.ModelSerializer):
    """No field names the asker, whoever reads it."""

    answered = serializers.BooleanField(read_only=True)

    class Meta:
        model = Clarification
        fields = ["id", "tender", "question", "asked_at", "answered", "answer", "answered_at"]
        read_only_fields = fields


class ClarificationAskSerializer(serializers.Serializer):
    tender = serializers.IntegerField()
    vendor = serializers.IntegerField(help_text="id of the vendor organisation you ask for (not published)")
    question = serializers.CharField(allow_blank=True)


class ClarificationAnswerSerializer(serializers.Serializer):
    answer = serializers.CharField(allow_blank=True, help_text="published to everyone")


# --- bids ------------------------------------------------------------------------------------


class BidReceiptSerializer(serializers.ModelSerializer):
    """What the bidder holds before the opening: the receipt, never the price or documents."""

    tender_reference = serializers.CharField(source="tender.reference", read_only=True)
    tender_documents_version = serializers.IntegerField(
        source="tender.documents_version",
        read_only=True,
        help_text="above documents_version: the tender was amended and the bid must be confirmed",
    )
    lot_number = serializers.IntegerField(source="lot.number", read_only=True)
    vendor_name = serializers.CharField(source="vendor.name", read_only=True)

    class Meta:
        model = Bid
        fields = [
            "id",
            "uid",
            "tender",
            "tender_reference",
            "lot",
            "lot_number",
            "vendor",
            "vendor_name",
            "state",
            "received_at",
            "receipt_sha256",
            "documents_version",
            "tender_documents_version",
            "withdrawn_at",
        ]
        read_only_fields = fields


class OpenedBidDocumentSerializer(serializers.Serializer):
    name = serializers.CharField()
    media_type = serializers.CharField()
    size = serializers.IntegerField()
    sha256 = serializers.CharField()


class OpenedBidSerializer(BidReceiptSerializer):
    """The bidder's bid after the opening: the receipt plus what the opening decrypted."""

    documents = OpenedBidDocumentSerializer(many=True, read_only=True)

    class Meta(BidReceiptSerializer.Meta):
        fields = [*BidReceiptSerializer.Meta.fields, "opened_at", "price_fen", "documents", "invalid_reason"]
        read_only_fields = fields


class SealedDocumentSerializer(serializers.Serializer):
    name = serializers.CharField()
    media_type = serializers.CharField()
    size = serializers.SerializerMethodField()

    def get_size(self, document: Any) -> int:
        return len(document.content)


class SealedContentSerializer(serializers.Serializer):
    """What the bidder sealed, decrypted for the bidder alone."""

    price_fen = serializers.IntegerField()
    currency = serializers.CharField()
    documents = SealedDocumentSerializer(many=True)


class Base64Field(serializers.CharField):
    def to_internal_value(self, data: Any) -> bytes:  # type: ignore[override]
        text = super().to_internal_value(data)
        try:
            return base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError) as error:
            raise serializers.ValidationError(_("This is not valid base64.")) from error


class BidDocumentInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, help_text="file name")
    media_type = serializers.CharField(max_length=100, default="application/octet-stream")
    content_base64 = Base64Field(help_text="the file, base64-encoded")


class BidSubmitSerializer(serializers.Serializer):
    """JSON form of a bid; the multipart form sends `documents` as files instead."""

    tender = serializers.IntegerField()
    lot = serializers.IntegerField(help_text="id of one of the tender's lots")
    vendor = serializers.IntegerField(help_text="id of the vendor organisation you bid for")
    price_fen = serializers.IntegerField(help_text="fen; sealed at once, never shown before the opening")
    documents = BidDocumentInputSerializer(many=True)


class BidSubmitMultipartSerializer(BidSubmitSerializer):
    documents = serializers.ListField(child=serializers.FileField(), help_text="technical proposal files")  # type: ignore[assignment]


# --- saved searches --------------------------------------------------------------------------


class SavedSearchSerializer(serializers.ModelSerializer):
    class Meta:
        model = SavedSearch
        fields = [
            "id",
            "name",
            "text",
            "region",
            "sector",
            "modality",
            "budget_min_fen",
            "budget_max_fen",
            "created_at",
        ]
        read_only_fields = fields


class SavedSearchCreateSerializer(serializers.Serializer):
    """The tender search's filters to keep under a name (the names of `GET /tenders/`, `q` as
    `text`). Each new tender they find notifies you."""

    name = serializers.CharField(max_length=100, help_text="your own name for the search, unique among yours")
    text = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    region = serializers.CharField(
        max_length=6, required=False, allow_blank=True, default="", help_text="GB/T 2260 code; includes sub-regions"
    )
    sector = serializers.ChoiceField(choices=Sector.choices, required=False, allow_blank=True, default="")
    modality = serializers.ChoiceField(choices=Modality.choices, required=False, allow_blank=True, default="")
    budget_min_fen = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=0)
    budget_max_fen = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=0)


# --- scoring: the expert's score sheet and the committee report --------------------------------
# Scores (out of 100) and points (out of 100) are decimal strings with two decimals ("85.50"), as
# portal.api.fields.HundredthsField reads and writes them; prices stay integer fen.


class ScoreSheetBidSerializer(serializers.ModelSerializer):
    """A bid the committee judges: what the opening made public, and its documents' hashes."""

    lot_number = serializers.IntegerField(source="lot.number", read_only=True)
    bidder = serializers.IntegerField(source="vendor_id", read_only=True)
    bidder_name = serializers.CharField(source="vendor.name", read_only=True)
    documents = OpenedBidDocumentSerializer(many=True, read_only=True)

    class Meta:
        model = Bid
        fields = ["id", "lot", "lot_number", "bidder", "bidder_name", "price_fen", "received_at", "documents"]
        read_only_fields = fields


class ScoreSerializer(serializers.Serializer):
    bid = serializers.IntegerField(source="bid_id")
    qualified = serializers.BooleanField()
    reason = serializers.CharField(source="disqualification_reason")
    technical = HundredthsField()
    business = HundredthsField()


class ScoreSheetSerializer(serializers.Serializer):
    """The member's own sheet of the current round. `status`: new (never saved), draft or submitted;
    `editable` false with `closed_reason` when the sheet cannot change now."""

    tender = serializers.IntegerField(source="tender.pk")
    round = serializers.IntegerField()
    status = serializers.SerializerMethodField()
    submitted_at = serializers.SerializerMethodField()
    editable = serializers.BooleanField()
    closed_reason = serializers.CharField()
    submitted = serializers.IntegerField(help_text="members who have submitted in this round")
    size = serializers.IntegerField(help_text="seats of the committee")
    price_weight_bp = serializers.IntegerField(source="tender.price_weight_bp")
    technical_weight_bp = serializers.IntegerField(source="tender.technical_weight_bp")
    business_weight_bp = serializers.IntegerField(source="tender.business_weight_bp")
    bids = ScoreSheetBidSerializer(many=True)
    scores = serializers.SerializerMethodField()

    def get_status(self, sheet: selectors.ExpertSheet) -> str:
        if sheet.sheet is None:
            return "new"
        return "submitted" if sheet.final else "draft"

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_submitted_at(self, sheet: selectors.ExpertSheet) -> str | None:
        if sheet.sheet is None or sheet.sheet.submitted_at is None:
            return None
        return serializers.DateTimeField().to_representation(sheet.sheet.submitted_at)

    @extend_schema_field(ScoreSerializer(many=True))
    def get_scores(self, sheet: selectors.ExpertSheet) -> list[dict[str, Any]]:
        return [dict(ScoreSerializer(sheet.scores[bid.pk]).data) for bid in sheet.bids if bid.pk in sheet.scores]


class ScoreInputSerializer(serializers.Serializer):
    bid = serializers.IntegerField(help_text="bid id")
    qualified = serializers.BooleanField()
    technical = HundredthsField(required=False, default=0, help_text='0 to 100, at most two decimals, e.g. "85.50"')
    business = HundredthsField(required=False, default=0, help_text="0 to 100, at most two decimals")
    reason = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=5_000, help_text="required when not qualified"
    )


class ScoreSheetSaveSerializer(serializers.Serializer):
    scores = ScoreInputSerializer(many=True, max_length=1_000)  # type: ignore[call-arg]
    submit = serializers.BooleanField(default=False, help_text="true makes the sheet final (every bid judged)")


class ReportScoreSerializer(serializers.Serializer):
    member = serializers.IntegerField(source="sheet.member_id")
    qualified = serializers.BooleanField()
    reason = serializers.CharField(source="disqualification_reason")
    technical = HundredthsField()
    business = HundredthsField()


class ReportRowSerializer(serializers.Serializer):
    bid = serializers.IntegerField(source="result.bid_id")
    bidder = serializers.IntegerField(source="result.bid.vendor_id")
    bidder_name = serializers.CharField(source="result.bid.vendor.name")
    price_fen = serializers.IntegerField(source="result.bid.price_fen")
    qualified = serializers.BooleanField(source="result.qualified")
    disqualification_reasons = serializers.ListField(child=serializers.CharField(), source="reasons")
    rank = serializers.IntegerField(source="result.rank", allow_null=True)
    price_points = HundredthsField(source="result.price_points")
    technical_points = HundredthsField(source="result.technical_points")
    business_points = HundredthsField(source="result.business_points")
    total_points = HundredthsField(source="result.total_points")
    scores = serializers.SerializerMethodField()

    @extend_schema_field(ReportScoreSerializer(many=True))
    def get_scores(self, row: selectors.ReportRow) -> list[dict[str, Any]]:
        return [dict(ReportScoreSerializer(score).data) for score in row.scores if score is not None]


class ReportLotSerializer(serializers.Serializer):
    lot = serializers.IntegerField(source="lot.pk")
    lot_number = serializers.IntegerField(source="lot.number")
    title = serializers.CharField(source="lot.title")
    qualified = serializers.IntegerField(help_text="qualified bids")
    needed = serializers.IntegerField(help_text="qualified bids the procedure requires")
    unsuccessful = serializers.BooleanField()
    results = ReportRowSerializer(many=True, source="rows")


class ReportMemberSerializer(serializers.Serializer):
    member = serializers.IntegerField(source="member_id")
    name = serializers.CharField(source="member.expert.person.name")
    submitted_at = serializers.DateTimeField()


class CommitteeReportSerializer(serializers.Serializer):
    tender = serializers.IntegerField(source="tender.pk")
    round = serializers.IntegerField()
    rounds = serializers.ListField(child=serializers.IntegerField(), help_text="concluded rounds")
    evaluation_method = serializers.CharField(source="tender.evaluation_method")
    price_weight_bp = serializers.IntegerField(source="tender.price_weight_bp")
    technical_weight_bp = serializers.IntegerField(source="tender.technical_weight_bp")
    business_weight_bp = serializers.IntegerField(source="tender.business_weight_bp")
    members = ReportMemberSerializer(many=True, source="sheets")
    lots = ReportLotSerializer(many=True)


class CommitteeReportQuerySerializer(serializers.Serializer):
    round = serializers.IntegerField(required=False, min_value=1, max_value=32_767, help_text="default: the latest")


# --- publicity, challenges, award and contracts ----------------------------------------------


class PubliciseSerializer(serializers.Serializer):
    days = serializers.IntegerField(required=False, default=3, help_text="days of publicity, 3 to 30")


class CandidateSerializer(serializers.Serializer):
    """A candidate of the notice: the committee's total, never an expert's own scores."""

    lot = serializers.IntegerField(source="lot_id", help_text="lot id")
    lot_number = serializers.IntegerField()
    lot_title = serializers.CharField()
    rank = serializers.IntegerField()
    bid = serializers.IntegerField(source="bid_id")
    bidder = serializers.IntegerField(source="vendor_id", help_text="organisation id")
    bidder_name = serializers.CharField(source="bidder")
    price_fen = serializers.IntegerField()
    total_points = serializers.IntegerField(help_text="out of 10,000 (100.00)")


class CandidateNoticeSerializer(serializers.Serializer):
    tender = serializers.IntegerField()
    reference = serializers.CharField()
    state = serializers.ChoiceField(choices=TenderState.choices)
    evaluation_round = serializers.IntegerField()
    publicity_started_at = serializers.DateTimeField(allow_null=True)
    publicity_ends_at = serializers.DateTimeField(allow_null=True, help_text="challenges are taken until then")
    paused = serializers.BooleanField(help_text="a challenge awaits its answer: no award until it is answered")
    candidates = CandidateSerializer(many=True)


class ChallengeSerializer(serializers.ModelSerializer):
    """A challenge. `challenger` is the challenging organisation's name for the buyer's staff and
    the challenger itself, null for everyone else (answers are published without it)."""

    challenger = serializers.SerializerMethodField()
    own = serializers.BooleanField(read_only=True, help_text="lodged by one of your organisations")

    class Meta:
        model = Challenge
        fields = [
            "id",
            "tender",
            "round",
            "grounds",
            "submitted_at",
            "state",
            "answer",
            "answered_at",
            "challenger",
            "own",
        ]
        read_only_fields = fields

    def get_challenger(self, challenge: Challenge) -> str | None:
        return getattr(challenge, "challenger_name", "") or None


class ChallengeSubmitSerializer(serializers.Serializer):
    vendor = serializers.IntegerField(
        required=False, allow_null=True, default=None, help_text="your organisation's id; optional if you have one"
    )
    grounds = serializers.CharField(max_length=5_000)


class ChallengeAnswerSerializer(serializers.Serializer):
    answer = serializers.CharField(max_length=5_000, help_text="published without the challenger's name")
    upheld = serializers.BooleanField(help_text="true: the committee evaluates the bids again")


class PartySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class ContractMilestoneSerializer(serializers.ModelSerializer):
    class Meta:
        model = ContractMilestone
        fields = ["id", "position", "title", "share_bp", "amount_fen", "due_on", "state", "met_at"]
        read_only_fields = fields


class ContractSerializer(serializers.ModelSerializer):
    """A contract's public summary; `allowed_actions` says what you may do as a party."""

    tender_reference = serializers.CharField(source="tender.reference", read_only=True)
    lot = serializers.IntegerField(source="award.lot.number", read_only=True, help_text="lot number")
    buyer = PartySerializer(read_only=True)
    supplier = PartySerializer(read_only=True)
    milestones = ContractMilestoneSerializer(many=True, read_only=True)
    allowed_actions = serializers.SerializerMethodField(help_text="sign, milestones, meet, terminate")

    class Meta:
        model = Contract
        fields = [
            "id",
            "reference",
            "tender",
            "tender_reference",
            "lot",
            "title",
            "buyer",
            "supplier",
            "value_fen",
            "currency",
            "state",
            "sign_by",
            "buyer_signed_at",
            "supplier_signed_at",
            "signed_at",
            "completed_at",
            "terminated_at",
            "termination_reason",
            "milestones",
            "allowed_actions",
            "created_at",
        ]
        read_only_fields = fields

    def get_allowed_actions(self, contract: Contract) -> list[str]:
        parties = self.context.get("parties")
        if parties is None:
            return []
        return selectors.contract_actions(contract=contract, side=parties.side(contract))


class ContractFilterSerializer(serializers.Serializer):
    scope = serializers.ChoiceField(
        choices=["mine", "public"], required=False, default="mine", help_text="mine: as a party; public: every one"
    )


class ContractMilestoneInputSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    share = HundredthsField(help_text='a percentage with at most two decimals, "33.33"')
    due_on = serializers.DateField(required=False, allow_null=True, default=None)


class ContractMilestonesSerializer(serializers.Serializer):
    milestones = serializers.ListField(
        child=ContractMilestoneInputSerializer(), max_length=50, help_text="shares above zero adding up to exactly 100"
    )


class ContractTerminateSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=5_000, help_text="published with the contract")


# --- evaluation committee: the draw and the experts' seats ----------------------------------


class CommitteeMemberSerializer(serializers.ModelSerializer):
    expert = serializers.IntegerField(source="expert_id")
    name = serializers.CharField(source="expert.person.name")
    round = serializers.IntegerField(source="draw.round", help_text="the draw that chose the expert")

    class Meta:
        model = CommitteeMember
        fields = ["id", "expert", "name", "state", "round", "declaration", "responded_at"]
        read_only_fields = fields

    def to_representation(self, instance: CommitteeMember) -> dict[str, Any]:
        data = super().to_representation(instance)
        if not self.context.get("auditor", False):
            data.pop("declaration")  # a declined expert's declared ties: for the buyer and auditors only
        return data


class CommitteeDrawSerializer(serializers.ModelSerializer):
    candidates = serializers.ListField(child=serializers.IntegerField(), help_text="eligible expert ids, ascending")
    drawn = serializers.ListField(child=serializers.IntegerField(), help_text="expert ids drawn, in draw order")

    class Meta:
        model = CommitteeDraw
        fields = ["round", "seed", "candidates", "seats", "drawn", "digest", "drawn_at"]
        read_only_fields = fields


class CommitteeSerializer(serializers.Serializer):
    """The committee, its members and every draw: replay a draw with `marketplace.committee_draw.draw(seed,
    candidates, seats, round)`; `digest` is also kept in the audit log."""

    tender = serializers.IntegerField(source="tender_id")
    size = serializers.IntegerField()
    formed_at = serializers.DateTimeField()
    open_seats = serializers.SerializerMethodField(help_text="declined seats not yet refilled")
    members = serializers.SerializerMethodField()
    draws = serializers.SerializerMethodField()

    def get_open_seats(self, committee: Any) -> int:
        return selectors.committee_open_seats(committee=committee)

    @extend_schema_field(CommitteeMemberSerializer(many=True))
    def get_members(self, committee: Any) -> list[dict[str, Any]]:
        members = selectors.committee_members_of(committee=committee)
        return CommitteeMemberSerializer(members, many=True, context=self.context).data  # type: ignore[return-value]

    @extend_schema_field(CommitteeDrawSerializer(many=True))
    def get_draws(self, committee: Any) -> list[dict[str, Any]]:
        return CommitteeDrawSerializer(selectors.committee_draws_of(committee=committee), many=True).data  # type: ignore[return-value]


class CommitteeFormSerializer(serializers.Serializer):
    size = serializers.IntegerField(help_text="odd, at least 5", min_value=-32_768, max_value=32_767)


class CommitteeSeatSerializer(serializers.ModelSerializer):
    """One of your seats: the tender, its buyer and its bidders, so you can judge your conflicts."""

    tender = serializers.IntegerField(source="committee.tender_id")
    reference = serializers.CharField(source="committee.tender.reference")
    title = serializers.CharField(source="committee.tender.title")
    tender_state = serializers.CharField(source="committee.tender.state")
    buyer = serializers.CharField(source="committee.tender.buyer.name")
    bidders = serializers.SerializerMethodField()
    round = serializers.IntegerField(source="draw.round")
    state = serializers.ChoiceField(choices=MemberState.choices, read_only=True)

    class Meta:
        model = CommitteeMember
        fields = [
            "id",
            "tender",
            "reference",
            "title",
            "tender_state",
            "buyer",
            "bidders",
            "state",
            "round",
            "declaration",
            "responded_at",
        ]
        read_only_fields = fields

    def get_bidders(self, seat: CommitteeMember) -> list[str]:
        bidders = self.context.get("bidders")
        if bidders is None:
            bidders = selectors.bidders_of(tender_ids=[seat.committee.tender_id])
        return list(bidders.get(seat.committee.tender_id, []))


class SeatDeclineSerializer(serializers.Serializer):
    declaration = serializers.CharField(
        allow_blank=True, trim_whitespace=False, max_length=10_000, help_text="the conflict of interest you declare"
    )


# --- delivery acceptance ---------------------------------------------------------------------


class AcceptancePlanSerializer(serializers.ModelSerializer):
    """A milestone's acceptance plan and the GB/T 2828.1 single sampling plan (normal inspection,
    general level II) that follows from its lot size and the tender's AQL."""

    aql = serializers.ChoiceField(
        choices=AcceptanceQualityLimit.choices, help_text="hundredths of a percent nonconforming (GB/T 2828.1)"
    )
    label_set = serializers.ListField(child=serializers.CharField())

    class Meta:
        model = AcceptancePlan
        fields = [
            "id",
            "milestone",
            "kind",
            "format",
            "label_set",
            "lot_size",
            "aql",
            "code_letter",
            "sample_size",
            "accept_number",
            "reject_number",
            "full_inspection",
            "updated_at",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "accept_number": {"help_text": "Ac: at most this many defects in the sample accept the delivery"},
            "reject_number": {"help_text": "Re: this many defects reject it (Ac + 1)"},
            "full_inspection": {"help_text": "the sample is the whole lot (full inspection)"},
        }


class AcceptancePlanInputSerializer(serializers.Serializer):
    """PUT replaces the plan until the first delivery arrives. A changed type, format or label set
    drops a gold set that no longer fits; the AQL is the tender's."""

    kind = serializers.ChoiceField(choices=AcceptanceKind.choices, help_text="type of annotation")
    format = serializers.ChoiceField(
        choices=DeliveryFormat.choices,
        help_text="classification: csv, jsonl or label_studio; boxes: coco or label_studio; entities: conll or "
        "label_studio",
    )
    label_set = serializers.ListField(
        child=serializers.CharField(allow_blank=True, max_length=1_000), max_length=10_000, help_text="the labels"
    )
    lot_size = serializers.IntegerField(min_value=-(2**31), max_value=2**31 - 1, help_text="items in the lot")


class GoldSetSummarySerializer(serializers.Serializer):
    """`ready` for everyone who sees the acceptance; the rest (present when `ready`) for the buyer's
    side and observers. The supplier's side never receives anything about the gold set beyond
    `ready`."""

    ready = serializers.SerializerMethodField(help_text="a gold set is in place: deliveries may be made")
    file_name = serializers.CharField(source="original_name", required=False)
    items = serializers.IntegerField(source="item_count", required=False)
    sha256 = serializers.CharField(required=False)
    size_bytes = serializers.IntegerField(required=False)
    label_counts = serializers.DictField(child=serializers.IntegerField(), required=False, help_text="label → count")
    uploaded_at = serializers.DateTimeField(required=False)

    def get_ready(self, gold: GoldSet) -> bool:
        return True


class GoldSetUploadSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text="the gold labels in the plan's format (or a zip holding that one file); read whole at upload"
    )


def _decision_of(delivery: Delivery) -> str:
    try:
        return delivery.report.decision
    except AcceptanceReport.DoesNotExist:
        return ""


class DeliverySummarySerializer(serializers.ModelSerializer):
    file_name = serializers.CharField(source="original_name", read_only=True)
    percent = serializers.IntegerField(read_only=True, help_text="scoring progress, 0 to 100")
    decision = serializers.SerializerMethodField(help_text="the buyer's decision; empty until decided")

    class Meta:
        model = Delivery
        fields = [
            "id",
            "number",
            "state",
            "file_name",
            "progress_done",
            "progress_total",
            "percent",
            "uploaded_at",
            "decision",
        ]
        read_only_fields = fields

    def get_decision(self, delivery: Delivery) -> str:
        return _decision_of(delivery)


class DeliveryListSerializer(DeliverySummarySerializer):
    contract_reference = serializers.CharField(source="contract.reference", read_only=True)
    milestone_title = serializers.CharField(source="milestone.title", read_only=True)

    class Meta(DeliverySummarySerializer.Meta):
        fields = [
            "contract",
            "contract_reference",
            "milestone",
            "milestone_title",
            *DeliverySummarySerializer.Meta.fields,
        ]
        read_only_fields = fields


class MilestoneAcceptanceSerializer(serializers.Serializer):
    milestone = ContractMilestoneSerializer()
    plan = AcceptancePlanSerializer(allow_null=True)
    gold = serializers.SerializerMethodField(help_text="for the supplier's side only `ready`")
    seed_digest = serializers.CharField(
        help_text="SHA-256 of the sampling seed committed for the next delivery (revealed once it is scored)"
    )
    deliveries = DeliverySummarySerializer(many=True, help_text="newest first")
    deliveries_left = serializers.IntegerField(help_text="deliveries the contract still allows for this milestone")
    actions = serializers.ListField(
        child=serializers.CharField(), help_text="plan, gold (the buyer's staff); deliver (the supplier's); decide"
    )

    @extend_schema_field(GoldSetSummarySerializer)
    def get_gold(self, row: selectors.MilestoneAcceptance) -> dict[str, Any]:
        if row.gold is None:  # none yet, or the supplier's side (the selector leaves it out)
            return {"ready": row.gold_ready}
        return dict(GoldSetSummarySerializer(row.gold).data)


class ContractAcceptanceSerializer(serializers.Serializer):
    contract = serializers.IntegerField(source="contract.pk")
    reference = serializers.CharField(source="contract.reference")
    state = serializers.CharField(source="contract.state")
    max_deliveries = serializers.IntegerField(source="contract.max_deliveries", help_text="per milestone")
    side = serializers.ChoiceField(
        choices=["buyer", "supplier", "observer"], help_text="observer: operators and regulators in scope"
    )
    milestones = MilestoneAcceptanceSerializer(many=True)


class DeliveryUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="the labels in the plan's format, or a zip holding that one file")
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=2_000)


class DeliveryErrorSerializer(serializers.Serializer):
    """Why a delivery could not be read, with the place when known."""

    message = serializers.CharField()
    code = serializers.CharField(required=False)
    line = serializers.IntegerField(required=False, allow_null=True)
    field = serializers.CharField(required=False, allow_null=True)


class AcceptanceReportSerializer(serializers.ModelSerializer):
    """The scored report as one side reads it: the supplier's side gets the defects without any
    gold label and the metrics without the gold set's label counts (`selectors.defects_for_side`,
    `selectors.metrics_for_side`). The seed is revealed once the delivery is scored: check that
    SHA-256(seed) is the digest committed before the delivery and redraw the sample with it."""

    metrics = serializers.SerializerMethodField()
    sample = serializers.ListField(child=serializers.CharField(), help_text="sampled item ids, in draw order")
    defects = serializers.SerializerMethodField(help_text="defective sampled items, in sample order")
    seed = serializers.SerializerMethodField(help_text="hex; the bytes the sample was drawn with")
    seed_digest = serializers.CharField(source="delivery.seed.digest")
    overridden = serializers.BooleanField(help_text="the decision differs from the sampling's result")

    class Meta:
        model = AcceptanceReport
        fields = [
            "sample_size",
            "defect_count",
            "accept_number",
            "reject_number",
            "proposed",
            "decision",
            "overridden",
            "override_reason",
            "scored_at",
            "decided_at",
            "seed",
            "seed_digest",
            "metrics",
            "sample",
            "defects",
        ]
        read_only_fields = fields

    def get_metrics(self, report: AcceptanceReport) -> dict[str, Any]:
        return selectors.metrics_for_side(report=report, side=self.context["side"])

    def get_defects(self, report: AcceptanceReport) -> list[dict[str, Any]]:
        return selectors.defects_for_side(report=report, side=self.context["side"])

    def get_seed(self, report: AcceptanceReport) -> str:
        return selectors.seed_shown(delivery=report.delivery)


class DeliveryDetailSerializer(DeliveryListSerializer):
    """A delivery with its scoring's progress, why it could not be read (`errors`), and its report
    once scored (`report`, null before)."""

    kind = serializers.CharField(source="plan.kind", read_only=True)
    format = serializers.CharField(source="plan.format", read_only=True)
    seed_digest = serializers.CharField(
        source="seed.digest", read_only=True, help_text="SHA-256 of the seed committed before the delivery arrived"
    )
    # DRF takes declared fields off the class, so this does not hide Serializer.errors at run time.
    errors = DeliveryErrorSerializer(many=True, read_only=True)  # type: ignore[assignment]
    side = serializers.SerializerMethodField()
    actions = serializers.SerializerMethodField(help_text="decide (the buyer's staff, once scored)")
    file_url = serializers.SerializerMethodField()
    report = serializers.SerializerMethodField()

    class Meta(DeliveryListSerializer.Meta):
        fields = [
            *DeliveryListSerializer.Meta.fields,
            "kind",
            "format",
            "sha256",
            "size_bytes",
            "note",
            "item_count",
            "errors",
            "seed_digest",
            "side",
            "actions",
            "file_url",
            "report",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ChoiceField(choices=["buyer", "supplier", "observer"]))
    def get_side(self, delivery: Delivery) -> str:
        return str(self.context["side"])

    def get_decision(self, delivery: Delivery) -> str:
        report = self.context.get("report")
        return report.decision if report is not None else ""

    def get_actions(self, delivery: Delivery) -> list[str]:
        return ["decide"] if self.context["side"] == "buyer" and delivery.state == DeliveryState.SCORED else []

    def get_file_url(self, delivery: Delivery) -> str:
        path = reverse("delivery-file", args=[delivery.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path

    @extend_schema_field(AcceptanceReportSerializer(allow_null=True))
    def get_report(self, delivery: Delivery) -> dict[str, Any] | None:
        report = self.context.get("report")
        if report is None:
            return None
        return dict(AcceptanceReportSerializer(report, context=self.context).data)


class DeliveryDecisionSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=Decision.choices)
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=5_000,
        help_text="required when the decision differs from the sampling's result (audited)",
    )


class PassRateSerializer(serializers.Serializer):
    year = serializers.IntegerField(help_text="year of the decision")
    modality = serializers.CharField(allow_null=True, help_text="of the contract's lot")
    decided = serializers.IntegerField()
    accepted = serializers.IntegerField()
    first_time = serializers.IntegerField(help_text="accepted on the first delivery")
    rate_bp = serializers.IntegerField(help_text="accepted share of decided deliveries, in basis points (rounded down)")


class PassRateQuerySerializer(serializers.Serializer):
    year = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=1900, max_value=9999)
