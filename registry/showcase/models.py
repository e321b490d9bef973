"""Excellent cases (优秀案例) and innovation competitions (创新大赛) for the public pages.

Operators curate both. A case is public once published; a competition is public from the start and
lists its entries winners first.
"""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from registry.models import Organisation
from registry.taxonomy import Modality, Sector

FIRST_YEAR = 2000
LAST_YEAR = 2100
MAX_FIGURES = 12
MAX_FIGURE_TEXT = 100


class ExcellentCase(models.Model):
    title = models.CharField(_("title"), max_length=200)
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="excellent_cases"
    )
    sector = models.CharField(_("sector"), max_length=32, choices=Sector.choices)
    modality = models.CharField(_("modality"), max_length=16, choices=Modality.choices)
    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(FIRST_YEAR), MaxValueValidator(LAST_YEAR)]
    )
    summary = models.TextField(_("summary"))
    # Key figures as a list of {"label": str, "value": str}: services.clean_figures checks the shape.
    figures = models.JSONField(_("key figures"), default=list, blank=True)
    published = models.BooleanField(_("published"), default=False)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("excellent case")
        verbose_name_plural = _("excellent cases")
        ordering = ["-year", "title", "pk"]
        indexes = [
            models.Index(fields=["published", "year"], name="showcase_case_published_year"),
            models.Index(fields=["sector", "modality"], name="showcase_case_sector_modality"),
        ]

    def __str__(self) -> str:
        return self.title


class Competition(models.Model):
    name = models.CharField(_("name"), max_length=200)
    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(FIRST_YEAR), MaxValueValidator(LAST_YEAR)]
    )
    organiser = models.ForeignKey(
        Organisation,
        verbose_name=_("organiser"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="organised_competitions",
    )
    description = models.TextField(_("description"), blank=True)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("competition")
        verbose_name_plural = _("competitions")
        ordering = ["-year", "name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["name", "year"], name="showcase_competition_name_year"),
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")), name="showcase_competition_dates"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.year})"


class Award(models.TextChoices):
    """In rank order: `selectors.competition_entries` lists entries by it."""

    WINNER = "winner", _("winner")
    SECOND = "second", _("second prize")
    THIRD = "third", _("third prize")
    HONOURABLE_MENTION = "honourable_mention", _("honourable mention")
    NONE = "none", _("no award")


AWARD_RANK = {award.value: rank for rank, award in enumerate(Award)}


class CompetitionEntry(models.Model):
    competition = models.ForeignKey(
        Competition, verbose_name=_("competition"), on_delete=models.CASCADE, related_name="entries"
    )
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="competition_entries"
    )
    title = models.CharField(_("title"), max_length=200)
    award = models.CharField(_("award"), max_length=32, choices=Award.choices, default=Award.NONE)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("competition entry")
        verbose_name_plural = _("competition entries")
        ordering = ["competition", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["competition", "organisation", "title"], name="showcase_entry_unique_per_competition"
            ),
        ]

    def __str__(self) -> str:
        return self.title
