"""Races on PostgreSQL with real threads: colleagues submitting the same quarter at once leave one
report whose version counts the submissions that succeeded, each audited once."""

from __future__ import annotations

import pytest

from monitoring.models import StatisticalReport
from portal.audit.models import AuditEntry
from portal.errors import Conflict
from tests.factories.monitoring_reports import reporting_organisation, staff_of, submit
from tests.races import run_together

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _audits(report: StatisticalReport) -> int:
    return AuditEntry.objects.filter(object_type="monitoring.statisticalreport", object_id=str(report.pk)).count()


def test_first_submissions_at_once_make_one_report():
    organisation = reporting_organisation()
    colleagues = [staff_of(organisation) for _ in range(3)]

    outcomes = run_together(
        *(lambda user=user, n=n: submit(user, organisation, headcount=50 + n) for n, user in enumerate(colleagues))
    )

    assert not [o for o in outcomes if isinstance(o, Exception) and not isinstance(o, Conflict)]
    succeeded = [o for o in outcomes if isinstance(o, StatisticalReport)]
    assert succeeded
    report = StatisticalReport.objects.get()
    assert report.version == len(succeeded)
    assert report.volumes.count() == 6
    assert _audits(report) == len(succeeded)


def test_amendments_at_once_each_make_a_version():
    organisation = reporting_organisation()
    colleagues = [staff_of(organisation) for _ in range(3)]
    report = submit(colleagues[0], organisation)

    outcomes = run_together(
        *(lambda user=user, n=n: submit(user, organisation, headcount=60 + n) for n, user in enumerate(colleagues))
    )

    assert all(isinstance(o, StatisticalReport) for o in outcomes), outcomes
    report.refresh_from_db()
    assert report.version == 4
    assert sorted(o.version for o in outcomes) == [2, 3, 4]
    assert report.volumes.count() == 6
    assert _audits(report) == 4
