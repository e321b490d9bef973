from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from registry.models import Organisation
from registry.taxonomy import Modality, Sector


class Openness(models.TextChoices):
    """How freely the dataset may be used (公共数据开放: 无条件开放 / 有条件开放 / 不予开放)."""

    OPEN = "open", pgettext_lazy("openness", "open")
    CONDITIONAL = "conditional", _("conditional")
    RESTRICTED = "restricted", _("restricted")


class VolumeUnit(models.TextChoices):
    ITEM = "item", _("items")
    IMAGE = "image", _("images")
    FRAME = "frame", _("frames")
    HOUR = "hour", _("hours")
    CHARACTER = "character", _("characters")


class CatalogueEntry(models.Model):
    """An entry of the public data annotation catalogue (公共数据标注目录): a dataset an agency holds
    and the annotation it needs. Entries are public from the moment they are created."""

    agency = models.ForeignKey(
        Organisation, verbose_name=_("agency"), on_delete=models.PROTECT, related_name="catalogue_entries"
    )
    dataset = models.CharField(_("dataset"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    sector = models.CharField(_("sector"), max_length=32, choices=Sector.choices)
    modality = models.CharField(_("modality"), max_length=16, choices=Modality.choices)
    volume = models.PositiveBigIntegerField(_("volume"))
    volume_unit = models.CharField(_("unit"), max_length=16, choices=VolumeUnit.choices, default=VolumeUnit.ITEM)
    openness = models.CharField(_("openness"), max_length=16, choices=Openness.choices)
    annotation_needs = models.TextField(_("annotation needs"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("catalogue entry")
        verbose_name_plural = _("catalogue entries")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["sector", "modality"], name="marketplace_catalogue_taxonomy")]

    def __str__(self) -> str:
        return self.dataset
