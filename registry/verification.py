"""The verification workflow of an organisation, as one table of allowed transitions.

submitted --verify--> verified      (an operator checked the licence and the profile)
submitted --reject--> rejected      (with a reason the organisation's members see)
rejected --resubmit--> submitted    (after correcting the profile)
verified --resubmit--> submitted    (its legal identity changed: name, region, legal representative)
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from portal.errors import Conflict
from registry.models import VerificationStatus as S

VERIFY, REJECT, RESUBMIT = "verify", "reject", "resubmit"

TRANSITIONS: dict[tuple[str, str], str] = {
    (S.SUBMITTED, VERIFY): S.VERIFIED,
    (S.SUBMITTED, REJECT): S.REJECTED,
    (S.REJECTED, RESUBMIT): S.SUBMITTED,
    (S.VERIFIED, RESUBMIT): S.SUBMITTED,
}


def next_status(current: str, action: str) -> str:
    try:
        return TRANSITIONS[(current, action)]
    except KeyError:
        raise Conflict(
            _("An organisation that is %(status)s cannot be %(action)s.")
            % {"status": S(current).label, "action": _ACTION_LABELS[action]()}
        ) from None


_ACTION_LABELS = {VERIFY: lambda: _("verified"), REJECT: lambda: _("rejected"), RESUBMIT: lambda: _("resubmitted")}
