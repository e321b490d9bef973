"""The approval workflow of an expert, as one table of allowed transitions.

pending   --approve--> approved    (an operator checked the application)
pending   --suspend--> suspended   (the application is declined, with a reason)
approved  --suspend--> suspended   (taken out of the pool, with a reason)
suspended --approve--> approved    (reinstated)

Only approved experts are drawn for evaluation committees (registry.talent.selectors).
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from portal.errors import Conflict
from registry.talent.models import ExpertStatus as S

APPROVE, SUSPEND = "approve", "suspend"

TRANSITIONS: dict[tuple[str, str], str] = {
    (S.PENDING, APPROVE): S.APPROVED,
    (S.PENDING, SUSPEND): S.SUSPENDED,
    (S.APPROVED, SUSPEND): S.SUSPENDED,
    (S.SUSPENDED, APPROVE): S.APPROVED,
}


def next_status(current: str, action: str) -> str:
    try:
        return TRANSITIONS[(current, action)]
    except KeyError:
        raise Conflict(
            _("An expert who is %(status)s cannot be %(action)s.")
            % {"status": S(current).label, "action": _ACTION_LABELS[action]()}
        ) from None


_ACTION_LABELS = {APPROVE: lambda: _("approved"), SUSPEND: lambda: _("suspended")}
