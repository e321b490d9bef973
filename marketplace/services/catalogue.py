"""Writes on the public data annotation catalogue."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from marketplace.models import CatalogueEntry
from marketplace.services._common import lock, require_buyer_staff
from portal.accounts.models import User
from portal.audit.services import audit_record, snapshot
from portal.errors import PermissionDenied
from registry.models import Organisation
from registry.roles import OrganisationKind

CATALOGUE_FIELDS = (
    "dataset",
    "description",
    "sector",
    "modality",
    "volume",
    "volume_unit",
    "openness",
    "annotation_needs",
)


def _require_agency(*, actor: User, agency: Organisation) -> None:
    if agency.kind != OrganisationKind.AGENCY:
        raise PermissionDenied(_("Only government agencies publish catalogue entries."))
    require_buyer_staff(actor=actor, buyer=agency)
    if not agency.verified:
        raise PermissionDenied(_("Your agency must be verified before it publishes catalogue entries."))


def catalogue_entry_create(*, actor: User, agency: Organisation, **fields: Any) -> CatalogueEntry:
    """Publish a dataset and its annotation needs; `fields` are those of CATALOGUE_FIELDS."""
    _require_agency(actor=actor, agency=agency)
    entry = CatalogueEntry(agency=agency, created_by=actor, **{k: fields[k] for k in CATALOGUE_FIELDS if k in fields})
    entry.full_clean()
    with transaction.atomic():
        entry.save()
        audit_record(
            actor=actor,
            action="catalogue.create",
            obj=entry,
            before={},
            after=snapshot(entry, ("agency", *CATALOGUE_FIELDS)),
        )
    return entry


def catalogue_entry_update(*, actor: User, entry: CatalogueEntry, **fields: Any) -> CatalogueEntry:
    with transaction.atomic():
        entry = lock(CatalogueEntry, entry.pk)
        _require_agency(actor=actor, agency=entry.agency)
        before = snapshot(entry, CATALOGUE_FIELDS)
        for name in CATALOGUE_FIELDS:
            if name in fields:
                setattr(entry, name, fields[name])
        entry.full_clean()
        entry.save()
        audit_record(
            actor=actor, action="catalogue.update", obj=entry, before=before, after=snapshot(entry, CATALOGUE_FIELDS)
        )
    return entry
