"""Writing checked records in bulk. Called by `registry.imports.services.import_job_run` inside its
one transaction, only when the check found no error at all.

Rows go in without per-row `save()`, signals or audit rows (the import has one audit row of its
own). For organisations the writer creates what `registry.services.organisation_create` creates for
each one — the members group "organisation:<credit code>" and that group's
"registry.view_organisation" permission on it — so an imported organisation works exactly like a
registered one (members join its group, selectors see it). Operators register on behalf of others
without joining, so, as in the service, no membership is created.

How rows go in: on PostgreSQL, ids are drawn from each table's sequence in one query and the rows
are streamed with COPY (the benchmark compares imports with a bare COPY: Django's INSERT building
cost four times the database's own work). Elsewhere (SQLite, the embedded mode) `bulk_create` in
batches. Both fill every column the record does not name with the model field's default, and
`auto_now`/`auto_now_add` timestamps with the time of the import, as `save()` would.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from itertools import islice
from typing import Any, TypeVar

from django.contrib.auth.models import Group, Permission
from django.db import connection, models
from django.db.models import NOT_PROVIDED

from monitoring.rollups import events as rollup_events
from registry.imports.checking import CertificateRow, OrganisationRecord, PersonRecord
from registry.imports.models import ImportKind
from registry.models import Organisation, OrganisationGroupObjectPermission, VerificationStatus
from registry.services import MEMBER_PERMS
from registry.talent.models import Certificate, Person

BATCH_SIZE = 1000
T = TypeVar("T")


def _batches(rows: Sequence[T]) -> Iterator[list[T]]:
    iterator = iter(rows)
    while batch := list(islice(iterator, BATCH_SIZE)):
        yield batch


def insert(
    model: type[models.Model], columns: Sequence[str], rows: Sequence[Sequence[Any]], *, now: datetime
) -> list[int]:
    """Insert `rows` (values of the fields named by attname in `columns`); return their ids in order."""
    if connection.vendor == "postgresql":
        return _copy(model, columns, rows, now=now)
    ids: list[int] = []
    for batch in _batches(rows):
        created = model._default_manager.bulk_create([model(**dict(zip(columns, row, strict=True))) for row in batch])
        ids.extend(int(obj.pk) for obj in created)
    return ids


def _copy(
    model: type[models.Model], columns: Sequence[str], rows: Sequence[Sequence[Any]], *, now: datetime
) -> list[int]:
    from psycopg import sql

    meta = model._meta
    named = [_field(model, name) for name in columns]
    others = [
        field
        for field in meta.concrete_fields
        if not field.primary_key
        and field.attname not in columns
        and not getattr(field, "generated", False)
        and not (field.db_default is not NOT_PROVIDED and not field.has_default())  # the database fills it in
    ]
    defaults = tuple(_default(field, now) for field in others)
    # JSON values need psycopg's wrapper; everything else psycopg adapts as it is.
    convert = [_json(field) if isinstance(field, models.JSONField) else None for field in named]
    table = meta.db_table
    pk_column = meta.pk.column if meta.pk is not None else "id"
    names: list[str] = [pk_column, *(str(field.column) for field in named), *(str(field.column) for field in others)]
    identifiers: list[sql.Composable] = [sql.Identifier(name) for name in names]
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(sql.Identifier(table), sql.SQL(", ").join(identifiers))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)", [table, pk_column, len(rows)]
        )
        ids = [int(row[0]) for row in cursor.fetchall()]
        with connection.wrap_database_errors, cursor.cursor.copy(statement) as copy:
            for pk, row in zip(ids, rows, strict=True):
                values = [value if fn is None else fn(value) for value, fn in zip(row, convert, strict=True)]
                copy.write_row((pk, *values, *defaults))
    return ids


def _field(model: type[models.Model], attname: str) -> models.Field:
    field = model._meta.get_field(attname)  # a foreign key is found by its attname ("region_id") too
    if not isinstance(field, models.Field):
        raise TypeError(f"{model.__name__}.{attname} is not a column")
    return field


def _json(field: models.Field) -> Callable[[Any], Any]:
    return lambda value: field.get_db_prep_save(value, connection)


def _default(field: models.Field, now: datetime) -> Any:
    if isinstance(field, models.DateField) and (getattr(field, "auto_now", False) or field.auto_now_add):
        return now if isinstance(field, models.DateTimeField) else now.date()
    return field.get_db_prep_save(field.get_default(), connection)


def _permissions(perms: Sequence[str]) -> list[Permission]:
    found = []
    for perm in perms:
        app_label, codename = perm.split(".")
        found.append(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    return found


ORGANISATION_COLUMNS = (
    "name",
    "kind",
    "credit_code",
    "region_id",
    "status",
    "status_changed_at",
    "legal_representative",
    "legal_representative_id_hash",
    "legal_representative_id_masked",
    "registered_capital_fen",
    "founded_on",
    "address",
    "size_class",
    "annotator_headcount",
    "iso27001_certified",
    "mlps_level",
    "description",
    "members_group_id",
)


def write_organisations(records: Sequence[OrganisationRecord], *, now: datetime) -> int:
    group_ids = insert(Group, ["name"], [(f"organisation:{record.credit_code}",) for record in records], now=now)
    rows = [
        (
            r.name,
            r.kind,
            r.credit_code,
            r.region_id,
            r.status,
            now if r.status == VerificationStatus.VERIFIED else None,
            r.legal_representative,
            r.legal_representative_id_hash,
            r.legal_representative_id_masked,
            r.registered_capital_fen,
            r.founded_on,
            r.address,
            r.size_class,
            r.annotator_headcount,
            r.iso27001_certified,
            r.mlps_level,
            r.description,
            group_id,
        )
        for r, group_id in zip(records, group_ids, strict=True)
    ]
    organisation_ids = insert(Organisation, ORGANISATION_COLUMNS, rows, now=now)
    permissions = _permissions(MEMBER_PERMS)
    insert(
        OrganisationGroupObjectPermission,
        ["group_id", "permission_id", "content_object_id"],
        [
            (group_id, permission.pk, organisation_id)
            for group_id, organisation_id in zip(group_ids, organisation_ids, strict=True)
            for permission in permissions
        ],
        now=now,
    )
    return len(organisation_ids)


def write_people(records: Sequence[PersonRecord], *, now: datetime) -> int:
    rows = [(r.name, r.region_id, r.skills, r.id_hash, r.id_masked) for r in records]
    return len(insert(Person, ["name", "region_id", "skills", "id_hash", "id_masked"], rows, now=now))


def write_certificates(records: Sequence[CertificateRow], *, now: datetime) -> int:
    columns = ["person_id", "occupation", "level", "number", "issuer_id", "issued_on", "expires_on"]
    rows = [(r.person_id, r.occupation, r.level, r.number, r.issuer_id, r.issued_on, r.expires_on) for r in records]
    rollup_events.certificates_imported(records)
    return len(insert(Certificate, columns, rows, now=now))


WRITERS: dict[str, Callable[..., int]] = {
    ImportKind.ORGANISATIONS: write_organisations,
    ImportKind.PEOPLE: write_people,
    ImportKind.CERTIFICATES: write_certificates,
}
