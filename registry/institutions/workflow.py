"""The life of a service need, as one table of allowed transitions.

open --choose--> matched   (the posting organisation picked one response)
open --close--> closed     (withdrawn without choosing)
matched --close--> closed  (the service was delivered, or the matter is over)
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from portal.errors import Conflict
from registry.institutions.models import NeedStatus as S

CHOOSE, CLOSE = "choose", "close"

TRANSITIONS: dict[tuple[str, str], str] = {
    (S.OPEN, CHOOSE): S.MATCHED,
    (S.OPEN, CLOSE): S.CLOSED,
    (S.MATCHED, CLOSE): S.CLOSED,
}


def allowed(current: str, action: str) -> bool:
    return (current, action) in TRANSITIONS


def next_status(current: str, action: str) -> str:
    try:
        return TRANSITIONS[(current, action)]
    except KeyError:
        message = _("A need that is %(status)s cannot be %(action)s.") % {
            "status": S(current).label,
            "action": _ACTION_LABELS[action](),
        }
        raise Conflict(message, fields={"status": [message]}) from None


def require_open(current: str) -> None:
    """Responses are taken while the need is open."""
    if current != S.OPEN:
        message = _("This need is %(status)s: it takes no more responses.") % {"status": S(current).label}
        raise Conflict(message, fields={"need": [message]})


_ACTION_LABELS = {CHOOSE: lambda: _("matched"), CLOSE: lambda: _("closed")}
