"""Read-only admin views of the exchange for operators: every change goes through the services
(state machine, audit log, OCDS releases), on the pages or through the API.

Sealed bids: the admin never loads or shows `Bid.sealed`, offers no search or filter on anything a
bid sealed, and shows a price and document names only once the bid has been opened. Bids and
releases cannot be deleted. Gold sets and unrevealed sampling seeds are not here either: the
delivery list shows states and reports' counts only. Score sheets are not here at all: a
member's scores stay hidden until the whole committee has submitted, and the committee report
(`/tenders/<id>/report/`) shows them to operators then.
"""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from marketplace.models import (
    Award,
    Bid,
    CatalogueEntry,
    Challenge,
    Clarification,
    Committee,
    CommitteeDraw,
    CommitteeMember,
    Contract,
    ContractMilestone,
    Delivery,
    Lot,
    MilestonePayment,
    PaymentEntry,
    Release,
    StripeEvent,
    Tender,
    TenderAmendment,
    TenderDocument,
    TenderMilestone,
)
from portal.money import format_fen
from registry.admin import ReadOnlyInline
from registry.bases.admin import ReadOnlyAdmin


def _all_fields(model: type[Model], *, leave_out: tuple[str, ...] = ()) -> tuple[str, ...]:
    return tuple(field.name for field in model._meta.fields if field.name not in leave_out)


@admin.register(CatalogueEntry)
class CatalogueEntryAdmin(ReadOnlyAdmin):
    list_display = ("dataset", "agency", "sector", "modality", "openness", "created_at")
    list_filter = ("sector", "modality", "openness")
    search_fields = ("dataset", "agency__name")
    list_select_related = ("agency",)
    fields = _all_fields(CatalogueEntry, leave_out=("id",))
    readonly_fields = fields


class LotInline(ReadOnlyInline):
    model = Lot
    fields = ("number", "title", "modality", "volume", "volume_unit", "budget_fen", "state")
    readonly_fields = fields


class MilestoneInline(ReadOnlyInline):
    model = TenderMilestone
    fields = ("position", "title", "share_bp")
    readonly_fields = fields


class DocumentInline(ReadOnlyInline):
    model = TenderDocument
    fields = ("version", "title", "file", "sha256", "size", "uploaded_at", "superseded_at")
    readonly_fields = fields


class AmendmentInline(ReadOnlyInline):
    model = TenderAmendment
    fields = ("documents_version", "rationale", "deadline_before", "deadline_after", "created_at")
    readonly_fields = fields


@admin.register(Tender)
class TenderAdmin(ReadOnlyAdmin):
    list_display = ("reference", "title", "buyer", "procedure", "state", "budget_fen", "deadline", "published_at")
    list_filter = ("state", "procedure", "evaluation_method", "sector")
    search_fields = ("=reference", "title", "buyer__name")
    list_select_related = ("buyer",)
    date_hierarchy = "deadline"
    fields = _all_fields(Tender, leave_out=("id", "next_check_at"))
    readonly_fields = fields
    inlines = (LotInline, MilestoneInline, DocumentInline, AmendmentInline)


@admin.register(Bid)
class BidAdmin(ReadOnlyAdmin):
    """Receipts and opening results. `sealed` is neither loaded nor shown; `price_fen` and
    `documents` are empty until the opening fills them, and shown only after it."""

    list_display = ("uid", "tender", "lot", "vendor", "state", "received_at")
    list_filter = ("state",)
    search_fields = ("=uid", "=tender__reference", "vendor__name")
    list_select_related = ("tender", "lot", "vendor")
    fields = (
        "uid",
        "tender",
        "lot",
        "vendor",
        "submitted_by",
        "state",
        "received_at",
        "receipt_sha256",
        "documents_version",
        "withdrawn_at",
        "opened_at",
        "opened_price",
        "opened_documents",
        "invalid_reason",
    )
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[Bid]:
        return super().get_queryset(request).defer("sealed")

    @admin.display(description=_("price (yuan)"))
    def opened_price(self, bid: Bid) -> str:
        return format_fen(bid.price_fen) if bid.opened_at is not None else "—"

    @admin.display(description=_("documents"))
    def opened_documents(self, bid: Bid) -> str:
        if bid.opened_at is None:
            return "—"
        return ", ".join(
            f"{document['name']} ({document['size']} B, {document['sha256']})" for document in bid.documents
        )


@admin.register(Clarification)
class ClarificationAdmin(ReadOnlyAdmin):
    """The asker stays out of sight here as everywhere (the audit log records it)."""

    list_display = ("tender", "question", "asked_at", "answered_at")
    search_fields = ("=tender__reference", "question")
    list_select_related = ("tender",)
    fields = ("tender", "question", "asked_at", "answer", "answered_at")
    readonly_fields = fields


@admin.register(Release)
class ReleaseAdmin(ReadOnlyAdmin):
    list_display = ("release_id", "tender", "date", "tags")
    search_fields = ("=release_id", "=ocid")
    list_select_related = ("tender",)
    fields = ("release_id", "ocid", "tender", "date", "tags", "data")
    readonly_fields = fields


class DrawInline(ReadOnlyInline):
    model = CommitteeDraw
    fields = ("round", "seats", "seed", "candidates", "drawn", "digest", "drawn_by", "drawn_at")
    readonly_fields = fields


class MemberInline(ReadOnlyInline):
    model = CommitteeMember
    fields = ("expert", "draw", "state", "declaration", "responded_at")
    readonly_fields = fields


@admin.register(Committee)
class CommitteeAdmin(ReadOnlyAdmin):
    list_display = ("tender", "size", "formed_at")
    search_fields = ("=tender__reference",)
    list_select_related = ("tender",)
    fields = ("tender", "size", "formed_by", "formed_at")
    readonly_fields = fields
    inlines = (DrawInline, MemberInline)


@admin.register(Challenge)
class ChallengeAdmin(ReadOnlyAdmin):
    list_display = ("tender", "vendor", "round", "state", "submitted_at", "answered_at")
    list_filter = ("state",)
    search_fields = ("=tender__reference", "vendor__name")
    list_select_related = ("tender", "vendor")
    fields = _all_fields(Challenge, leave_out=("id",))
    readonly_fields = fields


@admin.register(Award)
class AwardAdmin(ReadOnlyAdmin):
    list_display = ("tender", "lot", "supplier", "value_fen", "awarded_at")
    search_fields = ("=tender__reference", "supplier__name")
    list_select_related = ("tender", "lot", "supplier")
    fields = _all_fields(Award, leave_out=("id",))
    readonly_fields = fields


class ContractMilestoneInline(ReadOnlyInline):
    model = ContractMilestone
    fields = ("position", "title", "share_bp", "amount_fen", "due_on", "state", "met_at")
    readonly_fields = fields


@admin.register(Contract)
class ContractAdmin(ReadOnlyAdmin):
    list_display = ("reference", "title", "buyer", "supplier", "value_fen", "state", "sign_by")
    list_filter = ("state",)
    search_fields = ("=reference", "=tender__reference", "supplier__name", "buyer__name")
    list_select_related = ("buyer", "supplier")
    fields = _all_fields(Contract, leave_out=("id",))
    readonly_fields = fields
    inlines = (ContractMilestoneInline,)


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    list_display = ("contract", "milestone", "number", "state", "uploaded_at", "item_count")
    list_filter = ("state",)
    search_fields = ("=contract__reference",)
    list_select_related = ("contract", "milestone")
    fields = (
        "contract",
        "milestone",
        "number",
        "original_name",
        "sha256",
        "size_bytes",
        "uploaded_by",
        "uploaded_at",
        "state",
        "item_count",
        "errors",
    )
    readonly_fields = fields


class PaymentEntryInline(ReadOnlyInline):
    model = PaymentEntry
    fields = (
        "recorded_at",
        "kind",
        "amount_fen",
        "stripe_id",
        "transfer_date",
        "voucher_number",
        "note",
        "recorded_by",
    )
    readonly_fields = fields
    ordering = ("recorded_at", "pk")


@admin.register(MilestonePayment)
class MilestonePaymentAdmin(ReadOnlyAdmin):
    """A milestone's payment and its append-only entries; changes go through the services."""

    list_display = ("milestone", "contract", "method", "state", "amount_fen", "updated_at")
    list_filter = ("method", "state")
    search_fields = ("=contract__reference", "=intent_id")
    list_select_related = ("milestone", "contract")
    fields = _all_fields(MilestonePayment, leave_out=("id",))
    readonly_fields = fields
    inlines = (PaymentEntryInline,)


@admin.register(StripeEvent)
class StripeEventAdmin(ReadOnlyAdmin):
    """Webhook events as received. The payload is left out: a PaymentIntent's carries its
    `client_secret`, which nobody needs to read here."""

    list_display = ("event_id", "type", "intent_id", "received_at", "processed_at", "attempts")
    list_filter = ("type",)
    search_fields = ("=event_id", "=intent_id")
    fields = _all_fields(StripeEvent, leave_out=("id", "payload"))
    readonly_fields = fields
