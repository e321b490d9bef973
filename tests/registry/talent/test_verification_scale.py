"""Verification by number stays fast at one million certificates (DESIGN §10 scale: 1,000,000
talent records). Measured: the lookup is an index scan, and it takes about as long among a million
certificates as among a thousand. PostgreSQL only; the rows are made in the database with
generate_series (about 30 s in all)."""

from __future__ import annotations

import statistics
import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from registry.roles import OrganisationKind
from registry.talent.models import Certificate
from registry.talent.selectors import certificates_verify
from tests.factories import OrganisationFactory
from tests.factories.talent import PersonFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

CERTIFICATES = 1_000_000
SMALL = 1_000
ISSUERS = 10
PEOPLE = 1_000


def _insert(first: int, last: int, *, person: int, issuer: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO talent_certificate
                (person_id, occupation, level, number, issuer_id, issued_on, expires_on,
                 revoked_at, revocation_reason, created_at)
            SELECT %s + (n %% %s), 'ai_trainer', 1 + n %% 5, 'SCALE-' || lpad(n::text, 8, '0'),
                   %s + (n %% %s), DATE '2024-01-01', DATE '2030-01-01', NULL, '', now()
            FROM generate_series(%s, %s) AS n
            """,
            [person, PEOPLE, issuer, ISSUERS, first, last],
        )
        cursor.execute("ANALYZE talent_certificate")


def _median_lookup(count: int) -> float:
    timings = []
    for n in range(300):
        number = f"SCALE-{1 + (n * 7919) % count:08d}"
        started = time.perf_counter()
        (check,) = certificates_verify(number=number)
        timings.append(time.perf_counter() - started)
        assert check.number == number
    return statistics.median(timings)


def test_verification_by_number_is_an_index_scan_and_as_fast_at_a_million(db):
    issuers = [OrganisationFactory(kind=OrganisationKind.THIRD_PARTY, verified=True) for _ in range(ISSUERS)]
    people = PersonFactory.create_batch(PEOPLE)
    ids = {"person": people[0].pk, "issuer": issuers[0].pk}
    assert Certificate._meta.db_table == "talent_certificate"  # the table the SQL below fills

    _insert(1, SMALL, **ids)
    small = _median_lookup(SMALL)
    _insert(SMALL + 1, CERTIFICATES, **ids)
    large = _median_lookup(CERTIFICATES)

    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN ANALYZE {_verify_sql('SCALE-00543210')}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    print(f"\nverification median: {small * 1000:.2f} ms at {SMALL:,}, {large * 1000:.2f} ms at {CERTIFICATES:,}")
    assert "talent_certificate_number" in plan, plan
    assert "Seq Scan" not in plan, plan
    assert large < 3 * small + 0.002  # an index lookup: no growth beyond noise (a scan would be ~100x)


def _verify_sql(number: str) -> str:
    """The one statement `certificates_verify` runs, as sent."""
    with CaptureQueriesContext(connection) as queries:
        certificates_verify(number=number)
    (query,) = queries.captured_queries
    return query["sql"]
