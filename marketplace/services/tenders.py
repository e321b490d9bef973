"""Writes on tenders: drafting, documents, publication, amendment, cancellation and re-tender.

A tender changes state only through `_transition`, which reads marketplace.states, audits the
change and writes the OCDS release of the new state, all in the caller's transaction.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace import listing_cache, tasks
from marketplace.models import CatalogueEntry, Lot, Tender, TenderAmendment, TenderDocument, TenderMilestone
from marketplace.ocds.publish import release_record
from marketplace.procedures import AMENDMENT_NOTICE, EvaluationMethod, Procedure, procedures_for, rules_of
from marketplace.services._common import lock, require_buyer_staff
from marketplace.states import TenderAction, TenderState, next_state
from monitoring.rollups import events as rollup_events
from portal.accounts.models import User
from portal.audit.services import audit_record, snapshot
from portal.errors import Conflict, PermissionDenied
from portal.permissions import grant
from registry.models import Organisation, Region

TENDER_AUDIT_FIELDS = (
    "reference",
    "title",
    "buyer",
    "procedure",
    "evaluation_method",
    "sector",
    "region",
    "budget_fen",
    "price_weight_bp",
    "technical_weight_bp",
    "business_weight_bp",
    "acceptance_aql",
    "deadline",
    "state",
    "documents_version",
    "cancellation_reason",
    "evaluation_round",
    "publicity_ends_at",
)
# The buyer's members see and manage the tender before it is published (drafts are private).
BUYER_PERMS = ("marketplace.view_tender", "marketplace.change_tender")
FULL_BP = 10_000
# Services are evaluated on quality first: price counts for at least 10 % under comprehensive
# scoring (政府采购货物和服务招标投标管理办法, art. 55).
MIN_SERVICE_PRICE_WEIGHT_BP = 1_000
PRICE_ONLY_METHODS = (
    EvaluationMethod.LOWEST_EVALUATED_PRICE,
    EvaluationMethod.LOWEST_PRICE,
    EvaluationMethod.BUYERS_CHOICE,
)


@dataclass(frozen=True)
class LotSpec:
    title: str
    modality: str
    volume: int
    budget_fen: int
    volume_unit: str = "item"


@dataclass(frozen=True)
class MilestoneSpec:
    title: str
    share_bp: int


@dataclass(frozen=True)
class TenderSpec:
    """Everything a draft says; `tender_create` and `tender_update` validate it as a whole."""

    title: str
    description: str
    procedure: str
    evaluation_method: str
    sector: str
    deadline: datetime
    lots: Sequence[LotSpec]
    milestones: Sequence[MilestoneSpec]
    price_weight_bp: int = FULL_BP
    technical_weight_bp: int = 0
    business_weight_bp: int = 0
    acceptance_aql: int = 250
    region_code: str = ""
    catalogue_entry_id: int | None = None


def _check_spec(spec: TenderSpec, *, buyer: Organisation) -> None:
    errors: dict[str, list[str]] = {}

    def fail(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    if spec.procedure not in Procedure.values:
        fail("procedure", _("Unknown procedure."))
    elif Procedure(spec.procedure) not in procedures_for(buyer.kind):
        fail("procedure", _("Your organisation cannot run this procedure."))
    elif spec.evaluation_method not in rules_of(spec.procedure).methods:
        fail("evaluation_method", _("This evaluation method is not allowed under the chosen procedure."))
    weights = (spec.price_weight_bp, spec.technical_weight_bp, spec.business_weight_bp)
    if any(w < 0 for w in weights) or sum(weights) != FULL_BP:
        fail("price_weight_bp", _("The price, technical and business weights must add up to exactly 100 %."))
    elif spec.evaluation_method in PRICE_ONLY_METHODS and spec.price_weight_bp != FULL_BP:
        fail("price_weight_bp", _("A price-based evaluation gives the price a weight of 100 %."))
    elif (
        spec.evaluation_method == EvaluationMethod.COMPREHENSIVE_SCORING
        and spec.price_weight_bp < MIN_SERVICE_PRICE_WEIGHT_BP
    ):
        fail("price_weight_bp", _("Under comprehensive scoring the price weighs at least 10 %."))
    if spec.deadline <= timezone.now():
        fail("deadline", _("The bid deadline must be in the future."))
    if not spec.lots:
        fail("lots", _("A tender has at least one lot."))
    for index, lot in enumerate(spec.lots, start=1):
        if lot.budget_fen <= 0:
            fail("lots", _("Lot %(number)d needs a budget above zero.") % {"number": index})
        if lot.volume <= 0:
            fail("lots", _("Lot %(number)d needs a volume above zero.") % {"number": index})
    if not spec.milestones:
        fail("milestones", _("Give at least one payment milestone."))
    elif any(m.share_bp <= 0 for m in spec.milestones) or sum(m.share_bp for m in spec.milestones) != FULL_BP:
        fail("milestones", _("The milestones' shares must each be above zero and add up to exactly 100 %."))
    if errors:
        raise ValidationError(errors)


def _region(spec: TenderSpec, buyer: Organisation) -> Region:
    if not spec.region_code:
        return buyer.region
    region = Region.objects.filter(pk=spec.region_code).first()
    if region is None:
        raise ValidationError({"region": [_("Unknown region code “%(code)s”.") % {"code": spec.region_code}]})
    return region


def _catalogue_entry(spec: TenderSpec, buyer: Organisation) -> CatalogueEntry | None:
    if spec.catalogue_entry_id is None:
        return None
    entry = CatalogueEntry.objects.filter(pk=spec.catalogue_entry_id, agency=buyer).first()
    if entry is None:
        raise ValidationError({"catalogue_entry": [_("Choose one of your own agency's catalogue entries.")]})
    return entry


def _apply_spec(tender: Tender, spec: TenderSpec) -> None:
    """Write the spec's fields, lots and milestones onto a draft (lots and milestones replaced)."""
    for name in (
        "title",
        "description",
        "procedure",
        "evaluation_method",
        "sector",
        "deadline",
        "price_weight_bp",
        "technical_weight_bp",
        "business_weight_bp",
        "acceptance_aql",
    ):
        setattr(tender, name, getattr(spec, name))
    tender.region = _region(spec, tender.buyer)
    tender.catalogue_entry = _catalogue_entry(spec, tender.buyer)
    tender.budget_fen = sum(lot.budget_fen for lot in spec.lots)
    tender.full_clean(exclude=["buyer", "created_by", "reference"])
    tender.save()
    tender.lots.all().delete()
    lots = [
        Lot(
            tender=tender,
            number=number,
            title=lot.title.strip(),
            modality=lot.modality,
            volume=lot.volume,
            volume_unit=lot.volume_unit,
            budget_fen=lot.budget_fen,
        )
        for number, lot in enumerate(spec.lots, start=1)
    ]
    tender.milestones.all().delete()
    milestones = [
        TenderMilestone(tender=tender, position=position, title=m.title.strip(), share_bp=m.share_bp)
        for position, m in enumerate(spec.milestones, start=1)
    ]
    for row in (*lots, *milestones):
        row.full_clean(exclude=["tender"])
    Lot.objects.bulk_create(lots)
    TenderMilestone.objects.bulk_create(milestones)


def _reference(tender: Tender) -> str:
    return f"BZ{tender.created_at:%Y}{tender.pk:08d}"


def tender_create(*, actor: User, buyer: Organisation, spec: TenderSpec) -> Tender:
    """A draft tender, visible only to the buyer's members until it is published."""
    require_buyer_staff(actor=actor, buyer=buyer)
    if not buyer.verified:
        raise PermissionDenied(_("Your organisation must be verified before it publishes tenders."))
    _check_spec(spec, buyer=buyer)
    with transaction.atomic():
        tender = Tender(buyer=buyer, created_by=actor, documents_version=1)
        _apply_spec(tender, spec)
        tender.reference = _reference(tender)
        tender.save(update_fields=["reference"])
        grant(perms=BUYER_PERMS, to=buyer.members_group, obj=tender)
        audit_record(
            actor=actor, action="tender.create", obj=tender, before={}, after=snapshot(tender, TENDER_AUDIT_FIELDS)
        )
    return tender


def _locked_draft(*, actor: User, tender: Tender) -> Tender:
    tender = lock(Tender, tender.pk)
    require_buyer_staff(actor=actor, buyer=tender.buyer)
    if tender.state != TenderState.DRAFT:
        raise Conflict(_("Only a draft can be edited this way; a published tender changes by amendment."))
    return tender


def tender_update(*, actor: User, tender: Tender, spec: TenderSpec) -> Tender:
    with transaction.atomic():
        tender = _locked_draft(actor=actor, tender=tender)
        _check_spec(spec, buyer=tender.buyer)
        before = snapshot(tender, TENDER_AUDIT_FIELDS)
        _apply_spec(tender, spec)
        audit_record(
            actor=actor, action="tender.update", obj=tender, before=before, after=snapshot(tender, TENDER_AUDIT_FIELDS)
        )
    return tender


def _store_document(*, tender: Tender, actor: User, title: str, upload: UploadedFile | ContentFile) -> TenderDocument:
    if upload.size is None or upload.size > settings.TENDER_DOCUMENT_MAX_BYTES:
        raise ValidationError(
            {
                "file": [
                    _("A tender document may be at most %(mb)d MB.")
                    % {"mb": settings.TENDER_DOCUMENT_MAX_BYTES // 2**20}
                ]
            }
        )
    if upload.size == 0:
        raise ValidationError({"file": [_("The file is empty.")]})
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    document = TenderDocument(
        tender=tender,
        version=tender.documents_version,
        title=(title or upload.name or "").strip()[:200],
        sha256=digest.hexdigest(),
        size=upload.size,
        uploaded_by=actor,
    )
    if not document.title:
        raise ValidationError({"title": [_("Give the document a title.")]})
    document.file.save((upload.name or "document").rsplit("/", 1)[-1][-100:], upload, save=False)
    document.save()
    return document


def tender_document_add(*, actor: User, tender: Tender, title: str, upload: UploadedFile) -> TenderDocument:
    """Attach a file to a draft. Published tenders change their documents with `tender_amend`."""
    with transaction.atomic():
        tender = _locked_draft(actor=actor, tender=tender)
        document = _store_document(tender=tender, actor=actor, title=title, upload=upload)
        audit_record(
            actor=actor,
            action="tender.document_add",
            obj=tender,
            before={},
            after={"document": document.pk, "title": document.title, "sha256": document.sha256},
        )
    return document


def tender_document_remove(*, actor: User, tender: Tender, document_id: int) -> None:
    with transaction.atomic():
        tender = _locked_draft(actor=actor, tender=tender)
        document = TenderDocument.objects.filter(pk=document_id, tender=tender).first()
        if document is None:
            raise ValidationError({"document": [_("This document is not part of the draft.")]})
        before = {"document": document.pk, "title": document.title, "sha256": document.sha256}
        document.delete()
        transaction.on_commit(lambda: document.file.delete(save=False))
        audit_record(actor=actor, action="tender.document_remove", obj=tender, before=before, after={})


def _transition(*, actor: User | None, tender: Tender, action: str, tags: list[str]) -> None:
    """Move a locked tender along marketplace.states, audit it and publish its release."""
    before = snapshot(tender, TENDER_AUDIT_FIELDS)
    tender.state = next_state(tender.state, action)
    tender.state_changed_at = timezone.now()
    tender.save()
    audit_record(
        actor=actor, action=f"tender.{action}", obj=tender, before=before, after=snapshot(tender, TENDER_AUDIT_FIELDS)
    )
    release_record(tender=tender, tags=tags)
    transaction.on_commit(listing_cache.invalidate)


def _check_bid_period(tender: Tender, now: datetime) -> None:
    minimum = rules_of(tender.procedure).min_bid_period
    if tender.deadline < now + minimum:
        raise ValidationError(
            {
                "deadline": [
                    _("Under this procedure bidders get at least %(days)d days: set the deadline on or after %(date)s.")
                    % {"days": minimum.days, "date": timezone.localtime(now + minimum).strftime("%Y-%m-%d %H:%M")}
                ]
            }
        )


def tender_publish(*, actor: User, tender: Tender) -> Tender:
    """Open the draft for bids. The bid period of the procedure counts from now."""
    with transaction.atomic():
        tender = _locked_draft(actor=actor, tender=tender)
        now = timezone.now()
        _check_bid_period(tender, now)
        if not tender.documents.exists():
            raise ValidationError({"documents": [_("Attach the tender documents before publishing.")]})
        tender.published_at = now
        tender.next_check_at = tender.deadline
        _transition(
            actor=actor,
            tender=tender,
            action=TenderAction.PUBLISH,
            tags=["planning", "tender"] if tender.catalogue_entry_id else ["tender"],
        )
        rollup_events.tender_published(tender)
        transaction.on_commit(partial(tasks.saved_searches_notify_task.delay, tender.pk))
    return tender


def tender_amend(
    *,
    actor: User,
    tender: Tender,
    rationale: str,
    documents: Sequence[tuple[str, UploadedFile]] = (),
    superseded_ids: Sequence[int] = (),
    deadline: datetime | None = None,
) -> TenderAmendment:
    """Change a published tender's documents (new files, superseded files) and possibly its deadline.

    Every amendment asks each bidder to confirm a submitted bid again; one later than 15 days before
    the deadline also moves the deadline so that 15 days remain (DESIGN §4).
    """
    rationale = (rationale or "").strip()
    if not rationale:
        raise ValidationError({"rationale": [_("Say what changed and why.")]})
    if not documents and not superseded_ids and deadline is None:
        raise ValidationError({"documents": [_("An amendment changes a document or the deadline.")]})
    with transaction.atomic():
        tender = lock(Tender, tender.pk)
        require_buyer_staff(actor=actor, buyer=tender.buyer)
        now = timezone.now()
        if tender.state != TenderState.OPEN or tender.deadline <= now:
            raise Conflict(_("Only a tender open for bids can be amended."))
        before = snapshot(tender, TENDER_AUDIT_FIELDS)
        deadline_before = tender.deadline
        new_deadline = max(deadline or tender.deadline, tender.deadline)
        if documents or superseded_ids:
            new_deadline = max(new_deadline, now + AMENDMENT_NOTICE)
        superseded = list(TenderDocument.objects.filter(tender=tender, pk__in=superseded_ids, superseded_at=None))
        if len(superseded) != len(set(superseded_ids)):
            raise ValidationError({"superseded": [_("Only current documents of this tender can be replaced.")]})
        tender.documents_version += 1
        tender.deadline = new_deadline
        tender.next_check_at = new_deadline
        tender.save()
        TenderDocument.objects.filter(pk__in=[d.pk for d in superseded]).update(superseded_at=now)
        for title, upload in documents:
            _store_document(tender=tender, actor=actor, title=title, upload=upload)
        amendment = TenderAmendment.objects.create(
            tender=tender,
            documents_version=tender.documents_version,
            rationale=rationale,
            deadline_before=deadline_before,
            deadline_after=new_deadline,
            created_by=actor,
        )
        audit_record(
            actor=actor, action="tender.amend", obj=tender, before=before, after=snapshot(tender, TENDER_AUDIT_FIELDS)
        )
        release_record(tender=tender, tags=["tenderAmendment"])
        transaction.on_commit(listing_cache.invalidate)
    return amendment


def tender_cancel(*, actor: User, tender: Tender, reason: str) -> Tender:
    """Cancel with a public reason. Sealed bids of a tender cancelled before its opening stay sealed."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Give the reason for the cancellation; it is published.")]})
    with transaction.atomic():
        tender = lock(Tender, tender.pk)
        require_buyer_staff(actor=actor, buyer=tender.buyer)
        tender.cancellation_reason = reason
        tender.next_check_at = None
        _transition(actor=actor, tender=tender, action=TenderAction.CANCEL, tags=["tenderCancellation"])
    return tender


def tender_retender(*, actor: User, tender: Tender, deadline: datetime) -> Tender:
    """One step after a failed tender: a copy (lots, milestones, documents, weights) published at
    once with a new deadline, linked to the failed one."""
    with transaction.atomic():
        failed = lock(Tender, tender.pk)
        require_buyer_staff(actor=actor, buyer=failed.buyer)
        if failed.state != TenderState.FAILED:
            raise Conflict(_("Only a failed tender can be re-tendered."))
        if failed.retenders.exists():
            raise Conflict(_("This tender has already been re-tendered."))
        spec = TenderSpec(
            title=failed.title,
            description=failed.description,
            procedure=failed.procedure,
            evaluation_method=failed.evaluation_method,
            sector=failed.sector,
            deadline=deadline,
            lots=[
                LotSpec(
                    title=lot.title,
                    modality=lot.modality,
                    volume=lot.volume,
                    budget_fen=lot.budget_fen,
                    volume_unit=lot.volume_unit,
                )
                for lot in failed.lots.all()
            ],
            milestones=[MilestoneSpec(title=m.title, share_bp=m.share_bp) for m in failed.milestones.all()],
            price_weight_bp=failed.price_weight_bp,
            technical_weight_bp=failed.technical_weight_bp,
            business_weight_bp=failed.business_weight_bp,
            acceptance_aql=failed.acceptance_aql,
            region_code=failed.region_id,
            catalogue_entry_id=failed.catalogue_entry_id,
        )
        copy = tender_create(actor=actor, buyer=failed.buyer, spec=spec)
        copy.previous_tender = failed
        copy.save(update_fields=["previous_tender"])
        for document in failed.documents.filter(superseded_at=None):
            with document.file.open("rb") as source:
                content = ContentFile(source.read(), name=document.file.name.rsplit("/", 1)[-1])
            _store_document(tender=copy, actor=actor, title=document.title, upload=content)
        return tender_publish(actor=actor, tender=copy)


def default_retender_deadline(tender: Tender) -> datetime:
    """What the re-tender form proposes: the procedure's shortest period plus a day, at 17:00 local."""
    proposed = timezone.localtime() + rules_of(tender.procedure).min_bid_period + timedelta(days=1)
    return proposed.replace(hour=17, minute=0, second=0, microsecond=0)
