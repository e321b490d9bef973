"""Every kind of notification the portal sends, with its message, in one table.

A notification stores its kind and parameters; the message is rendered when read, in the reader's
language. Parameters are plain strings and numbers chosen by the service that notifies.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

KINDS: dict[str, Any] = {
    "tender.matched": _("New tender matching your saved search “%(search)s”: %(reference)s %(title)s"),
    "committee.invited": _("You are invited to the evaluation committee of %(reference)s %(title)s"),
    "committee.replacement": _("An expert declined the committee of %(reference)s; a replacement was drawn at random"),
    "committee.short": _("No eligible expert is left to replace a declined seat on the committee of %(reference)s"),
    "committee.complete": _("The evaluation committee of %(reference)s is complete"),
    "evaluation.reopened": _("The evaluation of %(reference)s was reopened after a challenge was upheld"),
    "evaluation.completed": _("The committee has finished scoring %(reference)s"),
    "publicity.started": _("The candidates of %(reference)s are in publicity until %(until)s"),
    "challenge.submitted": _("A challenge was lodged against the candidates of %(reference)s"),
    "challenge.upheld": _("Your challenge on %(reference)s was upheld: the committee evaluates again"),
    "challenge.rejected": _("Your challenge on %(reference)s was answered and rejected"),
    "award.won": _("You won lot %(lot)s of %(reference)s %(title)s"),
    "award.lost": _("Lot %(lot)s of %(reference)s was awarded to another bidder"),
    "lot.unsuccessful": _("Lot %(lot)s of %(reference)s was not awarded: too few bids qualified"),
    "contract.to_sign": _("Contract %(contract)s is ready to be signed by %(sign_by)s"),
    "contract.reminder": _("Reminder: contract %(contract)s must be signed by %(sign_by)s"),
    "contract.signed": _("Contract %(contract)s is signed by both parties and active"),
    "contract.terminated": _("Contract %(contract)s was terminated"),
    "statistical_report.due": _(
        "The statistical report of %(organisation)s for %(period)s is due by %(due)s and not yet submitted"
    ),
    "delivery.received": _(
        "Delivery %(number)s for “%(milestone)s” of contract %(contract)s has arrived and is being scored"
    ),
    "delivery.invalid": _("Delivery %(number)s for contract %(contract)s could not be read: see why and deliver again"),
    "delivery.scored": _(
        "Delivery %(number)s for contract %(contract)s is scored: defects found %(defects)s, sample %(sample)s, "
        "acceptance number %(ac)s"
    ),
    "delivery.accepted": _(
        "Delivery %(number)s for “%(milestone)s” of contract %(contract)s was accepted: %(amount)s is now due"
    ),
    "delivery.rejected": _(
        "Delivery %(number)s for “%(milestone)s” of contract %(contract)s was rejected; deliveries left: %(left)s"
    ),
    "milestone.failed": _(
        "Delivery %(number)s for “%(milestone)s” of contract %(contract)s was rejected and no delivery remains: "
        "the milestone failed acceptance"
    ),
}


def message(kind: str, params: dict[str, Any]) -> str:
    """The notification's text in the active language; a kind or parameter unknown to this version
    of the portal shows the kind rather than failing the page."""
    template = KINDS.get(kind)
    if template is None:
        return kind
    try:
        return str(template) % params
    except (KeyError, TypeError, ValueError):
        return kind
