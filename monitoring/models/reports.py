"""Statistical direct reports (统计直报, DESIGN §8): what vendors and annotation base operators
report for each calendar quarter.

One row per (organisation, year, quarter). Per-modality volumes are a child table (one row per
modality of `registry.taxonomy.Modality`, all six present once saved, zero allowed) rather than
JSON, so that the database checks the modality and rollups can sum them by modality. The declared
total (`total_items`) must equal their sum: the sum check of the form (合计 = 分项之和).

States: a report may be saved as a draft, then submitted. A submitted report can be amended by
submitting it again: `version` counts submissions, `first_submitted_at` decides lateness (a
correction after the deadline does not make an on-time report late), each submission recomputes
the anomaly flags and writes an audit row with the figures before and after.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from registry.models import Organisation
from registry.taxonomy import Modality

FIRST_YEAR = 2000
LAST_YEAR = 2100


class ReportState(models.TextChoices):
    DRAFT = "draft", _("draft")
    SUBMITTED = "submitted", _("submitted")


# The one table of allowed moves: a draft is saved again or submitted; a submitted report is only
# submitted again (an amendment, a new version).
REPORT_TRANSITIONS: dict[str, frozenset[str]] = {
    ReportState.DRAFT: frozenset({ReportState.DRAFT, ReportState.SUBMITTED}),
    ReportState.SUBMITTED: frozenset({ReportState.SUBMITTED}),
}


class StatisticalReport(models.Model):
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="statistical_reports",
    )
    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(FIRST_YEAR), MaxValueValidator(LAST_YEAR)]
    )
    quarter = models.PositiveSmallIntegerField(_("quarter"), validators=[MinValueValidator(1), MaxValueValidator(4)])
    state = models.CharField(_("state"), max_length=16, choices=ReportState.choices, default=ReportState.DRAFT)
    revenue_fen = models.PositiveBigIntegerField(_("revenue (fen)"))
    currency = models.CharField(_("currency"), max_length=3, default="CNY", editable=False)
    headcount = models.PositiveIntegerField(_("headcount"))
    total_items = models.PositiveBigIntegerField(_("annotated items, total"))
    public_data_share_bp = models.PositiveIntegerField(
        _("share of public-data work (basis points)"),
        validators=[MaxValueValidator(10_000)],
        help_text=_("The share of the quarter's annotated items that were public data."),
    )
    version = models.PositiveIntegerField(_("version"), default=0, help_text=_("How many times it was submitted."))
    first_submitted_at = models.DateTimeField(_("first submitted at"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("statistical report")
        verbose_name_plural = _("statistical reports")
        ordering = ["-year", "-quarter", "organisation_id", "pk"]
        indexes = [models.Index(fields=["year", "quarter", "state"], name="monitoring_report_period")]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "year", "quarter"], name="monitoring_report_one_per_quarter"
            ),
            models.CheckConstraint(
                condition=models.Q(quarter__gte=1, quarter__lte=4), name="monitoring_report_quarter"
            ),
            models.CheckConstraint(
                condition=models.Q(public_data_share_bp__lte=10_000), name="monitoring_report_share"
            ),
            models.CheckConstraint(
                condition=models.Q(state="draft") | models.Q(first_submitted_at__isnull=False, version__gte=1),
                name="monitoring_report_submitted_complete",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id} {self.year}Q{self.quarter}"

    @property
    def period(self) -> str:
        return f"{self.year}Q{self.quarter}"


class StatisticalReportVolume(models.Model):
    """The items annotated in one modality during the report's quarter."""

    report = models.ForeignKey(StatisticalReport, on_delete=models.CASCADE, related_name="volumes")
    modality = models.CharField(_("modality"), max_length=16, choices=Modality.choices)
    items = models.PositiveBigIntegerField(_("annotated items"))

    class Meta:
        verbose_name = _("annotation volume")
        verbose_name_plural = _("annotation volumes")
        ordering = ["report", "modality"]
        constraints = [
            models.UniqueConstraint(fields=["report", "modality"], name="monitoring_volume_one_per_modality"),
        ]

    def __str__(self) -> str:
        return f"{self.report_id}:{self.modality}={self.items}"


class AnomalyKind(models.TextChoices):
    REVENUE_JUMP = "revenue_jump", _("revenue jump against the previous quarter")
    HEADCOUNT_JUMP = "headcount_jump", _("headcount jump against the previous quarter")
    VOLUME_JUMP = "volume_jump", _("annotation volume jump against the previous quarter")
    REVENUE_BELOW_PORTAL = "revenue_below_portal", _("revenue lower than the portal's contract payments")
    REVENUE_ABOVE_PORTAL = "revenue_above_portal", _("revenue far higher than the portal's contracts")


class StatisticalReportFlag(models.Model):
    """An anomaly found when the report was submitted, with the figures that raised it. Flags are
    recomputed on each submission (the audit row keeps the earlier ones)."""

    report = models.ForeignKey(StatisticalReport, on_delete=models.CASCADE, related_name="flags")
    kind = models.CharField(_("kind"), max_length=32, choices=AnomalyKind.choices)
    evidence = models.JSONField(_("evidence"), default=dict)
    raised_at = models.DateTimeField(_("raised at"))

    class Meta:
        verbose_name = _("anomaly flag")
        verbose_name_plural = _("anomaly flags")
        ordering = ["report", "kind"]
        constraints = [models.UniqueConstraint(fields=["report", "kind"], name="monitoring_flag_once_per_kind")]

    def __str__(self) -> str:
        return f"{self.report_id}:{self.kind}"


class StatisticalReportReminder(models.Model):
    """That an organisation's staff were reminded of a quarter's report: at most once (the unique
    constraint makes the reminder task safe to run twice)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField(_("year"))
    quarter = models.PositiveSmallIntegerField(_("quarter"))
    sent_at = models.DateTimeField(_("sent at"), auto_now_add=True)

    class Meta:
        verbose_name = _("statistical report reminder")
        verbose_name_plural = _("statistical report reminders")
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "year", "quarter"], name="monitoring_reminder_once_per_quarter"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id} {self.year}Q{self.quarter}"
