"""Who may act on service needs and offers, beyond what the selectors let them see."""

from __future__ import annotations

from portal.permissions import AnyUser, is_operator
from registry.institutions.models import ServiceNeed
from registry.models import Organisation
from registry.permissions import may_manage_members


def may_act_for(user: AnyUser, organisation: Organisation) -> bool:
    """Operators, and the organisation's managing staff, act in its name (post, respond, choose)."""
    return may_manage_members(user, organisation)


def may_see_suggestions(user: AnyUser, need: ServiceNeed) -> bool:
    """The posting organisation's members (and operators) see which institutions match their need;
    competing institutions do not see each other."""
    return is_operator(user) or user.has_perm("registry.view_organisation", need.organisation)
