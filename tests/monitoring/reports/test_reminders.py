"""Reminders before the due day: who is reminded, when, once per organisation and quarter."""

from __future__ import annotations

import datetime

import pytest
from celery.result import EagerResult
from django.utils import timezone

from monitoring.models import StatisticalReportReminder
from monitoring.reports import calendar, services
from monitoring.reports.tasks import statistical_reports_remind_task
from portal.notifications.models import Notification
from registry.roles import OrganisationKind, Role
from tests.factories.monitoring_reports import figures, regulator, reporting_organisation, staff_of, submit
from tests.factories.registry import MembershipFactory

DUE = datetime.date(2025, 7, 15)  # 2025 Q2's due day


@pytest.fixture
def vendors(db):
    waiting = reporting_organisation()
    waiting_staff = [staff_of(waiting), staff_of(waiting)]
    MembershipFactory(organisation=waiting, role=Role.EXPERT)  # not staff: not reminded
    done = reporting_organisation()
    submit(staff_of(done), done)
    drafted = reporting_organisation(kind=OrganisationKind.BASE_OPERATOR)
    services.statistical_report_save_draft(
        actor=staff_of(drafted), organisation=drafted, year=2025, quarter=2, **figures()
    )
    unverified = reporting_organisation(verified=False)
    staff_of(unverified)
    return {"waiting": waiting, "waiting_staff": waiting_staff, "done": done, "drafted": drafted}


def test_staff_of_organisations_that_have_not_submitted_are_reminded_once(vendors):
    assert services.statistical_reports_remind(today=DUE - datetime.timedelta(days=5)) == 2

    reminded = set(
        StatisticalReportReminder.objects.filter(year=2025, quarter=2).values_list("organisation", flat=True)
    )
    assert reminded == {vendors["waiting"].pk, vendors["drafted"].pk}
    notified = Notification.objects.filter(kind="statistical_report.due")
    assert {n.user_id for n in notified if n.params["organisation"] == vendors["waiting"].name} == {
        user.pk for user in vendors["waiting_staff"]
    }
    assert notified.count() == 3  # two staff of the waiting vendor, one of the base operator
    first = notified.first()
    assert first.params["period"] == "2025Q2"
    assert first.params["due"] == "2025-07-15"
    assert first.url == "/monitoring/reports/file/?year=2025&quarter=2"

    # Again the next day, and on the due day: nobody is reminded twice.
    assert services.statistical_reports_remind(today=DUE - datetime.timedelta(days=4)) == 0
    assert services.statistical_reports_remind(today=DUE) == 0
    assert Notification.objects.filter(kind="statistical_report.due").count() == 3


@pytest.mark.parametrize("today", [DUE - datetime.timedelta(days=6), DUE + datetime.timedelta(days=1)])
def test_outside_the_reminder_window_nothing_happens(vendors, today):
    assert services.statistical_reports_remind(today=today) == 0
    assert not StatisticalReportReminder.objects.exists()
    assert not Notification.objects.filter(kind="statistical_report.due").exists()


def test_the_window_is_a_setting(vendors, settings):
    settings.STATISTICAL_REPORT_REMIND_DAYS = 10
    assert services.statistical_reports_remind(today=DUE - datetime.timedelta(days=10)) == 2


def test_a_reminder_row_already_there_stops_a_second_reminder(vendors):
    StatisticalReportReminder.objects.create(organisation=vendors["waiting"], year=2025, quarter=2)
    assert services.statistical_reports_remind(today=DUE) == 1
    assert not Notification.objects.filter(user__in=vendors["waiting_staff"]).exists()


def test_regulators_are_not_reminded(vendors):
    watcher = regulator("510000")
    services.statistical_reports_remind(today=DUE)
    assert not Notification.objects.filter(user=watcher).exists()


@pytest.mark.broker
@pytest.mark.django_db(transaction=True)
def test_the_worker_sends_the_reminders_once(queued_tasks, settings):
    today = timezone.localdate()
    year, quarter = calendar.last_ended_quarter(today)
    # Make today the due day of the last ended quarter, inside the reminder window.
    settings.STATISTICAL_REPORT_DUE_DAYS = (today - calendar.quarter_last_day(year, quarter)).days
    organisation = reporting_organisation()
    staff = staff_of(organisation)

    queued = statistical_reports_remind_task.delay()
    assert not isinstance(queued, EagerResult)  # it went through Redis to the worker
    assert queued.get(timeout=30) == 1
    assert statistical_reports_remind_task.delay().get(timeout=30) == 0

    assert list(Notification.objects.filter(kind="statistical_report.due").values_list("user", flat=True)) == [staff.pk]
    assert StatisticalReportReminder.objects.get().organisation == organisation
