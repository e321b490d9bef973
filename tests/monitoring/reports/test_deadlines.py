"""Due days, deadlines and lateness at their boundaries (Beijing time), and the regulators' list
built on them."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from monitoring.reports import calendar
from monitoring.reports.selectors import Problem, statistical_report_oversight
from portal.errors import PermissionDenied
from registry.models import Organisation
from tests.factories.monitoring_reports import QUARTER, YEAR, regulator, reporting_organisation, staff_of, submit
from tests.factories.registry import UserFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")
DEADLINE = datetime.datetime(2025, 7, 16, 0, 0, tzinfo=SHANGHAI)  # the end of the due day, 15 July
SECOND = datetime.timedelta(seconds=1)


@pytest.mark.parametrize(
    ("year", "quarter", "due"),
    [
        (2025, 1, datetime.date(2025, 4, 15)),
        (2025, 2, datetime.date(2025, 7, 15)),
        (2025, 3, datetime.date(2025, 10, 15)),
        (2025, 4, datetime.date(2026, 1, 15)),
    ],
)
def test_a_report_is_due_fifteen_days_after_its_quarter(year, quarter, due):
    assert calendar.due_on(year, quarter) == due


def test_the_due_days_are_a_setting(settings):
    settings.STATISTICAL_REPORT_DUE_DAYS = 30
    assert calendar.due_on(2025, 2) == datetime.date(2025, 7, 30)


def test_the_deadline_is_midnight_after_the_due_day_in_beijing():
    assert calendar.deadline(YEAR, QUARTER) == DEADLINE
    assert calendar.deadline(YEAR, QUARTER) == datetime.datetime(2025, 7, 15, 16, 0, tzinfo=datetime.UTC)


def test_quarters_are_bounded_in_beijing_time():
    start, end = calendar.quarter_bounds(2025, 4)
    assert start == datetime.datetime(2025, 10, 1, tzinfo=SHANGHAI)
    assert end == datetime.datetime(2026, 1, 1, tzinfo=SHANGHAI)
    assert calendar.last_ended_quarter(datetime.date(2026, 1, 1)) == (2025, 4)
    assert calendar.last_ended_quarter(datetime.date(2025, 12, 31)) == (2025, 3)


@pytest.mark.parametrize(
    ("first_submitted_at", "now", "late"),
    [
        (DEADLINE - SECOND, DEADLINE + datetime.timedelta(days=30), False),
        (DEADLINE, DEADLINE, True),
        (DEADLINE + SECOND, DEADLINE + SECOND, True),
        (None, DEADLINE - SECOND, False),
        (None, DEADLINE, True),
    ],
)
def test_lateness_at_the_boundary(first_submitted_at, now, late):
    assert calendar.is_late(year=YEAR, quarter=QUARTER, first_submitted_at=first_submitted_at, now=now) is late


# --- The regulators' list -----------------------------------------------------------------------


@pytest.fixture
def sichuan(db):
    """Four Chengdu vendors: on time, late, missing, and on time but flagged."""
    on_time, late, missing, flagged = (reporting_organisation(region_code="510100") for _ in range(4))
    submit(staff_of(on_time), on_time, now=DEADLINE - SECOND)
    submit(staff_of(late), late, now=DEADLINE)
    flagged_staff = staff_of(flagged)
    submit(flagged_staff, flagged, year=2025, quarter=1, now=DEADLINE - datetime.timedelta(days=90))
    submit(flagged_staff, flagged, now=DEADLINE - SECOND, revenue_fen=10**12)
    return {"on_time": on_time, "late": late, "missing": missing, "flagged": flagged}


def _names(rows) -> set[str]:
    return {row.name for row in rows}


def test_the_regulator_sees_late_missing_and_flagged_organisations_after_the_deadline(sichuan):
    rows = statistical_report_oversight(
        user=regulator("510000"), year=YEAR, quarter=QUARTER, now=DEADLINE + datetime.timedelta(days=1)
    )
    by_name = {row.name: row for row in rows}
    assert set(by_name) == {sichuan[k].name for k in ("late", "missing", "flagged")}
    assert by_name[sichuan["late"].name].late is True
    assert by_name[sichuan["missing"].name].late is True
    assert by_name[sichuan["missing"].name].report_id is None
    assert by_name[sichuan["flagged"].name].late is False
    assert by_name[sichuan["flagged"].name].flagged is True


def test_before_the_deadline_a_missing_report_is_not_late(sichuan):
    user = regulator("510000")
    rows = statistical_report_oversight(user=user, year=YEAR, quarter=QUARTER, now=DEADLINE - SECOND)
    assert _names(rows) == {sichuan["flagged"].name, sichuan["late"].name}  # "late" was filed at DEADLINE
    everyone = statistical_report_oversight(
        user=user, year=YEAR, quarter=QUARTER, now=DEADLINE - SECOND, problem=Problem.ALL
    )
    assert len(everyone) == 4


@pytest.mark.parametrize(("problem", "expected"), [(Problem.LATE, {"late", "missing"}), (Problem.FLAGGED, {"flagged"})])
def test_the_problem_filter(sichuan, problem, expected):
    rows = statistical_report_oversight(
        user=regulator("510000"), year=YEAR, quarter=QUARTER, now=DEADLINE + SECOND, problem=problem
    )
    assert _names(rows) == {sichuan[key].name for key in expected}


def test_organisations_registered_after_the_quarter_or_unverified_are_not_expected(sichuan):
    newcomer = reporting_organisation(region_code="510100")
    Organisation.objects.filter(pk=newcomer.pk).update(created_at=timezone.make_aware(datetime.datetime(2025, 7, 1)))
    unverified = reporting_organisation(region_code="510100", verified=False)
    rows = statistical_report_oversight(
        user=regulator("510000"), year=YEAR, quarter=QUARTER, now=DEADLINE + SECOND, problem=Problem.ALL
    )
    assert newcomer.name not in _names(rows)
    assert unverified.name not in _names(rows)


def test_a_regulator_of_another_province_sees_none_of_them_and_a_national_one_all(sichuan):
    guangdong = reporting_organisation(region_code="440300")
    now = DEADLINE + SECOND
    other = statistical_report_oversight(user=regulator("440000"), year=YEAR, quarter=QUARTER, now=now)
    assert _names(other) == {guangdong.name}
    national = statistical_report_oversight(user=regulator(None), year=YEAR, quarter=QUARTER, now=now)
    assert len(national) == 4
    operator = statistical_report_oversight(user=UserFactory(is_staff=True), year=YEAR, quarter=QUARTER, now=now)
    assert len(operator) == 4


def test_a_region_filter_never_widens_the_scope(sichuan):
    rows = statistical_report_oversight(
        user=regulator("440000"),
        year=YEAR,
        quarter=QUARTER,
        now=DEADLINE + SECOND,
        region=sichuan["late"].region,
        problem=Problem.ALL,
    )
    assert list(rows) == []


def test_someone_who_regulates_nothing_is_refused(sichuan):
    with pytest.raises(PermissionDenied):
        statistical_report_oversight(user=staff_of(sichuan["late"]), year=YEAR, quarter=QUARTER, now=DEADLINE)
