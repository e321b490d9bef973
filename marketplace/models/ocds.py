from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Release(models.Model):
    """One OCDS 1.1 release, written in the transaction of the state change it reports and never
    changed afterwards. `data` is the release exactly as published."""

    tender = models.ForeignKey("marketplace.Tender", on_delete=models.PROTECT, related_name="releases")
    ocid = models.CharField(max_length=64)
    release_id = models.CharField(max_length=96, unique=True)
    date = models.DateTimeField()
    tags = models.JSONField()
    # The release as published, JSON text (marketplace.ocds.encoding: exact amounts).
    data = models.TextField()

    class Meta:
        verbose_name = _("OCDS release")
        verbose_name_plural = _("OCDS releases")
        ordering = ["pk"]
        indexes = [models.Index(fields=["tender", "id"], name="marketplace_release_tender")]

    def __str__(self) -> str:
        return self.release_id
