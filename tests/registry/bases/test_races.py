"""Races on PostgreSQL with real threads: the base's row lock serialises reports of one quarter."""

import itertools
import threading

import pytest
from django.db import connections

from portal.audit.models import AuditEntry
from registry.bases import services
from registry.bases.models import BaseOutput

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_concurrent_reports_of_one_quarter_leave_one_row_and_a_complete_audit_trail(base, base_manager):
    barrier = threading.Barrier(6)
    errors = []

    def report(items):
        try:
            barrier.wait()
            services.base_output_report(
                actor=base_manager, base=base, year=2025, quarter=1, annotated_items=items, revenue_fen=1, headcount=1
            )
        except Exception as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=report, args=(100 + n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    output = BaseOutput.objects.get()
    assert AuditEntry.objects.filter(action="base_output.report").count() == 1
    trail = list(AuditEntry.objects.filter(action__startswith="base_output").order_by("seq"))
    assert [entry.action for entry in trail] == ["base_output.report"] + ["base_output.correct"] * 5
    # Each correction's "before" is what the previous writer left: no write was lost or interleaved.
    for previous, entry in itertools.pairwise(trail):
        assert entry.before == previous.after
    assert trail[-1].after["annotated_items"] == output.annotated_items
