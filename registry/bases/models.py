"""Annotation bases (数据标注基地): designated places that gather annotation enterprises.

A base is run by an operator organisation (kind `base_operator`), has member organisations, and
reports its output quarter by quarter. Bases are public: the registry lists them for everyone.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from registry.models import Organisation, Region

FIRST_YEAR = 2000
LAST_YEAR = 2100


class Designation(models.TextChoices):
    # Alphabetical order of the values is also the display order: national bases first.
    NATIONAL = "national", _("national")
    PROVINCIAL = "provincial", _("provincial")


class AnnotationBase(models.Model):
    name = models.CharField(
        _("name"),
        max_length=200,
        unique=True,
        error_messages={"unique": _("An annotation base with this name already exists.")},
    )
    city = models.ForeignKey(Region, verbose_name=_("city"), on_delete=models.PROTECT, related_name="+")
    designation = models.CharField(_("designation"), max_length=16, choices=Designation.choices)
    operator = models.ForeignKey(
        Organisation,
        verbose_name=_("operator organisation"),
        on_delete=models.PROTECT,
        related_name="operated_bases",
    )
    description = models.TextField(_("description"), blank=True)
    designated_on = models.DateField(_("designated on"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("annotation base")
        verbose_name_plural = _("annotation bases")
        ordering = ["designation", "city_id", "name", "pk"]
        indexes = [
            models.Index(fields=["designation", "city"], name="bases_base_designation_city"),
        ]

    def __str__(self) -> str:
        return self.name


class BaseMembership(models.Model):
    """An organisation that belongs to a base (an enterprise settled in it)."""

    base = models.ForeignKey(
        AnnotationBase, verbose_name=_("annotation base"), on_delete=models.CASCADE, related_name="memberships"
    )
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="base_memberships"
    )
    joined_on = models.DateField(_("joined on"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("base member")
        verbose_name_plural = _("base members")
        ordering = ["base", "organisation__name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["base", "organisation"], name="bases_membership_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.base_id}:{self.organisation_id}"


class BaseOutput(models.Model):
    """What a base reported for one calendar quarter. Reporting the quarter again corrects it."""

    base = models.ForeignKey(
        AnnotationBase, verbose_name=_("annotation base"), on_delete=models.CASCADE, related_name="outputs"
    )
    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(FIRST_YEAR), MaxValueValidator(LAST_YEAR)]
    )
    quarter = models.PositiveSmallIntegerField(_("quarter"), validators=[MinValueValidator(1), MaxValueValidator(4)])
    annotated_items = models.PositiveBigIntegerField(_("annotated items"))
    revenue_fen = models.PositiveBigIntegerField(_("revenue (fen)"))
    headcount = models.PositiveIntegerField(_("headcount"))
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("reported by"), on_delete=models.PROTECT, related_name="+"
    )
    reported_at = models.DateTimeField(_("reported at"), auto_now=True)

    class Meta:
        verbose_name = _("base output report")
        verbose_name_plural = _("base output reports")
        ordering = ["base", "year", "quarter"]
        constraints = [
            models.UniqueConstraint(fields=["base", "year", "quarter"], name="bases_output_one_per_quarter"),
            models.CheckConstraint(condition=models.Q(quarter__gte=1, quarter__lte=4), name="bases_output_quarter"),
        ]

    def __str__(self) -> str:
        return f"{self.base_id} {self.year}Q{self.quarter}"

    @property
    def starts_on(self) -> datetime.date:
        return quarter_start(self.year, self.quarter)


def quarter_start(year: int, quarter: int) -> datetime.date:
    return datetime.date(year, 3 * (quarter - 1) + 1, 1)
