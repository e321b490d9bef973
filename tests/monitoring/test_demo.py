"""The demo's monitoring data: what each sign-in finds (monitoring/demo.py)."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from monitoring.models import ReportState, StatisticalReport
from monitoring.redflags.models import Alert
from monitoring.reports import calendar
from monitoring.reports.selectors import Problem, statistical_report_oversight
from portal.accounts.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(settings):
    settings.DEMO_DATA_ALLOWED = True
    call_command("seed_demo")


def _reports_of(username):
    return StatisticalReport.objects.filter(
        organisation__memberships__user__username=username, state=ReportState.SUBMITTED
    ).order_by("year", "quarter")


def test_the_demo_vendors_have_filed_their_quarters_and_one_report_is_flagged(demo, settings):
    mine, theirs = list(_reports_of("vendor")), list(_reports_of("vendor2"))

    last = calendar.previous_quarter(*calendar.quarter_of(timezone.localdate()))
    assert (mine[0].year, mine[0].quarter) == (settings.MONITORING_BASE_YEAR, 1)
    assert (mine[-1].year, mine[-1].quarter) == last  # every quarter since the base year …
    assert len(mine) >= 4
    assert len(theirs) == len(mine) - 1  # … but vendor2's last
    assert [report.flags.count() for report in mine] == [0] * (len(mine) - 1) + [1]
    assert not any(report.flags.exists() for report in theirs)
    revenues = [report.revenue_fen for report in mine]
    assert revenues == sorted(revenues)  # growing


def test_the_regulators_see_the_flagged_and_the_missing_reports_of_their_scope(demo):
    year, quarter = calendar.previous_quarter(*calendar.quarter_of(timezone.localdate()))  # the demo's last
    now = calendar.deadline(year, quarter) + timedelta(days=1)  # once it is due

    sichuan = statistical_report_oversight(
        user=User.objects.get(username="regulator"), year=year, quarter=quarter, now=now
    )
    nationwide = statistical_report_oversight(
        user=User.objects.get(username="operator"), year=year, quarter=quarter, now=now, problem=Problem.LATE
    )

    assert [organisation.name for organisation in sichuan] == ["成都星标智能科技有限公司"]
    assert sichuan[0].flagged
    assert "合肥慧眼数据标注有限公司" in [organisation.name for organisation in nationwide]


def test_seeding_again_files_nothing_more_and_the_red_flags_were_computed(demo, settings):
    reports = StatisticalReport.objects.count()
    alerts = Alert.objects.count()

    call_command("seed_demo")

    assert StatisticalReport.objects.count() == reports
    assert Alert.objects.count() == alerts > 0
