"""Cost of the hash chains: an audited write locks its chain's head until it commits.

Baseline: the same row inserted the same way (one transaction per row, same indexes, hash computed)
without any head lock. Contenders: `audit_record` on many objects (writes spread over the chains,
the usual case: different bids, vouchers, tenders) and on one object (the worst case: one chain).
All from 8 threads at once.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable

from django.db import connections, transaction
from django.utils import timezone

from bench.harness import Result, best_of, rate

THREADS = 8
PER_THREAD = 150
OBJECTS = 256


def _threads(work: Callable[[int], None]) -> float:
    barrier = threading.Barrier(THREADS + 1)
    errors: list[BaseException] = []

    def worker(index: int) -> None:
        barrier.wait()
        try:
            for i in range(PER_THREAD):
                work(index * PER_THREAD + i)
        except BaseException as exc:  # re-raised below: a failed run must not report a rate
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return rate(THREADS * PER_THREAD, started)


def run() -> list[Result]:
    from portal.accounts.models import User
    from portal.audit.chain import entry_hash
    from portal.audit.models import AuditEntry
    from portal.audit.services import audit_record

    with connections["default"].cursor() as cursor:
        cursor.execute("TRUNCATE audit_auditentry, audit_auditchainhead")
    users = [User.objects.get_or_create(username=f"bench-auditor-{n}")[0] for n in range(OBJECTS)]
    unchained_seq = itertools.count(10**12)

    def unchained(n: int) -> None:
        user, seq, now = users[n % OBJECTS], next(unchained_seq), timezone.now()
        row = {
            "chain": 99,
            "seq": seq,
            "created_at": now,
            "actor_id": user.pk,
            "actor_label": user.username,
            "action": "bench",
            "object_type": "accounts.user",
            "object_id": str(user.pk),
            "before": {},
            "after": {"n": n},
            "prev_hash": "0" * 64,
        }
        digest = entry_hash(row)
        with transaction.atomic():
            AuditEntry.objects.create(**row, hash=digest)

    def chained(n: int) -> None:
        with transaction.atomic():
            audit_record(actor=users[0], action="bench", obj=users[n % OBJECTS], before={}, after={"n": n})

    def chained_one_object(n: int) -> None:
        with transaction.atomic():
            audit_record(actor=users[0], action="bench", obj=users[0], before={}, after={"n": n})

    baseline = best_of(3, lambda: _threads(unchained))
    spread = best_of(3, lambda: _threads(chained))
    single = best_of(3, lambda: _threads(chained_one_object))
    return [
        Result("audit append, no chain (baseline)", baseline, "rows/s", f"{THREADS} threads"),
        Result("audit append, chained, 64 objects", spread, "rows/s"),
        Result("audit append, chained, one object", single, "rows/s"),
        Result("chained 64 objects / baseline", spread / baseline, "ratio"),
        Result("chained one object / baseline", single / baseline, "ratio"),
    ]
