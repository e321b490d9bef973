"""`portal.prepared`: hand-written hot-path statements, prepared on PostgreSQL."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction

from portal import prepared
from portal.prepared import _numbered

pytestmark = pytest.mark.django_db


def test_placeholders_are_numbered_as_postgresqls_own_and_a_doubled_percent_is_one():
    sql = "SELECT %s, %s::text LIKE 'a%%' OR %s = 5 %% 2"

    assert _numbered(sql) == b"SELECT $1, $2::text LIKE 'a%' OR $3 = 5 % 2"


def test_a_statement_returns_its_row_with_the_values_bound_in_order():
    many = list(range(60))  # more values than psycopg's own cursors cache the parsing of
    sql = "SELECT " + ", ".join(["%s"] * len(many)) + ", %s LIKE 'x%%'"

    row = prepared.fetchone(sql, [*many, "xyz"])

    assert row is not None
    assert list(row[:-1]) == many
    assert bool(row[-1]) is True


def test_a_statement_that_returns_no_row_answers_none_and_its_effect_is_kept():
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMPORARY TABLE prepared_probe (id integer PRIMARY KEY)")

    assert prepared.fetchone("INSERT INTO prepared_probe (id) VALUES (%s)", [7]) is None
    prepared.send("INSERT INTO prepared_probe (id) VALUES (%s)", [8])

    assert prepared.fetchone("SELECT count(*) FROM prepared_probe WHERE id IN (%s, %s)", [7, 8]) == (2,)


def test_errors_are_djangos():
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMPORARY TABLE prepared_unique (id integer PRIMARY KEY)")
    prepared.fetchone("INSERT INTO prepared_unique (id) VALUES (%s)", [1])

    with pytest.raises(IntegrityError), transaction.atomic():
        prepared.fetchone("INSERT INTO prepared_unique (id) VALUES (%s)", [1])
