"""Rollups (DESIGN §8): the figures the dashboards read, one row per
day × region × sector × modality × programme × base × metric.

`RollupFact` holds the folded totals. Events do not update it: each event inserts rows into the
insert-only `RollupDelta` table, in the transaction of the event itself, so a figure never
disagrees with the source tables, and no two events ever wait for the same row (a shared counter
row updated by every voucher redemption would serialise them). `rollups_fold()` moves deltas into
facts every minute; the selector `rollup_totals` reads facts plus the deltas not yet folded.

Dimensions:
- `day`: the local date (settings.TIME_ZONE, Asia/Shanghai) of the event; for statistical
  reports, the first day of the reported quarter;
- `region`: the 6-digit GB/T 2260 code of the tender (marketplace metrics), the reporting
  organisation, the certificate holder, the voucher holder (voucher movements), the voucher
  authority (budget), the base's city or the organisation verified. It is text, not a foreign
  key, so dashboards filter by prefix (2 digits a province, 4 a prefecture);
- `sector`, `modality`: `registry.taxonomy` values, "" where the metric has none;
- `programme`: the voucher programme for voucher metrics, null otherwise;
- `base`: the annotation base for the bases' output metrics, null otherwise.

Uniqueness and the null programme or base: a unique constraint treats NULLs as distinct (and
`nulls_distinct=False` exists only on PostgreSQL 15+, not on SQLite, which `make run` uses), so the
row also carries `programme_key` and `base_key`, the id or 0 when there is none (check constraints
keep each equal to its foreign key), and the unique constraint and the fold's `ON CONFLICT` use
them.

Averages are stored as a sum and a count (mean award discount = Σ award value / Σ lot budget,
mean quality = Σ quality / number of decisions…); nothing stores a ratio.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Metric(models.TextChoices):
    """What a row counts or sums: the event that moves it and its unit."""

    # Tenders (region and sector: the tender's).
    # Tenders published (tender_publish), counted on the day of publication; modality "".
    TENDERS_PUBLISHED = "tenders_published", _("tenders published")
    # Lots of the tenders published, per lot modality, on the tender's publication day: a count.
    LOTS_PUBLISHED = "lots_published", _("lots published")
    # Their budgets, in fen.
    LOT_BUDGET_FEN = "lot_budget_fen", _("budget of the lots published (fen)")
    # Lots of the tenders opened (tender_open), per lot modality, on the opening day: a count.
    LOTS_OPENED = "lots_opened", _("lots opened")
    # Bids opened on those lots (valid or not; withdrawn ones are never opened): a count.
    # Bids per lot = bids_opened / lots_opened.
    BIDS_OPENED = "bids_opened", _("bids opened")
    # Lots that received exactly one bid, among the lots opened: a count.
    SINGLE_BID_LOTS = "single_bid_lots", _("lots with a single bid")
    # Lots awarded (tender_award), per modality, on the award day: a count.
    AWARDS = "awards", _("lots awarded")
    # The awarded values, in fen.
    AWARD_VALUE_FEN = "award_value_fen", _("value awarded (fen)")
    # The budgets of the lots awarded, in fen (discount = 1 − award value / award budget).
    AWARD_BUDGET_FEN = "award_budget_fen", _("budget of the lots awarded (fen)")
    # Days from the tender's publication to the award, summed over the lots awarded (whole local
    # days; mean time to award = award_days / awards).
    AWARD_DAYS = "award_days", _("days from publication to award, summed")
    # Contracts that became active with their second signature (contract_sign), per modality of
    # their lot, on that day: a count.
    CONTRACTS_SIGNED = "contracts_signed", _("contracts signed")
    # Their values, in fen.
    CONTRACT_VALUE_FEN = "contract_value_fen", _("value of the contracts signed (fen)")
    # Money paid to suppliers on milestones, in fen, on the day recorded: card captures and
    # treasury transfers add, refunds subtract.
    PAYMENTS_FEN = "payments_fen", _("milestone payments, net of refunds (fen)")
    # Deliveries decided by the buyer (delivery_decide), per modality, on the decision day: a count.
    ACCEPTANCES_DECIDED = "acceptances_decided", _("deliveries decided")
    # Of those, the accepted ones: a count (pass rate = accepted / decided).
    ACCEPTANCES_ACCEPTED = "acceptances_accepted", _("deliveries accepted")
    # The sampled quality of those deliveries, in basis points of conforming sampled items
    # (⌊(sample − defects) × 10,000 / sample⌋ per delivery), summed: mean = sum / decided.
    ACCEPTANCE_QUALITY_BP = (
        "acceptance_quality_bp",
        _("sampled quality of the deliveries decided (basis points, summed)"),
    )
    # Vouchers (programme set; sector and modality ""). Budget funded when a programme opens, in
    # fen, in the authority's region.
    VOUCHER_BUDGET_FEN = "voucher_budget_fen", _("voucher budget funded (fen)")
    # Vouchers issued (application_approve), in the holder's region: a count …
    VOUCHERS_ISSUED = "vouchers_issued", _("vouchers issued")
    # … and their face values, in fen.
    VOUCHER_ISSUED_FEN = "voucher_issued_fen", _("voucher value issued (fen)")
    # Redemptions confirmed (immediately by the holder, or on confirmation), in the holder's region,
    # on the confirmation day: a count …
    VOUCHER_REDEMPTIONS = "voucher_redemptions", _("voucher redemptions")
    # … and their amounts, in fen.
    VOUCHER_REDEEMED_FEN = "voucher_redeemed_fen", _("voucher value redeemed (fen)")
    # Redemptions settled (claim_disburse), on the settlement day: a count …
    VOUCHER_SETTLEMENTS = "voucher_settlements", _("voucher settlements")
    # … and their amounts, in fen.
    VOUCHER_SETTLED_FEN = "voucher_settled_fen", _("voucher value settled (fen)")
    # The unused balance of vouchers that expired or were cancelled, returned to the budget, in
    # fen, on the day the voucher ended.
    VOUCHER_RETURNED_FEN = "voucher_returned_fen", _("voucher value expired or cancelled (fen)")
    # Talent: skill certificates recorded (certificate_issue, certificate_record), by the day of
    # issue and the holder's region: a count per level (5 junior … 1 senior technician).
    CERTIFICATES_LEVEL_5 = "certificates_level_5", _("certificates issued, level 5")
    CERTIFICATES_LEVEL_4 = "certificates_level_4", _("certificates issued, level 4")
    CERTIFICATES_LEVEL_3 = "certificates_level_3", _("certificates issued, level 3")
    CERTIFICATES_LEVEL_2 = "certificates_level_2", _("certificates issued, level 2")
    CERTIFICATES_LEVEL_1 = "certificates_level_1", _("certificates issued, level 1")
    # Statistical direct reports (submitted ones; an amendment adds new − old), on the first day of
    # the quarter, in the reporting organisation's region. Reports: a count.
    REPORTS_SUBMITTED = "reports_submitted", _("statistical reports submitted")
    # Revenue reported, in fen.
    REPORTED_REVENUE_FEN = "reported_revenue_fen", _("revenue reported (fen)")
    # Headcount reported, in people (summed over organisations).
    REPORTED_HEADCOUNT = "reported_headcount", _("headcount reported")
    # Items annotated, per modality: a count of items.
    REPORTED_ITEMS = "reported_items", _("annotated items reported")
    # Annotation bases' quarterly output (base_output_report; a correction adds new − old), on the
    # first day of the quarter, in the base's city, base set; sector and modality "". Items
    # annotated: a count of items …
    BASE_OUTPUT_ITEMS = "base_output_items", _("items annotated by the bases")
    # … their revenue, in fen …
    BASE_OUTPUT_REVENUE_FEN = "base_output_revenue_fen", _("revenue of the bases (fen)")
    # … and their headcount, in people (summed over bases).
    BASE_HEADCOUNT = "base_headcount", _("headcount of the bases")
    # Registrations: organisations verified (of every kind), a count, in the region the
    # organisation had while verified, sector and modality "". Each verification adds 1 on the local
    # day it happened, and leaving VERIFIED (a change of legal identity sends an organisation back
    # to the operators) subtracts 1 on the day that happened: the total over all days is the number
    # verified now, a period's total the net change. The source tables keep every such period
    # (`registry.VerificationPeriod`: start, end, region), so the rebuild sees each day, even for
    # an organisation verified, sent back and verified again.
    ORGANISATIONS_VERIFIED = "organisations_verified", _("organisations verified (net)")
    # The same for organisations of kind vendor only.
    VENDORS_VERIFIED = "vendors_verified", _("vendors verified (net)")


CERTIFICATE_METRICS = {
    5: Metric.CERTIFICATES_LEVEL_5,
    4: Metric.CERTIFICATES_LEVEL_4,
    3: Metric.CERTIFICATES_LEVEL_3,
    2: Metric.CERTIFICATES_LEVEL_2,
    1: Metric.CERTIFICATES_LEVEL_1,
}

DIMENSIONS = ("day", "region", "sector", "modality", "programme_key", "base_key", "metric")


class RollupRow(models.Model):
    day = models.DateField(_("day"))
    region = models.CharField(_("region"), max_length=6)
    sector = models.CharField(_("sector"), max_length=32, blank=True)
    modality = models.CharField(_("modality"), max_length=16, blank=True)
    programme = models.ForeignKey(
        "vouchers.Programme",
        verbose_name=_("voucher programme"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The programme's id, 0 without one: the uniqueness key (see the module's docstring).
    programme_key = models.PositiveBigIntegerField(default=0, editable=False)
    base = models.ForeignKey(
        "bases.AnnotationBase",
        verbose_name=_("annotation base"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The base's id, 0 without one: the uniqueness key, as for the programme.
    base_key = models.PositiveBigIntegerField(default=0, editable=False)
    metric = models.CharField(_("metric"), max_length=32, choices=Metric.choices)
    value = models.BigIntegerField(_("value"))

    class Meta:
        abstract = True

    def __str__(self) -> str:
        dimensions = f"{self.sector}/{self.modality}/{self.programme_key}/{self.base_key}"
        return f"{self.day} {self.region} {dimensions} {self.metric}={self.value}"


class RollupFact(RollupRow):
    class Meta:
        verbose_name = _("rollup fact")
        verbose_name_plural = _("rollup facts")
        ordering = ["day", "region", "metric"]
        constraints = [
            models.UniqueConstraint(fields=list(DIMENSIONS), name="monitoring_rollup_fact_unique"),
            models.CheckConstraint(
                condition=models.Q(programme__isnull=True, programme_key=0)
                | models.Q(programme__isnull=False, programme_key=models.F("programme")),
                name="monitoring_rollup_fact_programme_key",
            ),
            models.CheckConstraint(
                condition=models.Q(base__isnull=True, base_key=0)
                | models.Q(base__isnull=False, base_key=models.F("base")),
                name="monitoring_rollup_fact_base_key",
            ),
        ]
        indexes = [
            models.Index(fields=["metric", "day"], name="monitoring_rollup_metric_day"),
            models.Index(fields=["metric", "region", "day"], name="monitoring_rollup_metric_reg"),
        ]


class RollupDelta(RollupRow):
    """A change to one fact, written by an event; only ever inserted, then folded and deleted."""

    class Meta:
        verbose_name = _("rollup delta")
        verbose_name_plural = _("rollup deltas")
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(programme__isnull=True, programme_key=0)
                | models.Q(programme__isnull=False, programme_key=models.F("programme")),
                name="monitoring_rollup_delta_programme_key",
            ),
            models.CheckConstraint(
                condition=models.Q(base__isnull=True, base_key=0)
                | models.Q(base__isnull=False, base_key=models.F("base")),
                name="monitoring_rollup_delta_base_key",
            ),
        ]


# The cube's levels: how many leading digits of the region code a row keeps (0: the whole country,
# 2: a province, 4: a prefecture, 6: a county).
CUBE_LEVELS = (0, 2, 4, 6)
# The cube's sector or modality of a row that totals every sector (modality), "" included.
ALL = "*"
CUBE_DIMENSIONS = ("quarter", "level", "region", "sector", "modality", "programme_key", "base_key", "metric")


class RollupCube(models.Model):
    """The facts summed by quarter, at every region level and with or without the sector and the
    modality (issue 9: the dashboards sum whole quarters of nearly every fact, and this answers
    them from a few hundred rows). Derived from the facts only: `rollups_fold` adds to it what it
    adds to the facts, in the same transaction, and `rollups_rebuild` recomputes it from the facts
    (`monitoring.rollups.cube`). Pending deltas are in neither.

    One row per quarter (its first day) × level × region (the code's first `level` digits, "" at
    level 0) × sector (a value, "" for none, or `ALL`) × modality (likewise) × programme_key ×
    base_key × metric: the grouping sets (level 0/2/4/6) × (sector kept or `ALL`) × (modality kept
    or `ALL`) of the facts. A row whose sum is 0 may stay after a fold; readers skip zero totals.

    Indexes: the unique constraint's columns are in the order of the readers' usual conditions
    (metric, level, sector, modality, quarter, region), for the national figures; a second index
    leads with the region, for a region's figures split by sector or modality (whose condition,
    "not all", no index range serves): without it those read every region's rows."""

    quarter = models.DateField(_("quarter"))
    level = models.PositiveSmallIntegerField(_("region level"))
    region = models.CharField(_("region"), max_length=6, blank=True)
    sector = models.CharField(_("sector"), max_length=32, blank=True)
    modality = models.CharField(_("modality"), max_length=16, blank=True)
    programme_key = models.PositiveBigIntegerField(default=0)
    base_key = models.PositiveBigIntegerField(default=0)
    metric = models.CharField(_("metric"), max_length=32, choices=Metric.choices)
    value = models.BigIntegerField(_("value"))

    class Meta:
        verbose_name = _("rollup cube row")
        verbose_name_plural = _("rollup cube rows")
        ordering = ["quarter", "level", "region", "metric"]
        constraints = [
            models.UniqueConstraint(
                fields=["metric", "level", "sector", "modality", "quarter", "region", "programme_key", "base_key"],
                name="monitoring_rollup_cube_unique",
            ),
        ]
        indexes = [
            models.Index(
                fields=["metric", "level", "region", "sector", "modality", "quarter"],
                name="monitoring_rollup_cube_region",
            ),
        ]

    def __str__(self) -> str:
        dimensions = f"{self.sector}/{self.modality}/{self.programme_key}/{self.base_key}"
        return f"{self.quarter} L{self.level} {self.region} {dimensions} {self.metric}={self.value}"
