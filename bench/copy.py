"""Loading generated rows into PostgreSQL with COPY, for the scale data set.

Rows are dicts keyed by field name; every concrete field the dict leaves out gets its model default,
so the generator keeps working when models gain fields with defaults. Ids are assigned here (so rows
can refer to each other) and the table's sequence is moved past them afterwards.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any

from django.db import connection, models
from django.db.models.fields import NOT_PROVIDED

CHUNK = 20_000


def _text(value: Any) -> str:
    if value is None:
        return r"\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, (bytes, memoryview)):
        return "\\\\x" + bytes(value).hex()  # bytea hex input, its backslash escaped for COPY
    if isinstance(value, (dict, list)):
        value = json.dumps(value, ensure_ascii=False)
    text = str(value)
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _columns(model: type[models.Model]) -> list[models.Field]:
    return list(model._meta.concrete_fields)


def _default(field: models.Field) -> Any:
    if field.default is not NOT_PROVIDED:
        return field.get_default()
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return datetime.now().astimezone()
    if field.null:
        return None
    if isinstance(field, (models.CharField, models.TextField)):
        return ""
    raise ValueError(f"{field.model.__name__}.{field.name} needs a value")


def copy_rows(model: type[models.Model], rows: Iterable[dict[str, Any]]) -> int:
    """COPY `rows` into the model's table; returns how many were written."""
    fields = _columns(model)
    defaults = {f.attname: None for f in fields}
    for field in fields:
        if not field.primary_key:
            try:
                defaults[field.attname] = _default(field)
            except ValueError:
                defaults.pop(field.attname)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    table = connection.ops.quote_name(model._meta.db_table)
    written = 0
    with connection.cursor() as cursor:
        raw = cursor.cursor  # the psycopg cursor, for COPY
        with raw.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for chunk in _chunks(rows):
                buffer = io.StringIO()
                for row in chunk:
                    values = []
                    for field in fields:
                        if field.attname in row:
                            values.append(row[field.attname])
                        elif field.name in row:
                            values.append(row[field.name])
                        elif field.attname in defaults:
                            values.append(defaults[field.attname])
                        else:
                            raise ValueError(f"{model.__name__}.{field.name} needs a value")
                    buffer.write("\t".join(_text(v) for v in values))
                    buffer.write("\n")
                copy.write(buffer.getvalue())
                written += len(chunk)
        pk = model._meta.pk.column
        cursor.execute(
            # Table and column names come from the model's metadata, not from input.
            f"SELECT setval(pg_get_serial_sequence(%s, %s), COALESCE((SELECT MAX({pk}) FROM {table}), 1))",  # noqa: S608
            [model._meta.db_table, pk],
        )
    return written


@contextmanager
def indexes_deferred(*models_: type[models.Model]) -> Iterator[None]:
    """Drop the tables' indexes that no constraint owns for a bulk load, and build them again
    afterwards (in the same transaction): one build is far quicker than a million insertions into
    each index. Primary keys, unique and foreign key constraints stay in force throughout."""
    tables = [model._meta.db_table for model in models_]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s)"
            " AND NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = indexname)",
            [tables],
        )
        indexes = cursor.fetchall()
        for name, _definition in indexes:
            cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
    yield
    with connection.cursor() as cursor:
        # Deferred foreign key checks of the loaded rows must run before an index can be built.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        for _name, definition in indexes:
            cursor.execute(definition)


def next_id(model: type[models.Model]) -> int:
    current = model.objects.aggregate(top=models.Max("pk"))["top"]
    return (current or 0) + 1


def _chunks(rows: Iterable[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    chunk: list[dict[str, Any]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
