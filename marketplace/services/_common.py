"""Checks shared by the exchange's services: who acts for which organisation, row locks."""

from __future__ import annotations

from typing import TypeVar

from django.core.exceptions import ValidationError
from django.db import connection, models
from django.utils.translation import gettext as _

from portal.accounts.models import User
from portal.errors import NotFound, PermissionDenied
from registry.models import Organisation
from registry.roles import OrganisationKind, Role, managing_role
from registry.selectors import has_role

M = TypeVar("M", bound=models.Model)
MAX_TEXT = 5_000

# Organisations that supply annotation services (registry.roles: their staff are vendor staff).
SUPPLIER_KINDS = frozenset({OrganisationKind.VENDOR, OrganisationKind.BASE_OPERATOR, OrganisationKind.THIRD_PARTY})


def require_buyer_staff(*, actor: User, buyer: Organisation) -> None:
    """The actor manages the buying organisation (agency staff, or an enterprise's buyer)."""
    if not has_role(user=actor, organisation=buyer, role=managing_role(buyer.kind)):
        raise PermissionDenied(_("Only the buyer's own staff can do this."))


def require_vendor_staff(*, actor: User, vendor: Organisation) -> None:
    if vendor.kind not in SUPPLIER_KINDS:
        raise PermissionDenied(_("Only annotation vendors can do this."))
    if not has_role(user=actor, organisation=vendor, role=Role.VENDOR_STAFF):
        raise PermissionDenied(_("Only the vendor's own staff can do this."))
    if not vendor.verified:
        raise PermissionDenied(_("Your organisation must be verified by the platform before it can bid or ask."))


def lock(model: type[M], pk: int) -> M:
    """The row, locked FOR UPDATE until the transaction ends."""
    row = model._default_manager.select_for_update(of=("self",)).filter(pk=pk).first()
    if row is None:
        raise NotFound()
    return row


def lock_shared(model: type[M], pk: int) -> M:
    """The row, locked FOR SHARE: many bids may hold it at once, while the deadline sweep's FOR
    UPDATE waits for them (and they for it). SQLite serialises writers anyway."""
    if connection.vendor != "postgresql":
        return lock(model, pk)
    table = connection.ops.quote_name(model._meta.db_table)
    rows = list(model._default_manager.raw(f"SELECT * FROM {table} WHERE id = %s FOR SHARE", [pk]))  # noqa: S608
    if not rows:
        raise NotFound()
    return rows[0]


def required_text(value: str, field: str, missing: str) -> str:
    """The stripped text, or a ValidationError on `field`: `missing` when empty, a length message
    when longer than MAX_TEXT."""
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: [missing]})
    if len(value) > MAX_TEXT:
        raise ValidationError({field: [_("Keep it under %(n)d characters.") % {"n": MAX_TEXT}]})
    return value


def staff_of(*organisations: Organisation) -> list[User]:
    """The active users who act for these organisations (their managing role), for notifications."""
    users: dict[int, User] = {}
    for organisation in organisations:
        role = managing_role(organisation.kind)
        for user in User.objects.filter(
            is_active=True, memberships__organisation=organisation, memberships__role=role
        ).distinct():
            users[user.pk] = user
    return list(users.values())
