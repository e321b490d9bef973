"""Delivery acceptance (验收, DESIGN §5): the rule a milestone is accepted by, the buyer's gold set,
the vendor's deliveries, the committed sampling seeds and the scored report.

Files live under MEDIA_ROOT/acceptance/, which no URL serves: gold sets are read only by the
buyer's staff and deliveries by both parties, through views that check who is asking.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from marketplace.models.contracts import Contract, ContractMilestone
from marketplace.models.tenders import AcceptanceQualityLimit


class AcceptanceKind(models.TextChoices):
    CLASSIFICATION = "classification", _("classification")
    BOXES = "boxes", _("object detection boxes")
    ENTITIES = "entities", _("named entities")


class DeliveryFormat(models.TextChoices):
    CSV = "csv", _("CSV (item_id,label)")
    JSONL = "jsonl", _("JSON Lines")
    LABEL_STUDIO = "label_studio", _("Label Studio JSON export")
    COCO = "coco", _("COCO detection JSON")
    CONLL = "conll", _("CoNLL BIO")


class AcceptancePlan(models.Model):
    """验收方案: how one milestone's delivery is judged, fixed by the buyer before it arrives.

    The GB/T 2828.1 plan (code letter, sample size, Ac, Re) follows from the lot size and the AQL
    the tender announced; it is stored so both sides read the same figures the scoring will use.
    """

    milestone = models.OneToOneField(
        ContractMilestone, verbose_name=_("milestone"), on_delete=models.CASCADE, related_name="acceptance_plan"
    )
    contract = models.ForeignKey(
        Contract, verbose_name=_("contract"), on_delete=models.CASCADE, related_name="acceptance_plans"
    )
    kind = models.CharField(_("annotation type"), max_length=16, choices=AcceptanceKind.choices)
    format = models.CharField(_("file format"), max_length=16, choices=DeliveryFormat.choices)
    label_set = models.JSONField(_("label set"), default=list)
    lot_size = models.PositiveIntegerField(_("lot size (items)"), validators=[MinValueValidator(1)])
    aql = models.PositiveIntegerField(_("acceptance quality limit"), choices=AcceptanceQualityLimit.choices)
    code_letter = models.CharField(_("sample size code letter"), max_length=1)
    sample_size = models.PositiveIntegerField(_("sample size"))
    accept_number = models.PositiveIntegerField(_("acceptance number (Ac)"))
    reject_number = models.PositiveIntegerField(_("rejection number (Re)"))
    full_inspection = models.BooleanField(_("full inspection"), default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("acceptance plan")
        verbose_name_plural = _("acceptance plans")
        ordering = ["contract", "milestone__position"]

    def __str__(self) -> str:
        return f"acceptance plan of milestone {self.milestone_id}"


class GoldSet(models.Model):
    """The buyer's reference labels (金标准). Never shown to the vendor, in any form."""

    plan = models.OneToOneField(
        AcceptancePlan, verbose_name=_("acceptance plan"), on_delete=models.CASCADE, related_name="gold_set"
    )
    file = models.FileField(_("file"), upload_to="acceptance/gold/", max_length=255)
    original_name = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    size_bytes = models.PositiveBigIntegerField(_("size (bytes)"))
    item_count = models.PositiveIntegerField(_("items"))
    label_counts = models.JSONField(_("labels"), default=dict)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded at"))

    class Meta:
        verbose_name = _("gold set")
        verbose_name_plural = _("gold sets")

    def __str__(self) -> str:
        return f"gold set of plan {self.plan_id}"


class SamplingSeed(models.Model):
    """A seed committed before the delivery it samples: both sides see its SHA-256 from the start
    and the seed itself once the delivery is scored, so they can check that nobody chose the sample
    after seeing the labels. Each scored delivery reveals its seed and a fresh one is committed for
    the next; a plan has at most one unrevealed seed."""

    plan = models.ForeignKey(AcceptancePlan, on_delete=models.CASCADE, related_name="seeds")
    seed = models.CharField(max_length=64, editable=False)  # hex; secret until revealed_at
    digest = models.CharField(_("SHA-256 of the seed"), max_length=64, editable=False)
    committed_at = models.DateTimeField(_("committed at"))
    revealed_at = models.DateTimeField(_("revealed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("sampling seed")
        verbose_name_plural = _("sampling seeds")
        ordering = ["plan", "committed_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan"], condition=models.Q(revealed_at__isnull=True), name="marketplace_seed_one_open"
            )
        ]

    def __str__(self) -> str:
        return self.digest


class DeliveryState(models.TextChoices):
    RECEIVED = "received", _("received")
    SCORING = "scoring", _("scoring")
    INVALID = "invalid", _("could not be read")
    SCORED = "scored", _("awaiting the buyer's decision")
    ACCEPTED = "accepted", _("accepted")
    REJECTED = "rejected", _("rejected")


# The one table of allowed moves (marketplace.services.acceptance._move checks it). scoring ->
# scoring: a redelivered task takes over a scoring abandoned by a dead worker.
D = DeliveryState
DELIVERY_TRANSITIONS: dict[str, frozenset[str]] = {
    D.RECEIVED: frozenset({D.SCORING}),
    D.SCORING: frozenset({D.SCORING, D.INVALID, D.SCORED}),
    D.INVALID: frozenset(),
    D.SCORED: frozenset({D.ACCEPTED, D.REJECTED}),
    D.ACCEPTED: frozenset(),
    D.REJECTED: frozenset(),
}
# Deliveries that hold the milestone: a new one waits until these are decided.
OPEN_DELIVERY_STATES = (D.RECEIVED, D.SCORING, D.SCORED)
# Deliveries that count against the contract's limit (an unreadable file does not).
COUNTED_DELIVERY_STATES = (D.RECEIVED, D.SCORING, D.SCORED, D.ACCEPTED, D.REJECTED)


class Delivery(models.Model):
    """One upload of a milestone's labelled data (交付), and its scoring's progress."""

    plan = models.ForeignKey(AcceptancePlan, on_delete=models.PROTECT, related_name="deliveries")
    contract = models.ForeignKey(
        Contract, verbose_name=_("contract"), on_delete=models.PROTECT, related_name="deliveries"
    )
    milestone = models.ForeignKey(
        ContractMilestone, verbose_name=_("milestone"), on_delete=models.PROTECT, related_name="deliveries"
    )
    number = models.PositiveSmallIntegerField(_("delivery number"))
    seed = models.ForeignKey(SamplingSeed, on_delete=models.PROTECT, related_name="deliveries")
    file = models.FileField(_("file"), upload_to="acceptance/deliveries/", max_length=255)
    original_name = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    size_bytes = models.PositiveBigIntegerField(_("size (bytes)"))
    note = models.TextField(_("note"), blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded at"))
    state = models.CharField(_("state"), max_length=16, choices=DeliveryState.choices, default=DeliveryState.RECEIVED)
    # Messages are written in the language of the person who uploaded the file.
    language = models.CharField(max_length=16, default="zh-hans", editable=False)
    progress_done = models.PositiveIntegerField(_("items read"), default=0)
    progress_total = models.PositiveIntegerField(_("items expected"), default=0)
    progress_at = models.DateTimeField(null=True, blank=True, editable=False)
    scoring_attempt = models.PositiveIntegerField(default=0, editable=False)
    item_count = models.PositiveIntegerField(_("items delivered"), null=True, blank=True)
    errors = models.JSONField(_("errors"), default=list, blank=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["milestone", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="marketplace_delivery_number_unique"),
            models.UniqueConstraint(
                fields=["plan"],
                condition=models.Q(state__in=["received", "scoring", "scored"]),
                name="marketplace_delivery_one_open",
            ),
        ]
        indexes = [models.Index(fields=["contract", "-uploaded_at"], name="marketplace_delivery_contract")]

    def __str__(self) -> str:
        return f"delivery {self.number} of milestone {self.milestone_id}"

    @property
    def running(self) -> bool:
        return self.state in (DeliveryState.RECEIVED, DeliveryState.SCORING)

    @property
    def percent(self) -> int:
        if not self.progress_total:
            return 0
        return min(100, self.progress_done * 100 // self.progress_total)


class Decision(models.TextChoices):
    ACCEPTED = "accepted", _("accepted")
    REJECTED = "rejected", _("rejected")


class AcceptanceReport(models.Model):
    """验收报告: what the scoring found and what the buyer decided.

    `metrics` are computed over every gold item; the decision follows the GB/T 2828.1 sample alone
    (defects ≤ Ac accepts). `defects` maps each defective sampled item to what was delivered and
    what the gold set holds; the vendor's views drop the gold side.
    """

    delivery = models.OneToOneField(Delivery, on_delete=models.CASCADE, related_name="report")
    metrics = models.JSONField(_("metrics"), default=dict)
    sample = models.JSONField(_("sample"), default=list)
    defects = models.JSONField(_("defects"), default=dict)
    sample_size = models.PositiveIntegerField(_("sample size"))
    defect_count = models.PositiveIntegerField(_("defects"))
    accept_number = models.PositiveIntegerField(_("acceptance number (Ac)"))
    reject_number = models.PositiveIntegerField(_("rejection number (Re)"))
    proposed = models.CharField(_("result of the sampling"), max_length=16, choices=Decision.choices)
    scored_at = models.DateTimeField(_("scored at"))
    decision = models.CharField(_("decision"), max_length=16, choices=Decision.choices, blank=True)
    override_reason = models.TextField(_("reason for overriding"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("acceptance report")
        verbose_name_plural = _("acceptance reports")
        indexes = [models.Index(fields=["decided_at"], name="marketplace_report_decided")]

    def __str__(self) -> str:
        return f"report of delivery {self.delivery_id}"

    @property
    def overridden(self) -> bool:
        return bool(self.decision) and self.decision != self.proposed


class PaymentDue(models.Model):
    """The event acceptance raises: a milestone was accepted and its amount is now payable. The
    payments module consumes these rows (one per milestone, by construction)."""

    milestone = models.OneToOneField(ContractMilestone, on_delete=models.PROTECT, related_name="payment_due")
    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="payments_due")
    delivery = models.OneToOneField(Delivery, on_delete=models.PROTECT, related_name="payment_due")
    amount_fen = models.PositiveBigIntegerField(_("amount (fen)"))
    currency = models.CharField(_("currency"), max_length=3, default="CNY", editable=False)
    due_at = models.DateTimeField(_("due since"))

    class Meta:
        verbose_name = _("payment due")
        verbose_name_plural = _("payments due")
        ordering = ["due_at", "pk"]

    def __str__(self) -> str:
        return f"{self.amount_fen} fen due on milestone {self.milestone_id}"
