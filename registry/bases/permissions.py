"""Who may change a base: operators, and the managing staff of its operator organisation."""

from __future__ import annotations

from portal.permissions import AnyUser
from registry.bases.models import AnnotationBase
from registry.permissions import may_manage_members


def may_manage_base(user: AnyUser, base: AnnotationBase) -> bool:
    """The people who manage the operator organisation's members also manage the base's members
    and report its output (registry.permissions.may_manage_members)."""
    return may_manage_members(user, base.operator)
