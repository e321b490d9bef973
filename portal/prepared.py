"""Statements written by hand for a hot path, planned once per connection on PostgreSQL.

Django binds parameters on the client (psycopg's `ClientCursor`), so PostgreSQL plans every
statement it receives afresh. For the few statements a hot path runs thousands of times a second
(a redemption's rule checks: several milliseconds of planning each, a fraction of that to run),
`fetchone` sends them as prepared statements instead: psycopg prepares each text once per
connection and PostgreSQL reuses the plan. Errors are Django's (`IntegrityError`…), and the
statements appear in `connection.queries` as any other. Elsewhere (SQLite, the embedded mode) it
is a plain cursor.

Callers write `%s` placeholders, as everywhere in Django. They are numbered as PostgreSQL's own
(`$1`, `$2`…) once per text and sent through psycopg's `RawCursor`: its other cursors parse the
text on every execution, and a text longer than 4 KB or with more than 50 values (the
redemption's one write) they parse afresh each time, which cost more processor time than the
database spent on the statement.
"""

from __future__ import annotations

import functools
import re
import time
from collections.abc import Sequence
from typing import Any

import psycopg
from django.db import connection

_PLACEHOLDER = re.compile(r"%([s%])")


@functools.lru_cache(maxsize=256)
def _numbered(sql: str) -> bytes:
    """`sql` with its `%s` placeholders numbered (`$1`, `$2`…) and `%%` made `%`."""
    count = 0

    def number(found: re.Match[str]) -> str:
        nonlocal count
        if found.group(1) == "%":
            return "%"
        count += 1
        return f"${count}"

    return _PLACEHOLDER.sub(number, sql).encode()


def fetchone(sql: str, params: Sequence[Any]) -> tuple[Any, ...] | None:
    """The first row `sql` returns (None when none), its `%s` placeholders bound to `params`."""
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchone()
    connection.ensure_connection()
    started = time.monotonic()
    with connection.wrap_database_errors, psycopg.RawCursor(connection.connection) as cursor:
        cursor.execute(_numbered(sql), params, prepare=True)
        # In pipeline mode the result has not come yet (no description): fetching waits for it,
        # which a statement that returns no rows would make an error: callers in a pipeline
        # fetch only statements that return rows, and `send` the others.
        pipelined = connection.connection.pgconn.pipeline_status != 0
        row = cursor.fetchone() if cursor.description or pipelined else None
    _log(sql, started)
    return row


def send(sql: str, params: Sequence[Any]) -> None:
    """Run `sql` for its effect. In psycopg's pipeline mode it is only queued: it travels with the
    next statement that waits for an answer (the COMMIT, say), and its error, if any, is raised
    there. Elsewhere it is `fetchone` without the row."""
    if connection.vendor != "postgresql" or connection.connection.pgconn.pipeline_status == 0:
        fetchone(sql, params)
        return
    started = time.monotonic()
    with connection.wrap_database_errors, psycopg.RawCursor(connection.connection) as cursor:
        cursor.execute(_numbered(sql), params, prepare=True)
    _log(sql, started)


def _log(sql: str, started: float) -> None:
    if connection.queries_logged:
        connection.queries_log.append({"sql": sql, "time": f"{time.monotonic() - started:.3f}"})
