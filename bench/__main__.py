"""Benchmarks against PostgreSQL: `python -m bench data` builds the scale data set (idempotent),
`python -m bench` runs every benchmark and prints one line per figure, `python -m bench tenders`
only the tender exchange's, `python -m bench acceptance` only delivery acceptance's (scoring and a
full 1,000,000-item delivery), `python -m bench vouchers` only the vouchers' (concurrent redemptions
against pgbench, through the services and through HTTP), `python -m bench dashboard` only the
regulators' dashboard's (against the source tables) and the rollups' rebuild.

    make bench-data && make bench    # database postgres://postgres@127.0.0.1:5432/portal_bench
    DATABASE_URL=postgres://… make bench
"""

from __future__ import annotations

import os
import sys
import time


def scale_data() -> None:
    """Build whatever part of the scale data set is missing (registry first: the exchange's buyers
    and bidders are its organisations; vouchers next: they pay the exchange's contracts; statistical
    reports last: their flags compare revenue with what the exchange paid)."""
    from bench import scale_marketplace, scale_monitoring, scale_registry, scale_vouchers

    started = time.perf_counter()
    parts = [
        part for part in (scale_registry, scale_marketplace, scale_vouchers, scale_monitoring) if not part.present()
    ]
    for part in parts:
        part.generate()
    if parts:
        print(f"scale data set built in {time.perf_counter() - started:.0f} s")
    else:
        print("scale data set already present")
    build_rollups()


def build_rollups() -> None:
    """The generators write straight to the tables, so no event wrote a rollup delta: build the
    facts from the source tables once, when there are none (the dashboards read only them). A data
    set that has facts keeps them; `manage.py rebuild_rollups` replaces them on demand."""
    from monitoring.rollups.models import RollupFact
    from monitoring.rollups.services import rollups_rebuild

    if RollupFact.objects.exists():
        return
    started = time.perf_counter()
    facts = rollups_rebuild()
    print(f"rollups: {facts:,} facts rebuilt in {time.perf_counter() - started:.0f} s")


def main(argv: list[str]) -> int:
    os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/portal_bench")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    os.environ.setdefault("DEMO_DATA_ALLOWED", "1")
    from bench import harness

    harness.prepare_database()
    scale_data()
    if argv[:1] == ["data"]:
        return 0
    from bench import (
        bench_acceptance,
        bench_audit_append,
        bench_dashboard,
        bench_home_page,
        bench_quality,
        bench_registry,
        bench_tenders,
        bench_vouchers,
    )

    if argv[:1] == ["tenders"]:  # the exchange's measures alone
        harness.report(bench_tenders.run())
        return 0
    if argv[:1] == ["acceptance"]:
        harness.report([*bench_quality.run(), *bench_acceptance.run()])
        return 0
    if argv[:1] == ["vouchers"]:
        harness.report(bench_vouchers.run())
        return 0
    if argv[:1] == ["dashboard"]:
        harness.report(bench_dashboard.run())
        return 0
    results = [
        *bench_audit_append.run(),
        *bench_home_page.run(),
        *bench_registry.run(),
        *bench_tenders.run(),
        *bench_quality.run(),
        *bench_acceptance.run(),
        *bench_vouchers.run(),
        *bench_dashboard.run(),
    ]
    harness.report(results)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
