from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from marketplace.models.tenders import Lot, Tender
from registry.models import Organisation


class BidState(models.TextChoices):
    SUBMITTED = "submitted", _("submitted (sealed)")
    WITHDRAWN = "withdrawn", _("withdrawn")
    VALID = "valid", _("opened: valid")
    INVALID = "invalid", _("opened: invalid")


class Bid(models.Model):
    """A vendor's sealed bid on one lot.

    Until the opening the price and the documents exist only inside `sealed` (marketplace.sealing);
    `price_fen` and `documents` are filled at the opening. A resubmission withdraws the bid it
    replaces, so the trail of every submission stays.
    """

    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    tender = models.ForeignKey(Tender, verbose_name=_("tender"), on_delete=models.PROTECT, related_name="bids")
    lot = models.ForeignKey(Lot, verbose_name=_("lot"), on_delete=models.PROTECT, related_name="bids")
    vendor = models.ForeignKey(Organisation, verbose_name=_("vendor"), on_delete=models.PROTECT, related_name="bids")
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    state = models.CharField(_("state"), max_length=16, choices=BidState.choices, default=BidState.SUBMITTED)
    sealed = models.BinaryField(editable=False)
    receipt_sha256 = models.CharField(_("receipt (SHA-256 of the sealed bid)"), max_length=64, editable=False)
    received_at = models.DateTimeField(_("received at"), editable=False)
    # The version of the tender documents the bidder last confirmed; an older one at the opening
    # makes the bid invalid.
    documents_version = models.PositiveIntegerField(_("documents version confirmed"))
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    opened_at = models.DateTimeField(_("opened at"), null=True, blank=True)
    price_fen = models.PositiveBigIntegerField(_("price (fen)"), null=True, blank=True)
    # After the opening: [{"name", "size", "sha256", "media_type"}] of the sealed documents.
    documents = models.JSONField(_("documents"), default=list, blank=True)
    invalid_reason = models.TextField(_("why the bid is invalid"), blank=True)

    class Meta:
        verbose_name = _("bid")
        verbose_name_plural = _("bids")
        ordering = ["tender", "lot", "received_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["lot", "vendor"],
                condition=models.Q(state="submitted"),
                name="marketplace_bid_one_sealed_per_lot",
            ),
        ]
        indexes = [
            models.Index(fields=["tender", "state"], name="marketplace_bid_tender_state"),
            models.Index(fields=["vendor", "-received_at"], name="marketplace_bid_vendor"),
        ]

    def __str__(self) -> str:
        return f"bid {self.uid}"


class BidUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Bid, on_delete=models.CASCADE)


class BidGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Bid, on_delete=models.CASCADE)
