"""The life of a tender, as one table of allowed transitions (DESIGN §4).

draft --publish--> open                  (the agency publishes; bids may be submitted)
open --close--> opening                  (the deadline passed: the sweep closes bidding)
opening --open--> evaluation             (bids decrypted, enough valid bids)
opening --fail--> failed                 (fewer valid bids than the procedure needs)
evaluation --fail--> failed              (every bid disqualified in evaluation)
evaluation --publicise--> publicity      (candidates published, challenge window runs)
publicity --reevaluate--> evaluation     (a challenge upheld)
publicity --award--> awarded
draft, open, opening, evaluation, publicity --cancel--> cancelled (with a reason)

`failed` and `cancelled` are ends; a failed tender can be re-tendered as a new draft.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from portal.errors import Conflict


class TenderState(models.TextChoices):
    DRAFT = "draft", gettext_lazy("draft")
    OPEN = "open", gettext_lazy("open for bids")
    OPENING = "opening", gettext_lazy("opening")
    EVALUATION = "evaluation", gettext_lazy("under evaluation")
    PUBLICITY = "publicity", gettext_lazy("candidates in publicity")
    AWARDED = "awarded", gettext_lazy("awarded")
    FAILED = "failed", pgettext_lazy("tender state", "failed")
    CANCELLED = "cancelled", gettext_lazy("cancelled")


class TenderAction(models.TextChoices):
    PUBLISH = "publish", gettext_lazy("published")
    CLOSE = "close", gettext_lazy("closed for bids")
    OPEN = "open", gettext_lazy("opened")
    FAIL = "fail", gettext_lazy("declared failed")
    PUBLICISE = "publicise", gettext_lazy("put into publicity")
    REEVALUATE = "reevaluate", gettext_lazy("sent back to evaluation")
    AWARD = "award", gettext_lazy("awarded")
    CANCEL = "cancel", gettext_lazy("cancelled")


S, A = TenderState, TenderAction

TRANSITIONS: dict[tuple[str, str], str] = {
    (S.DRAFT, A.PUBLISH): S.OPEN,
    (S.OPEN, A.CLOSE): S.OPENING,
    (S.OPENING, A.OPEN): S.EVALUATION,
    (S.OPENING, A.FAIL): S.FAILED,
    (S.EVALUATION, A.FAIL): S.FAILED,
    (S.EVALUATION, A.PUBLICISE): S.PUBLICITY,
    (S.PUBLICITY, A.REEVALUATE): S.EVALUATION,
    (S.PUBLICITY, A.AWARD): S.AWARDED,
    **{(state, A.CANCEL): S.CANCELLED for state in (S.DRAFT, S.OPEN, S.OPENING, S.EVALUATION, S.PUBLICITY)},
}

# The public sees every tender that has left the draft state.
PUBLIC_STATES = tuple(state for state in TenderState if state != S.DRAFT)
ENDED_STATES = (S.AWARDED, S.FAILED, S.CANCELLED)


def next_state(current: str, action: str) -> str:
    try:
        return TRANSITIONS[(current, action)]
    except KeyError:
        raise Conflict(
            _("A tender that is %(state)s cannot be %(action)s.")
            % {"state": S(current).label, "action": A(action).label}
        ) from None


def allowed_actions(current: str) -> list[str]:
    return [action for (state, action) in TRANSITIONS if state == current]
