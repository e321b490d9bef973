"""Writes on organisations and memberships."""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from guardian.shortcuts import remove_perm

from portal.accounts.models import User
from portal.audit.services import audit_record, snapshot
from portal.errors import PermissionDenied
from portal.permissions import grant, is_operator
from registry import credit_code, verification
from registry.models import Membership, Organisation, Region
from registry.permissions import may_manage_members
from registry.roles import Role, managing_role, role_allowed

ORGANISATION_AUDIT_FIELDS = ("name", "kind", "credit_code", "region", "status", "rejection_reason")
MEMBERSHIP_AUDIT_FIELDS = ("user", "organisation", "role", "scope_region")
# Every member sees the organisation's record (through its members group); members holding its
# managing role (registry.roles.managing_role) also change it and manage its members.
MEMBER_PERMS = ("registry.view_organisation",)
MANAGER_PERMS = ("registry.change_organisation",)


def _region(code: str, *, field: str = "region") -> Region:
    region = Region.objects.filter(pk=(code or "").strip()).first()
    if region is None:
        raise ValidationError({field: [_("Unknown region code “%(code)s”.") % {"code": code}]})
    return region


def organisation_create(*, actor: User, name: str, kind: str, credit_code_value: str, region_code: str) -> Organisation:
    """Register an organisation, unverified. A non-operator registrant becomes its first member,
    with the role its kind implies; operators register on others' behalf without joining."""
    organisation = Organisation(
        name=(name or "").strip(),
        kind=kind,
        credit_code=credit_code.normalise(credit_code_value or ""),
        region=_region(region_code),
    )
    with transaction.atomic():
        organisation.full_clean(exclude=["members_group"])
        try:
            with transaction.atomic():
                organisation.members_group = Group.objects.create(name=f"organisation:{organisation.credit_code}")
                organisation.save()
        except IntegrityError as exc:  # a concurrent registration of the same code committed first
            raise ValidationError(
                {"credit_code": [_("An organisation with this unified social credit code is already registered.")]}
            ) from exc
        grant(perms=MEMBER_PERMS, to=organisation.members_group, obj=organisation)
        audit_record(
            actor=actor,
            action="organisation.create",
            obj=organisation,
            before={},
            after=snapshot(organisation, ORGANISATION_AUDIT_FIELDS),
        )
        if not is_operator(actor):
            _membership_insert(actor=actor, organisation=organisation, user=actor, role=managing_role(kind))
    return organisation


def organisation_verify(*, actor: User, organisation: Organisation) -> Organisation:
    """An operator confirms the organisation: it becomes public."""
    return _organisation_transition(actor=actor, organisation=organisation, action=verification.VERIFY)


def organisation_reject(*, actor: User, organisation: Organisation, reason: str) -> Organisation:
    """An operator sends the registration back; the reason is shown to the organisation's members."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Say why the registration is rejected.")]})
    return _organisation_transition(actor=actor, organisation=organisation, action=verification.REJECT, reason=reason)


def _organisation_transition(*, actor: User, organisation: Organisation, action: str, reason: str = "") -> Organisation:
    if not is_operator(actor):
        raise PermissionDenied(_("Only platform operators verify organisations."))
    with transaction.atomic():
        organisation = Organisation.objects.select_for_update(of=("self",)).get(pk=organisation.pk)
        before = snapshot(organisation, ORGANISATION_AUDIT_FIELDS)
        organisation.status = verification.next_status(organisation.status, action)
        organisation.status_changed_at = timezone.now()
        organisation.rejection_reason = reason
        organisation.save(update_fields=["status", "status_changed_at", "rejection_reason", "updated_at"])
        audit_record(
            actor=actor,
            action=f"organisation.{action}",
            obj=organisation,
            before=before,
            after=snapshot(organisation, ORGANISATION_AUDIT_FIELDS),
        )
    return organisation


def membership_add(
    *, actor: User, organisation: Organisation, username: str, role: str, scope_region_code: str = ""
) -> Membership:
    """Operators, and members who may change the organisation, add people to it."""
    if not may_manage_members(actor, organisation):
        raise PermissionDenied(_("You may not manage the members of this organisation."))
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise ValidationError({"username": [_("There is no active user “%(username)s”.") % {"username": username}]})
    with transaction.atomic():
        return _membership_insert(
            actor=actor, organisation=organisation, user=user, role=role, scope_region_code=scope_region_code
        )


def _membership_insert(
    *, actor: User, organisation: Organisation, user: User, role: str, scope_region_code: str = ""
) -> Membership:
    if role not in Role.values:
        raise ValidationError({"role": [_("Unknown role “%(role)s”.") % {"role": role}]})
    if not role_allowed(role, organisation.kind):
        raise ValidationError(
            {
                "role": [
                    _("A %(kind)s cannot have members with the role %(role)s.")
                    % {"kind": organisation.get_kind_display(), "role": Role(role).label}
                ]
            }
        )
    scope_region = None
    if scope_region_code:
        if role != Role.REGULATOR:
            raise ValidationError({"scope_region": [_("Only regulators have a regulatory scope.")]})
        scope_region = _region(scope_region_code, field="scope_region")
    membership = Membership(user=user, organisation=organisation, role=role, scope_region=scope_region)
    if Membership.objects.filter(user=user, organisation=organisation, role=role).exists():
        raise ValidationError({"user": [_("This person already has this role in the organisation.")]})
    membership.full_clean(validate_constraints=False)
    membership.save()
    user.groups.add(organisation.members_group)
    if role == managing_role(organisation.kind):
        grant(perms=MANAGER_PERMS, to=user, obj=organisation)
    audit_record(
        actor=actor,
        action="membership.add",
        obj=membership,
        before={},
        after=snapshot(membership, MEMBERSHIP_AUDIT_FIELDS),
    )
    return membership


def membership_remove(*, actor: User, membership: Membership) -> None:
    organisation = membership.organisation
    if not may_manage_members(actor, organisation):
        raise PermissionDenied(_("You may not manage the members of this organisation."))
    with transaction.atomic():
        before = snapshot(membership, MEMBERSHIP_AUDIT_FIELDS)
        audit_record(actor=actor, action="membership.remove", obj=membership, before=before, after={})
        membership.delete()
        remaining = set(
            Membership.objects.filter(user=membership.user, organisation=organisation).values_list("role", flat=True)
        )
        if managing_role(organisation.kind) not in remaining:
            for perm in MANAGER_PERMS:
                remove_perm(perm, membership.user, organisation)
        if not remaining:
            membership.user.groups.remove(organisation.members_group)
