"""Who may do what with registry objects, beyond what a selector lets them see."""

from __future__ import annotations

from portal.permissions import AnyUser, is_operator
from registry.models import Organisation


def may_manage_members(user: AnyUser, organisation: Organisation) -> bool:
    """Operators, and members holding the change permission their organisation's group grants."""
    return is_operator(user) or user.has_perm("registry.change_organisation", organisation)
