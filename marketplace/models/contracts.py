"""Awards and contracts: the end of a tender and the start of the work it bought."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from marketplace.models.bids import Bid
from marketplace.models.tenders import Lot, Tender
from registry.models import Organisation


class Award(models.Model):
    """The award of one lot to its first candidate (中标), published in the award notice."""

    tender = models.ForeignKey(Tender, verbose_name=_("tender"), on_delete=models.PROTECT, related_name="awards")
    lot = models.OneToOneField(Lot, verbose_name=_("lot"), on_delete=models.PROTECT, related_name="award")
    bid = models.OneToOneField(Bid, verbose_name=_("winning bid"), on_delete=models.PROTECT, related_name="award")
    supplier = models.ForeignKey(
        Organisation, verbose_name=_("supplier"), on_delete=models.PROTECT, related_name="awards"
    )
    value_fen = models.PositiveBigIntegerField(_("value (fen)"))
    currency = models.CharField(_("currency"), max_length=3, default="CNY", editable=False)
    awarded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    awarded_at = models.DateTimeField(_("awarded at"))

    class Meta:
        verbose_name = pgettext_lazy("tender award", "award")
        verbose_name_plural = _("awards")
        ordering = ["-awarded_at", "pk"]
        indexes = [models.Index(fields=["supplier", "-awarded_at"], name="marketplace_award_supplier")]

    def __str__(self) -> str:
        return f"award {self.pk} of {self.tender_id}"


class ContractState(models.TextChoices):
    PENDING = "pending", _("awaiting signature")
    ACTIVE = "active", pgettext_lazy("contract state", "active")
    COMPLETED = "completed", _("completed")
    TERMINATED = "terminated", _("terminated")


class Contract(models.Model):
    """The contract with the winner of a lot: signed by both parties within 30 days of the award
    (a reminder goes out before the limit), then carried out milestone by milestone."""

    reference = models.CharField(_("contract number"), max_length=32, unique=True, null=True, editable=False)
    award = models.OneToOneField(
        Award, verbose_name=pgettext_lazy("tender award", "award"), on_delete=models.PROTECT, related_name="contract"
    )
    tender = models.ForeignKey(Tender, verbose_name=_("tender"), on_delete=models.PROTECT, related_name="contracts")
    buyer = models.ForeignKey(Organisation, verbose_name=_("buyer"), on_delete=models.PROTECT, related_name="+")
    supplier = models.ForeignKey(
        Organisation, verbose_name=_("supplier"), on_delete=models.PROTECT, related_name="contracts"
    )
    title = models.CharField(_("title"), max_length=200)
    value_fen = models.PositiveBigIntegerField(_("value (fen)"))
    currency = models.CharField(_("currency"), max_length=3, default="CNY", editable=False)
    state = models.CharField(_("state"), max_length=16, choices=ContractState.choices, default=ContractState.PENDING)
    sign_by = models.DateTimeField(_("to be signed by"))
    reminder_sent_at = models.DateTimeField(_("reminder sent at"), null=True, blank=True)
    buyer_signed_at = models.DateTimeField(_("signed by the buyer at"), null=True, blank=True)
    buyer_signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    supplier_signed_at = models.DateTimeField(_("signed by the supplier at"), null=True, blank=True)
    supplier_signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    signed_at = models.DateTimeField(_("signed at"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    terminated_at = models.DateTimeField(_("terminated at"), null=True, blank=True)
    termination_reason = models.TextField(_("reason for termination"), blank=True)
    # How many deliveries a milestone with an acceptance plan may receive (the first and its
    # redeliveries); an unreadable file does not count.
    max_deliveries = models.PositiveSmallIntegerField(
        _("deliveries allowed per milestone"), default=3, validators=[MinValueValidator(1)]
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["supplier", "state"], name="marketplace_contract_supplier"),
            models.Index(fields=["buyer", "state"], name="marketplace_contract_buyer"),
            models.Index(
                fields=["sign_by"],
                name="marketplace_contract_unsigned",
                condition=models.Q(state="pending", reminder_sent_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"


class MilestoneState(models.TextChoices):
    SCHEDULED = "scheduled", _("scheduled")
    MET = "met", _("met")
    # Rejected at acceptance with no delivery left under the contract's limit.
    FAILED = "failed", _("failed acceptance")


class ContractMilestone(models.Model):
    """A payment milestone of a contract. Shares sum to exactly 100 %; amounts split the contract
    value by those shares and sum to it exactly (largest remainder)."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="milestones")
    position = models.PositiveSmallIntegerField(_("position"))
    title = models.CharField(_("title"), max_length=200)
    share_bp = models.PositiveIntegerField(
        _("share of the contract value"), validators=[MinValueValidator(1), MaxValueValidator(10_000)]
    )
    amount_fen = models.PositiveBigIntegerField(_("amount (fen)"))
    due_on = models.DateField(_("due on"), null=True, blank=True)
    state = models.CharField(
        _("state"), max_length=16, choices=MilestoneState.choices, default=MilestoneState.SCHEDULED
    )
    met_at = models.DateTimeField(_("met at"), null=True, blank=True)

    class Meta:
        verbose_name = _("contract milestone")
        verbose_name_plural = _("contract milestones")
        ordering = ["contract", "position"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "position"], name="marketplace_contract_milestone_unique")
        ]

    def __str__(self) -> str:
        return f"{self.contract_id}#{self.position} {self.title}"
