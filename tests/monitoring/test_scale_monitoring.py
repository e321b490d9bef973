"""The statistical-report part of the benchmark scale data set, built small: one report per
organisation and quarter, none before the organisation registered, volumes summing to totals,
filed by the organisation's staff, and every report's flags exactly what the submission service
computes of its figures."""

from __future__ import annotations

import datetime
from collections import Counter

import pytest
from django.db.models import Count, F, Sum
from django.utils import timezone

from bench import scale_monitoring, scale_registry
from marketplace.models import Contract, EntryKind, MilestonePayment, PaymentEntry, PaymentMethod
from monitoring.models import (
    AnomalyKind,
    ReportState,
    StatisticalReport,
    StatisticalReportFlag,
    StatisticalReportVolume,
)
from monitoring.reports import calendar
from monitoring.reports.selectors import REPORTING_KINDS, files_for
from monitoring.reports.services import statistical_report_anomalies
from registry.models import Organisation, VerificationStatus
from registry.taxonomy import Modality
from tests.factories.acceptance import first_milestone, signed_contract

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

ORGANISATIONS = 150  # the first 50 are the certificate issuers (third-party institutions)
PAID_QUARTER = (2025, 2)
PAID_AT = timezone.make_aware(datetime.datetime(2025, 5, 15, 10, 0))
REGISTERED_AT = timezone.make_aware(datetime.datetime(2024, 1, 1))


def _quiet(*_args: object) -> None:
    pass


@pytest.fixture
def supplier(settings, tmp_path):
    """A vendor the exchange paid 800,000.00 yuan in 2025 Q2 on a contract signed then; registered
    in 2024 (a real registration date, which the generator keeps)."""
    settings.MEDIA_ROOT = tmp_path / "media"  # the tender's documents
    contract = signed_contract()
    Contract.objects.filter(pk=contract.pk).update(signed_at=PAID_AT)
    payment = MilestonePayment.objects.create(
        milestone=first_milestone(contract),
        contract=contract,
        method=PaymentMethod.TREASURY,
        amount_fen=contract.value_fen,
        created_by=contract.tender.created_by,
    )
    PaymentEntry.objects.create(
        payment=payment,
        kind=EntryKind.TREASURY_TRANSFER,
        amount_fen=80_000_000,
        transfer_date=PAID_AT.date(),
        voucher_number="TR-1",
        recorded_at=PAID_AT,
    )
    Organisation.objects.filter(pk=contract.supplier_id).update(created_at=REGISTERED_AT)
    return Organisation.objects.get(pk=contract.supplier_id)


@pytest.fixture
def build(supplier):
    def run() -> None:
        scale_registry.generate(organisations=ORGANISATIONS, people=10, log=_quiet)
        scale_monitoring.generate(log=_quiet)

    return run


def _periods() -> list[tuple[int, int]]:
    return scale_monitoring.periods(timezone.localdate())


def test_the_quarters_reported_are_the_twenty_up_to_the_last_one_due():
    assert scale_monitoring.last_reported_quarter(datetime.date(2026, 11, 28)) == (2026, 3)
    assert scale_monitoring.last_reported_quarter(datetime.date(2026, 10, 16)) == (2026, 3)
    assert scale_monitoring.last_reported_quarter(datetime.date(2026, 10, 15)) == (2026, 2)  # due today
    periods = scale_monitoring.periods(datetime.date(2026, 11, 28))
    assert len(periods) == 20
    assert periods[0] == (2021, 4)
    assert periods[-1] == (2026, 3)


def test_one_report_per_organisation_and_quarter_and_none_before_it_registered(build, supplier):
    build()
    periods = _periods()
    reporting = Organisation.objects.filter(kind__in=REPORTING_KINDS, status=VerificationStatus.VERIFIED)
    reports = StatisticalReport.objects.select_related("organisation")

    assert reports.count() > ORGANISATIONS * 5
    assert scale_monitoring.present()
    assert set(reports.values_list("organisation_id", flat=True)) <= set(reporting.values_list("pk", flat=True))
    duplicates = reports.values("organisation", "year", "quarter").annotate(n=Count("pk")).filter(n__gt=1)
    assert not duplicates.exists()
    for report in reports:
        assert (report.year, report.quarter) in periods
        assert report.organisation.created_at < calendar.quarter_bounds(report.year, report.quarter)[1]
    # Organisations are registered at various times: some before the first quarter, some later.
    first_end = calendar.quarter_bounds(*periods[0])[1]
    registered = list(reporting.values_list("created_at", flat=True))
    assert any(at < first_end for at in registered)
    assert any(at >= first_end for at in registered)
    # The supplier's own registration (2024) was kept.
    supplier.refresh_from_db()
    assert supplier.created_at == REGISTERED_AT
    assert not reports.filter(organisation=supplier, year__lt=2024).exists()
    assert reports.filter(organisation=supplier, year=2024, quarter=1).exists() or (2024, 1) not in periods


def test_volumes_cover_every_modality_and_sum_to_the_total(build):
    build()
    reports = StatisticalReport.objects.annotate(modalities=Count("volumes"), volume_sum=Sum("volumes__items"))

    assert not reports.exclude(modalities=len(Modality.values)).exists()
    assert not reports.exclude(volume_sum=F("total_items")).exists()
    assert StatisticalReportVolume.objects.filter(items__gt=0).exists()
    assert not reports.filter(total_items=0, public_data_share_bp__gt=0).exists()
    assert not reports.filter(public_data_share_bp__gt=10_000).exists()


def test_reports_are_submitted_by_the_organisations_staff_mostly_on_time(build):
    build()
    periods = _periods()
    reports = list(StatisticalReport.objects.select_related("organisation", "submitted_by", "updated_by"))
    submitted = [r for r in reports if r.state == ReportState.SUBMITTED]
    drafts = [r for r in reports if r.state == ReportState.DRAFT]

    assert all((r.year, r.quarter) == periods[-1] for r in drafts)
    for report in drafts:
        assert report.version == 0
        assert report.first_submitted_at is None
        assert report.submitted_by is None
    now = timezone.now()
    for report in submitted:
        assert report.version in (1, 2)
        assert calendar.quarter_bounds(report.year, report.quarter)[1] <= report.first_submitted_at
        assert report.first_submitted_at <= report.submitted_at < now
        assert calendar.quarter_bounds(report.year, report.quarter)[1] <= report.created_at <= report.first_submitted_at
        assert (report.version == 2) == (report.submitted_at > report.first_submitted_at)
    pairs = {(r.organisation, r.updated_by) for r in reports} | {(r.organisation, r.submitted_by) for r in submitted}
    assert all(files_for(user, organisation) for organisation, user in pairs)
    late = [
        r
        for r in submitted
        if calendar.is_late(year=r.year, quarter=r.quarter, first_submitted_at=r.first_submitted_at, now=now)
    ]
    assert 0 < len(late) < len(submitted) * 0.1


def test_growth_is_mostly_smooth_and_anomalies_are_few(build):
    build()
    flagged = StatisticalReportFlag.objects.values("report").distinct().count()
    submitted = StatisticalReport.objects.filter(state=ReportState.SUBMITTED).count()

    assert flagged < submitted * 0.05
    # The industry grows: the last full year's revenue is well above the first's.
    periods = _periods()
    first_year = [p for p in periods if p[0] == periods[0][0] + 1]  # the first full year
    last_year = periods[-4:]

    def revenue(quarters):
        total = 0
        for year, quarter in quarters:
            total += (
                StatisticalReport.objects.filter(year=year, quarter=quarter).aggregate(s=Sum("revenue_fen"))["s"] or 0
            )
        return total

    assert revenue(last_year) > revenue(first_year) * 1.3


def test_every_reports_flags_are_what_the_service_computes(build, monkeypatch, supplier):
    monkeypatch.setattr(scale_monitoring, "ENTRY_ERROR", 0.15)
    monkeypatch.setattr(scale_monitoring, "BELOW_PORTAL", 0.5)
    build()
    reports = StatisticalReport.objects.filter(state=ReportState.SUBMITTED).select_related("organisation")

    kinds: Counter[str] = Counter()
    for report in reports.prefetch_related("flags"):
        expected = statistical_report_anomalies(
            organisation=report.organisation,
            year=report.year,
            quarter=report.quarter,
            figures={
                "revenue_fen": report.revenue_fen,
                "headcount": report.headcount,
                "total_items": report.total_items,
            },
        )
        stored = {flag.kind: flag.evidence for flag in report.flags.all()}
        assert stored == expected, report
        assert all(flag.raised_at == report.submitted_at for flag in report.flags.all())
        kinds.update(list(stored))
    assert kinds[AnomalyKind.REVENUE_JUMP] > 0
    assert kinds[AnomalyKind.VOLUME_JUMP] + kinds[AnomalyKind.HEADCOUNT_JUMP] > 0
    # The supplier's paid quarter: either revenue at least what the exchange paid, or the flag.
    paid = reports.filter(organisation=supplier, year=PAID_QUARTER[0], quarter=PAID_QUARTER[1]).first()
    if paid is not None:  # (unless it is one of the few quarters never reported)
        below = paid.flags.filter(kind=AnomalyKind.REVENUE_BELOW_PORTAL).exists()
        assert below == (paid.revenue_fen < 80_000_000)
    assert not StatisticalReportFlag.objects.filter(report__state=ReportState.DRAFT).exists()


def test_building_twice_is_refused_and_the_bench_skips_a_present_part(build):
    build()
    count = StatisticalReport.objects.count()

    assert scale_monitoring.present()
    with pytest.raises(RuntimeError, match="already"):
        scale_monitoring.generate(log=_quiet)
    assert StatisticalReport.objects.count() == count


def test_a_small_run_limits_the_organisations(supplier):
    scale_registry.generate(organisations=ORGANISATIONS, people=10, log=_quiet)
    scale_monitoring.generate(organisations=5, quarters=8, log=_quiet)

    assert StatisticalReport.objects.values("organisation").distinct().count() <= 5
    assert {(r.year, r.quarter) for r in StatisticalReport.objects.all()} <= set(
        scale_monitoring.periods(timezone.localdate(), 8)
    )


def test_verified_organisations_are_verified_when_they_registered_and_the_bench_builds_the_rollups(build, capsys):
    from bench.__main__ import build_rollups
    from monitoring.models import Metric, RollupFact
    from monitoring.rollups.selectors import rollup_totals
    from monitoring.rollups.services import rollups_verify
    from registry.models import VerificationPeriod

    build()
    assert not RollupFact.objects.exists()  # the generators wrote straight to the tables

    generated = Organisation.objects.filter(credit_code__regex=r"^.{8}MB")  # bench.scale_registry's codes
    reporting = generated.filter(kind__in=REPORTING_KINDS, status=VerificationStatus.VERIFIED)
    assert reporting.count() > 10
    for organisation in reporting:
        period = organisation.verification_periods.get()
        assert organisation.verified_at == organisation.status_changed_at == period.verified_at
        assert organisation.verified_at == organisation.created_at  # moved back to its registration
    assert not generated.filter(status=VerificationStatus.SUBMITTED, verified_at__isnull=False).exists()
    assert not generated.filter(status=VerificationStatus.SUBMITTED, verification_periods__isnull=False).exists()

    build_rollups()

    assert "facts rebuilt" in capsys.readouterr().out
    assert rollups_verify() == []
    ever = {"start": datetime.date(2000, 1, 1), "end": datetime.date(2100, 1, 1)}
    total = rollup_totals(metrics=[Metric.ORGANISATIONS_VERIFIED], **ever)
    open_periods = VerificationPeriod.objects.filter(ended_at=None).count()
    assert total == [{"metric": Metric.ORGANISATIONS_VERIFIED, "value": open_periods}]
    facts = RollupFact.objects.count()
    build_rollups()  # facts present: left as they are
    assert "facts rebuilt" not in capsys.readouterr().out
    assert RollupFact.objects.count() == facts
