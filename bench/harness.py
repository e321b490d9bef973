"""Shared benchmark plumbing: a database of its own, timing, and the report."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

import django


@dataclass(frozen=True)
class Result:
    name: str
    value: float
    unit: str
    note: str = ""


def prepare_database() -> None:
    """Create the benchmark database if needed and migrate it (it is never the test database)."""
    import psycopg
    from django.conf import settings

    django.setup()
    db = settings.DATABASES["default"]
    admin = psycopg.connect(
        host=db["HOST"], port=db["PORT"] or 5432, user=db["USER"], dbname="postgres", autocommit=True
    )
    with admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db["NAME"]]).fetchone()
        if not exists:
            admin.execute(f'CREATE DATABASE "{db["NAME"]}"')
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def best_of(repeats: int, work: Callable[[], float]) -> float:
    """The median of `repeats` runs of `work` (which returns a rate): the machine is shared and noisy."""
    return statistics.median(work() for _ in range(repeats))


def rate(count: int, started: float) -> float:
    return count / (time.perf_counter() - started)


def report(results: list[Result]) -> None:
    width = max(len(r.name) for r in results)
    for result in results:
        note = f"  ({result.note})" if result.note else ""
        print(f"{result.name:<{width}}  {result.value:10.2f} {result.unit}{note}")
