"""Filing a statistical report: validation of every bad input (nothing written), who may file,
drafts, submission, amendment and the audit rows."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from monitoring.models import ReportState, StatisticalReport, StatisticalReportVolume
from monitoring.reports import services
from portal.audit.models import AuditEntry
from portal.errors import Conflict, PermissionDenied
from registry.roles import OrganisationKind, Role
from registry.taxonomy import Modality
from tests.factories.monitoring_reports import (
    QUARTER,
    YEAR,
    figures,
    regulator,
    reporting_organisation,
    staff_of,
    submit,
)
from tests.factories.registry import MembershipFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def organisation():
    return reporting_organisation()


@pytest.fixture
def staff(organisation):
    return staff_of(organisation)


def _report_audits() -> int:
    return AuditEntry.objects.filter(object_type="monitoring.statisticalreport").count()


def test_a_valid_submission_stores_the_figures_every_modality_and_an_audit_row(organisation, staff):
    report = submit(staff, organisation)

    report.refresh_from_db()
    assert report.state == ReportState.SUBMITTED
    assert (report.revenue_fen, report.headcount, report.total_items, report.public_data_share_bp) == (
        100_000_000,
        50,
        6_000,
        2_500,
    )
    assert report.version == 1
    assert report.submitted_by == staff
    assert report.first_submitted_at == report.submitted_at
    volumes = dict(report.volumes.values_list("modality", "items"))
    assert volumes == dict.fromkeys(Modality.values, 1000)
    entry = AuditEntry.objects.get(object_type="monitoring.statisticalreport", object_id=str(report.pk))
    assert entry.action == "statistical_report.submit"
    assert entry.actor_id == staff.pk
    assert entry.before == {}
    assert entry.after["state"] == "submitted"
    assert entry.after["volumes"]["image"] == 1_000


BAD_INPUTS = [
    ({"revenue_fen": None}, "revenue_fen"),
    ({"revenue_fen": -1}, "revenue_fen"),
    ({"revenue_fen": "100"}, "revenue_fen"),
    ({"revenue_fen": 1.5}, "revenue_fen"),
    ({"revenue_fen": True}, "revenue_fen"),
    ({"revenue_fen": 2**63}, "revenue_fen"),
    ({"headcount": None}, "headcount"),
    ({"headcount": -3}, "headcount"),
    ({"headcount": 200_001}, "headcount"),
    ({"total_items": None}, "total_items"),
    ({"total_items": -1}, "total_items"),
    ({"total_items": 6_001}, "total_items"),  # the sum check: the modalities sum to 6,000
    ({"public_data_share_bp": None}, "public_data_share_bp"),
    ({"public_data_share_bp": -1}, "public_data_share_bp"),
    ({"public_data_share_bp": 10_001}, "public_data_share_bp"),
    (
        {"total_items": 0, "volumes": dict.fromkeys(Modality.values, 0), "public_data_share_bp": 100},
        "public_data_share_bp",
    ),
    ({"volumes": None}, "volumes.text"),
    ({"volumes": {**dict.fromkeys(Modality.values, 1_000), "smell": 1}}, "volumes"),
    ({"volumes": {m: 1_000 for m in Modality.values if m != "video"}}, "volumes.video"),
    ({"volumes": {**dict.fromkeys(Modality.values, 1_000), "image": -1}}, "volumes.image"),
    ({"volumes": {**dict.fromkeys(Modality.values, 1_000), "speech": "many"}}, "volumes.speech"),
]


@pytest.mark.parametrize(("overrides", "field"), BAD_INPUTS)
def test_bad_figures_are_refused_on_their_field_and_nothing_is_written(organisation, staff, overrides, field):
    audits = _report_audits()
    with pytest.raises(ValidationError) as refused:
        submit(staff, organisation, **overrides)

    assert field in refused.value.message_dict
    assert StatisticalReport.objects.count() == 0
    assert StatisticalReportVolume.objects.count() == 0
    assert _report_audits() == audits


def test_every_wrong_field_is_named_at_once(organisation, staff):
    with pytest.raises(ValidationError) as refused:
        submit(staff, organisation, revenue_fen=-1, headcount=None, public_data_share_bp=20_000)
    assert {"revenue_fen", "headcount", "public_data_share_bp"} <= set(refused.value.message_dict)


@pytest.mark.parametrize(
    ("year", "quarter", "field"),
    [(YEAR, 0, "quarter"), (YEAR, 5, "quarter"), (1999, 1, "year"), ("2025", 1, "year"), (YEAR, None, "quarter")],
)
def test_a_period_that_does_not_exist_is_refused(organisation, staff, year, quarter, field):
    with pytest.raises(ValidationError) as refused:
        submit(staff, organisation, year=year, quarter=quarter)
    assert field in refused.value.message_dict
    assert not StatisticalReport.objects.exists()


def test_the_current_and_future_quarters_cannot_be_reported(organisation, staff):
    now = timezone.make_aware(datetime.datetime(2025, 6, 30, 23, 59, 59))
    for year, quarter in [(2025, 2), (2025, 3), (2026, 1)]:
        with pytest.raises(ValidationError) as refused:
            submit(staff, organisation, year=year, quarter=quarter, now=now)
        assert "has not ended" in refused.value.message_dict["quarter"][0]
    assert not StatisticalReport.objects.exists()
    # One second later the quarter has ended (Beijing time) and may be reported.
    report = submit(staff, organisation, year=2025, quarter=2, now=now + datetime.timedelta(seconds=1))
    assert report.state == ReportState.SUBMITTED


@pytest.mark.parametrize("who", ["other_vendor", "operator", "regulator", "agency", "expert", "third_party_staff"])
def test_only_staff_of_the_reporting_organisation_may_file(organisation, who):
    if who == "other_vendor":
        actor = staff_of(reporting_organisation())
    elif who == "operator":
        actor = UserFactory(is_staff=True)
    elif who == "regulator":
        actor = regulator("510000")
    elif who == "agency":
        agency = OrganisationFactory(kind=OrganisationKind.AGENCY, region_code="510000", verified=True)
        actor = MembershipFactory(organisation=agency, role=Role.AGENCY_STAFF).user
    elif who == "expert":
        actor = MembershipFactory(organisation=organisation, role=Role.EXPERT).user
    else:  # staff of a third-party institution file nothing, even for themselves
        institution = reporting_organisation(kind=OrganisationKind.THIRD_PARTY)
        actor = staff_of(institution)
        organisation = institution
    with pytest.raises(PermissionDenied):
        submit(actor, organisation)
    assert not StatisticalReport.objects.exists()


def test_a_base_operators_staff_may_file_for_it():
    operator_org = reporting_organisation(kind=OrganisationKind.BASE_OPERATOR)
    report = submit(staff_of(operator_org), operator_org)
    assert report.organisation == operator_org


def test_a_draft_is_saved_without_flags_and_submitted_later(organisation, staff):
    draft = services.statistical_report_save_draft(
        actor=staff, organisation=organisation, year=YEAR, quarter=QUARTER, **figures(revenue_fen=5)
    )
    assert draft.state == ReportState.DRAFT
    assert draft.version == 0
    assert draft.first_submitted_at is None
    assert AuditEntry.objects.get(object_id=str(draft.pk), object_type="monitoring.statisticalreport").action == (
        "statistical_report.save_draft"
    )

    report = submit(staff, organisation)
    assert report.pk == draft.pk
    assert report.state == ReportState.SUBMITTED
    assert report.revenue_fen == 100_000_000
    assert report.version == 1


def test_a_resubmission_amends_the_report_as_a_new_version_keeping_the_first_submission_time(organisation, staff):
    first_at = timezone.make_aware(datetime.datetime(2025, 7, 10, 9, 0))
    later = timezone.make_aware(datetime.datetime(2025, 8, 1, 9, 0))
    report = submit(staff, organisation, now=first_at)
    colleague = staff_of(organisation)

    amended = submit(colleague, organisation, now=later, revenue_fen=120_000_000)

    assert amended.pk == report.pk
    assert amended.version == 2
    assert amended.revenue_fen == 120_000_000
    assert amended.first_submitted_at == first_at
    assert amended.submitted_at == later
    assert amended.submitted_by == colleague
    assert StatisticalReport.objects.count() == 1
    entry = AuditEntry.objects.filter(object_id=str(report.pk), object_type="monitoring.statisticalreport").latest(
        "seq"
    )
    assert entry.action == "statistical_report.amend"
    assert entry.before["revenue_fen"] == 100_000_000
    assert entry.after["revenue_fen"] == 120_000_000
    assert entry.after["version"] == 2


def test_a_submitted_report_cannot_go_back_to_draft(organisation, staff):
    report = submit(staff, organisation)
    with pytest.raises(Conflict):
        services.statistical_report_save_draft(
            actor=staff, organisation=organisation, year=YEAR, quarter=QUARTER, **figures(revenue_fen=1)
        )
    report.refresh_from_db()
    assert report.state == ReportState.SUBMITTED
    assert report.revenue_fen == 100_000_000
