"""Who may do what with registry objects, beyond what a selector lets them see."""

from __future__ import annotations

from portal.permissions import AnyUser, is_operator
from registry.models import Organisation


def may_manage_members(user: AnyUser, organisation: Organisation) -> bool:
    """Operators, and members holding the organisation's managing role (granted the change
    permission by `membership_add`)."""
    return is_operator(user) or user.has_perm("registry.change_organisation", organisation)
