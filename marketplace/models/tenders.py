from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from marketplace.models.catalogue import CatalogueEntry, VolumeUnit
from marketplace.procedures import EvaluationMethod, Procedure
from marketplace.states import TenderState
from registry.models import Organisation, Region
from registry.taxonomy import Modality, Sector


class AcceptanceQualityLimit(models.IntegerChoices):
    """GB/T 2828.1 acceptance quality limits offered for delivery acceptance, in hundredths of a
    percent of nonconforming items (65 = AQL 0.65)."""

    AQL_0_65 = 65, "0.65"
    AQL_1_0 = 100, "1.0"
    AQL_1_5 = 150, "1.5"
    AQL_2_5 = 250, "2.5"
    AQL_4_0 = 400, "4.0"
    AQL_6_5 = 650, "6.5"
    AQL_10 = 1000, "10"


class Tender(models.Model):
    # Given by `tender_create` once the row has its id; null only inside that transaction.
    reference = models.CharField(_("reference number"), max_length=32, unique=True, null=True, editable=False)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"))
    buyer = models.ForeignKey(Organisation, verbose_name=_("buyer"), on_delete=models.PROTECT, related_name="tenders")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    catalogue_entry = models.ForeignKey(
        CatalogueEntry,
        verbose_name=_("catalogue entry"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tenders",
    )
    previous_tender = models.ForeignKey(
        "self",
        verbose_name=_("re-tender of"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="retenders",
    )
    procedure = models.CharField(_("procedure"), max_length=32, choices=Procedure.choices)
    evaluation_method = models.CharField(_("evaluation method"), max_length=32, choices=EvaluationMethod.choices)
    sector = models.CharField(_("sector"), max_length=32, choices=Sector.choices)
    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="+")
    budget_fen = models.PositiveBigIntegerField(_("budget (fen)"))
    currency = models.CharField(_("currency"), max_length=3, default="CNY", editable=False)
    # Evaluation weights in basis points; they sum to 10,000.
    price_weight_bp = models.PositiveIntegerField(_("price weight"), validators=[MaxValueValidator(10_000)])
    technical_weight_bp = models.PositiveIntegerField(_("technical weight"), validators=[MaxValueValidator(10_000)])
    business_weight_bp = models.PositiveIntegerField(_("business weight"), validators=[MaxValueValidator(10_000)])
    acceptance_aql = models.PositiveIntegerField(
        _("acceptance quality limit"),
        choices=AcceptanceQualityLimit.choices,
        default=AcceptanceQualityLimit.AQL_2_5,
    )
    deadline = models.DateTimeField(_("bid deadline"))
    state = models.CharField(_("state"), max_length=16, choices=TenderState.choices, default=TenderState.DRAFT)
    state_changed_at = models.DateTimeField(_("state changed at"), null=True, blank=True)
    # When the deadline sweep must next look at this tender (the deadline, then retries of the
    # opening); null when nothing is due.
    next_check_at = models.DateTimeField(null=True, blank=True, editable=False)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    opened_at = models.DateTimeField(_("opened at"), null=True, blank=True)
    cancellation_reason = models.TextField(_("reason for cancellation"), blank=True)
    # Evaluation starts at round 1; an upheld challenge sends the tender back for another round.
    evaluation_round = models.PositiveSmallIntegerField(_("evaluation round"), default=1)
    publicity_started_at = models.DateTimeField(_("publicity started at"), null=True, blank=True)
    publicity_ends_at = models.DateTimeField(_("publicity ends at"), null=True, blank=True)
    documents_version = models.PositiveIntegerField(_("documents version"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("tender")
        verbose_name_plural = _("tenders")
        ordering = ["-published_at", "-pk"]
        indexes = [
            models.Index(fields=["state", "-published_at", "-id"], name="marketplace_tender_listing"),
            # The search over every public state, newest first: an IN list of states cannot use the
            # listing index for the order, and sorting 100,000 rows per page view costs ~150 ms.
            models.Index(fields=["-published_at", "-id"], name="marketplace_tender_recent"),
            models.Index(fields=["state", "deadline"], name="marketplace_tender_deadline"),
            models.Index(
                fields=["next_check_at"], name="marketplace_tender_due", condition=models.Q(next_check_at__isnull=False)
            ),
            models.Index(fields=["buyer", "state"], name="marketplace_tender_buyer"),
            models.Index(fields=["region"], name="marketplace_tender_region"),
            models.Index(fields=["sector"], name="marketplace_tender_sector"),
            models.Index(fields=["budget_fen"], name="marketplace_tender_budget"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    @property
    def opened(self) -> bool:
        """Bids have been decrypted: prices and the opening list exist."""
        return self.opened_at is not None


class LotState(models.TextChoices):
    ACTIVE = "active", _("active")
    UNSUCCESSFUL = "unsuccessful", _("unsuccessful")
    CANCELLED = "cancelled", _("cancelled")


class Lot(models.Model):
    tender = models.ForeignKey(Tender, on_delete=models.CASCADE, related_name="lots")
    number = models.PositiveSmallIntegerField(_("lot number"), validators=[MinValueValidator(1)])
    title = models.CharField(_("title"), max_length=200)
    modality = models.CharField(_("modality"), max_length=16, choices=Modality.choices)
    volume = models.PositiveBigIntegerField(_("volume"), validators=[MinValueValidator(1)])
    volume_unit = models.CharField(_("unit"), max_length=16, choices=VolumeUnit.choices, default=VolumeUnit.ITEM)
    budget_fen = models.PositiveBigIntegerField(_("budget (fen)"), validators=[MinValueValidator(1)])
    state = models.CharField(_("state"), max_length=16, choices=LotState.choices, default=LotState.ACTIVE)

    class Meta:
        verbose_name = _("lot")
        verbose_name_plural = _("lots")
        ordering = ["tender", "number"]
        constraints = [models.UniqueConstraint(fields=["tender", "number"], name="marketplace_lot_number_unique")]
        indexes = [models.Index(fields=["modality", "tender"], name="marketplace_lot_modality")]

    def __str__(self) -> str:
        return f"{self.tender_id}/{self.number} {self.title}"


class TenderMilestone(models.Model):
    """The payment milestone template the contract will follow; shares sum to 10,000 bp."""

    tender = models.ForeignKey(Tender, on_delete=models.CASCADE, related_name="milestones")
    position = models.PositiveSmallIntegerField(_("position"))
    title = models.CharField(_("title"), max_length=200)
    share_bp = models.PositiveIntegerField(
        _("share of the contract value"), validators=[MinValueValidator(1), MaxValueValidator(10_000)]
    )

    class Meta:
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        ordering = ["tender", "position"]
        constraints = [
            models.UniqueConstraint(fields=["tender", "position"], name="marketplace_milestone_position_unique")
        ]

    def __str__(self) -> str:
        return f"{self.tender_id}#{self.position} {self.title}"


def _document_path(document: TenderDocument, filename: str) -> str:
    return f"tenders/{document.tender_id}/v{document.version}/{filename}"


class TenderDocument(models.Model):
    """A published file of the tender documents. A new version of a file supersedes the old one,
    which is kept (with its hash) so that what bidders saw can always be shown."""

    tender = models.ForeignKey(Tender, on_delete=models.CASCADE, related_name="documents")
    version = models.PositiveIntegerField(_("version"))
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(_("file"), upload_to=_document_path, max_length=300)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    superseded_at = models.DateTimeField(_("superseded at"), null=True, blank=True)

    class Meta:
        verbose_name = _("tender document")
        verbose_name_plural = _("tender documents")
        ordering = ["tender", "version", "pk"]

    def __str__(self) -> str:
        return f"{self.title} (v{self.version})"


class TenderAmendment(models.Model):
    """A change to a published tender's documents (OCDS tender.amendments)."""

    tender = models.ForeignKey(Tender, on_delete=models.CASCADE, related_name="amendments")
    documents_version = models.PositiveIntegerField(_("documents version"))
    rationale = models.TextField(_("what changed and why"))
    deadline_before = models.DateTimeField(_("deadline before"))
    deadline_after = models.DateTimeField(_("deadline after"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("amended at"), auto_now_add=True)

    class Meta:
        verbose_name = _("tender amendment")
        verbose_name_plural = _("tender amendments")
        ordering = ["tender", "documents_version"]
        constraints = [
            models.UniqueConstraint(fields=["tender", "documents_version"], name="marketplace_amendment_unique")
        ]

    def __str__(self) -> str:
        return f"{self.tender_id} v{self.documents_version}"


class Clarification(models.Model):
    """A vendor's question and the agency's answer (澄清/答疑). Answered clarifications are public;
    the asker is never shown to anyone but the asker's own organisation."""

    tender = models.ForeignKey(Tender, on_delete=models.CASCADE, related_name="clarifications")
    asked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    asking_organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    question = models.TextField(_("question"))
    asked_at = models.DateTimeField(_("asked at"), auto_now_add=True)
    answer = models.TextField(_("answer"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("clarification")
        verbose_name_plural = _("clarifications")
        ordering = ["tender", "asked_at", "pk"]

    def __str__(self) -> str:
        return f"{self.tender_id}: {self.question[:40]}"

    @property
    def answered(self) -> bool:
        return self.answered_at is not None


class TenderUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Tender, on_delete=models.CASCADE)


class TenderGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Tender, on_delete=models.CASCADE)


class ClarificationUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Clarification, on_delete=models.CASCADE)


class ClarificationGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Clarification, on_delete=models.CASCADE)
