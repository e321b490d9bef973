"""Red-flag alerts (红旗预警): one row per flag that fired on a tender (or, for the buyer-level flag,
on a buyer), with the evidence the task found and the regulator's decision.

The state machine is the table `ALERT_TRANSITIONS`. Regulators acknowledge (确认) or dismiss (排除)
an open alert; the nightly computation moves an open alert to `cleared` when its flag no longer
holds (a deadline moved by an amendment, a re-evaluation after a challenge…) and back to `open` when
it holds again. An acknowledged or dismissed alert is the regulator's decision: the computation
leaves it, and its evidence, as they were decided.

Uniqueness makes the computation idempotent: one alert per (flag, tender) for the tender-level flags
and one per (flag, buyer) for the buyer-level flag, which has no tender. Every alert carries the
buyer (for a tender-level flag, the tender's) and the region regulators are scoped by: the tender's
region, or the buyer's own region for the buyer-level flag.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from registry.models import Organisation, Region


class RedFlag(models.TextChoices):
    """The indicators, after OCDS Cardinal's (the code in brackets is Cardinal's indicator)."""

    SHORT_SUBMISSION_PERIOD = "short_submission_period", _("short submission period")  # R003
    SINGLE_BID = "single_bid", _("single bid received")  # R018
    IDENTICAL_BID_PRICES = "identical_bid_prices", _("identical bid prices")  # R028
    CLOSE_TO_SECOND_PRICE = "close_to_second_price", _("winning price very close to the next")  # R024
    HEAVILY_DISCOUNTED_WINNER = "heavily_discounted_winner", _("heavily discounted winning bid")  # R058
    ALL_BUT_WINNER_DISQUALIFIED = "all_but_winner_disqualified", _("all bids but the winner's disqualified")  # R035
    LOWEST_BID_DISQUALIFIED = (
        "lowest_bid_disqualified",
        _("lowest bid disqualified under price-only evaluation"),
    )  # R036
    BUYER_DISQUALIFICATION_RATIO = (
        "buyer_disqualification_ratio",
        _("buyer disqualifies far more bids than the norm"),
    )  # R038


# Flags about a buyer as a whole: their alerts have no tender.
BUYER_FLAGS = frozenset({RedFlag.BUYER_DISQUALIFICATION_RATIO})


class AlertState(models.TextChoices):
    OPEN = "open", pgettext_lazy("red-flag alert state", "open")
    ACKNOWLEDGED = "acknowledged", _("acknowledged")
    DISMISSED = "dismissed", _("dismissed")
    CLEARED = "cleared", _("no longer holds")


class AlertAction(models.TextChoices):
    ACKNOWLEDGE = "acknowledge", pgettext_lazy("red-flag alert action", "acknowledged")
    DISMISS = "dismiss", pgettext_lazy("red-flag alert action", "dismissed")
    # The computation's own moves.
    CLEAR = "clear", pgettext_lazy("red-flag alert action", "cleared")
    REOPEN = "reopen", pgettext_lazy("red-flag alert action", "reopened")


S, A = AlertState, AlertAction

ALERT_TRANSITIONS: dict[tuple[str, str], str] = {
    (S.OPEN, A.ACKNOWLEDGE): S.ACKNOWLEDGED,
    (S.OPEN, A.DISMISS): S.DISMISSED,
    (S.OPEN, A.CLEAR): S.CLEARED,
    (S.CLEARED, A.REOPEN): S.OPEN,
}
# The actions people take; the others are the computation's.
DECISIONS = (A.ACKNOWLEDGE, A.DISMISS)


class Alert(models.Model):
    flag = models.CharField(_("red flag"), max_length=40, choices=RedFlag.choices)
    tender = models.ForeignKey(
        "marketplace.Tender",
        verbose_name=_("tender"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="red_flag_alerts",
    )
    buyer = models.ForeignKey(Organisation, verbose_name=_("buyer"), on_delete=models.PROTECT, related_name="+")
    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="+")
    evidence = models.JSONField(pgettext_lazy("red flag", "evidence"), default=dict)
    state = models.CharField(_("state"), max_length=16, choices=AlertState.choices, default=AlertState.OPEN)
    note = models.TextField(_("note"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(pgettext_lazy("red-flag alert", "decided at"), null=True, blank=True)
    created_at = models.DateTimeField(_("raised at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("red-flag alert")
        verbose_name_plural = _("red-flag alerts")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["flag", "tender"],
                condition=models.Q(tender__isnull=False),
                name="monitoring_alert_tender_flag_unique",
            ),
            models.UniqueConstraint(
                fields=["flag", "buyer"],
                condition=models.Q(tender__isnull=True),
                name="monitoring_alert_buyer_flag_unique",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(flag__in=sorted(BUYER_FLAGS), tender__isnull=True)
                    | (~models.Q(flag__in=sorted(BUYER_FLAGS)) & models.Q(tender__isnull=False))
                ),
                name="monitoring_alert_tender_unless_buyer_flag",
            ),
        ]
        indexes = [
            models.Index(fields=["state", "-created_at"], name="monitoring_alert_state"),
            models.Index(fields=["region", "-created_at"], name="monitoring_alert_region"),
            models.Index(fields=["buyer", "flag"], name="monitoring_alert_buyer"),
        ]

    def __str__(self) -> str:
        return f"{self.flag} {self.tender_id or self.buyer_id}"
