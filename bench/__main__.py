"""Benchmarks against PostgreSQL: `python -m bench data` builds the scale data set (idempotent),
`python -m bench` runs every benchmark and prints one line per figure.

    make bench-data && make bench    # database postgres://postgres@127.0.0.1:5432/portal_bench
    DATABASE_URL=postgres://… make bench
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str]) -> int:
    os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/portal_bench")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    os.environ.setdefault("DEMO_DATA_ALLOWED", "1")
    from bench import harness

    harness.prepare_database()
    if argv[:1] == ["data"]:
        from bench import scale_registry

        if scale_registry.present():
            print("scale data set already present")
        else:
            scale_registry.generate()
        return 0
    from bench import bench_audit_append, bench_home_page, bench_registry, scale_registry

    if not scale_registry.present():
        scale_registry.generate()
    results = [*bench_audit_append.run(), *bench_home_page.run(), *bench_registry.run()]
    harness.report(results)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
