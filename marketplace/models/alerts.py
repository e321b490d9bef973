"""Vendors' saved searches: a new tender that matches one notifies its owner."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from registry.models import Region
from registry.taxonomy import Modality, Sector


class SavedSearch(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_searches")
    name = models.CharField(_("name"), max_length=100)
    text = models.CharField(_("words"), max_length=200, blank=True)
    region = models.ForeignKey(
        Region, verbose_name=_("region"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    sector = models.CharField(_("sector"), max_length=32, choices=Sector.choices, blank=True)
    modality = models.CharField(_("modality"), max_length=16, choices=Modality.choices, blank=True)
    budget_min_fen = models.PositiveBigIntegerField(_("budget from (fen)"), null=True, blank=True)
    budget_max_fen = models.PositiveBigIntegerField(_("budget up to (fen)"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("saved search")
        verbose_name_plural = _("saved searches")
        ordering = ["user", "name", "pk"]
        constraints = [models.UniqueConstraint(fields=["user", "name"], name="marketplace_saved_search_name_unique")]

    def __str__(self) -> str:
        return self.name
