"""Checks shared by the exchange's services: who acts for which organisation, row locks."""

from __future__ import annotations

from typing import TypeVar

from django.db import connection, models
from django.utils.translation import gettext as _

from portal.accounts.models import User
from portal.errors import NotFound, PermissionDenied
from registry.models import Organisation
from registry.roles import OrganisationKind, Role, managing_role
from registry.selectors import has_role

M = TypeVar("M", bound=models.Model)

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
