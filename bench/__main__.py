"""Run every benchmark against PostgreSQL and print one line per figure.

make bench                     # uses postgres://postgres@127.0.0.1:5432/portal_bench
DATABASE_URL=postgres://… make bench
"""

from __future__ import annotations

import os
import sys


def main() -> int:
    os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/portal_bench")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    os.environ.setdefault("DEMO_DATA_ALLOWED", "1")
    from bench import harness

    harness.prepare_database()
    from bench import bench_audit_append, bench_home_page

    results = [*bench_audit_append.run(), *bench_home_page.run()]
    harness.report(results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
