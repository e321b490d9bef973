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
    Bid,
    CatalogueEntry,
    Clarification,
    Lot,
    Openness,
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
