"""Who may do what in the talent pool, beyond what a selector lets them see.

Issuing staff are the members holding an issuer's managing role: `registry.services.membership_add`
grants them `registry.change_organisation` on it, so these rules follow staff as they join and
leave, with no grant per certificate. Experts' records belong to the person's portal account.
"""

from __future__ import annotations

from portal.permissions import AnyUser, is_operator
from registry.models import Organisation
from registry.permissions import may_manage_members
from registry.roles import OrganisationKind
from registry.talent.models import Expert

# Vocational skill certificates are issued by recognised evaluation bodies (third-party
# institutions) and by government agencies (human-resources departments).
ISSUER_KINDS = frozenset({OrganisationKind.THIRD_PARTY, OrganisationKind.AGENCY})


def may_issue_for(user: AnyUser, issuer: Organisation) -> bool:
    """Operators, and the managing staff of an issuing organisation (verified or not: the services
    refuse an unverified issuer with a clearer message)."""
    return is_operator(user) or (issuer.kind in ISSUER_KINDS and may_manage_members(user, issuer))


def may_edit_expert(user: AnyUser, expert: Expert) -> bool:
    """Operators, and the expert (the portal account linked to the expert's person)."""
    return is_operator(user) or (user.is_authenticated and expert.person.user_id == user.pk)
