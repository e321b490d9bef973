"""Anomaly flags raised on submission: each fires on a crafted case and stays silent on a clean
one; they are stored with their evidence and recomputed when the report is amended."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from marketplace.models import Contract, EntryKind, MilestonePayment, PaymentEntry, PaymentMethod
from monitoring.models import AnomalyKind, StatisticalReportFlag
from monitoring.reports.selectors import portal_revenue_of
from tests.factories.acceptance import first_milestone, signed_contract, supplier_user
from tests.factories.monitoring_reports import PREVIOUS, QUARTER, YEAR, reporting_organisation, staff_of, submit

pytestmark = pytest.mark.django_db

IN_QUARTER = timezone.make_aware(datetime.datetime(2025, 5, 15, 10, 0))
BEFORE_QUARTER = timezone.make_aware(datetime.datetime(2025, 3, 31, 23, 59))


@pytest.fixture
def organisation():
    return reporting_organisation()


@pytest.fixture
def staff(organisation):
    return staff_of(organisation)


def _kinds(report) -> set[str]:
    return set(report.flags.values_list("kind", flat=True))


def test_a_clean_report_after_a_similar_quarter_raises_no_flag(organisation, staff):
    submit(staff, organisation, year=PREVIOUS[0], quarter=PREVIOUS[1])
    report = submit(staff, organisation, revenue_fen=300_000_000, headcount=90)  # ×3 and ×1.8: normal growth
    assert _kinds(report) == set()


def test_the_first_report_has_no_baseline_and_raises_no_jump(organisation, staff):
    assert _kinds(submit(staff, organisation, revenue_fen=10**12)) == set()


@pytest.mark.parametrize(
    ("field", "kind", "previous", "current", "direction"),
    [
        ("revenue_fen", AnomalyKind.REVENUE_JUMP, 100_000_000, 1_000_000_000, "up"),
        ("revenue_fen", AnomalyKind.REVENUE_JUMP, 100_000_000, 10_000_000, "down"),
        ("revenue_fen", AnomalyKind.REVENUE_JUMP, 100_000_000, 0, "down"),
        ("headcount", AnomalyKind.HEADCOUNT_JUMP, 5, 50, "up"),
        ("headcount", AnomalyKind.HEADCOUNT_JUMP, 50, 5, "down"),
    ],
)
def test_a_tenfold_jump_or_drop_against_the_previous_quarter_is_flagged_with_its_evidence(
    organisation, staff, field, kind, previous, current, direction
):
    submit(staff, organisation, year=PREVIOUS[0], quarter=PREVIOUS[1], **{field: previous})
    report = submit(staff, organisation, **{field: current})

    flag = StatisticalReportFlag.objects.get(report=report)
    assert flag.kind == kind
    assert flag.evidence == {
        "field": field,
        "previous_period": "2025Q1",
        "previous": previous,
        "current": current,
        "factor": 10,
        "direction": direction,
    }


@pytest.mark.parametrize(("field", "previous", "current"), [("revenue_fen", 100, 999), ("headcount", 50, 6)])
def test_just_under_the_factor_is_not_flagged(organisation, staff, field, previous, current):
    submit(staff, organisation, year=PREVIOUS[0], quarter=PREVIOUS[1], **{field: previous})
    assert _kinds(submit(staff, organisation, **{field: current})) == set()


def test_a_volume_jump_is_flagged(organisation, staff):
    submit(staff, organisation, year=PREVIOUS[0], quarter=PREVIOUS[1])
    volumes = {"text": 60_000, "image": 0, "video": 0, "speech": 0, "point_cloud": 0, "multimodal": 0}
    report = submit(staff, organisation, total_items=60_000, volumes=volumes)
    assert _kinds(report) == {AnomalyKind.VOLUME_JUMP}


def test_a_draft_of_the_previous_quarter_is_no_baseline(organisation, staff):
    from monitoring.reports import services
    from tests.factories.monitoring_reports import figures

    services.statistical_report_save_draft(
        actor=staff, organisation=organisation, year=PREVIOUS[0], quarter=PREVIOUS[1], **figures(revenue_fen=1)
    )
    assert _kinds(submit(staff, organisation)) == set()


def test_the_factor_is_a_setting(organisation, staff, settings):
    settings.STATISTICAL_REPORT_JUMP_FACTOR = 3
    submit(staff, organisation, year=PREVIOUS[0], quarter=PREVIOUS[1])
    assert _kinds(submit(staff, organisation, revenue_fen=300_000_000)) == {AnomalyKind.REVENUE_JUMP}


def test_an_amendment_recomputes_the_flags(organisation, staff):
    submit(staff, organisation, year=PREVIOUS[0], quarter=PREVIOUS[1])
    report = submit(staff, organisation, revenue_fen=5_000_000_000)
    assert _kinds(report) == {AnomalyKind.REVENUE_JUMP}
    corrected = submit(staff, organisation, revenue_fen=150_000_000)
    assert _kinds(corrected) == set()


# --- Revenue against the portal's contracts -----------------------------------------------------


@pytest.fixture
def paid_contract():
    """A contract signed in 2025 Q2 worth what the exchange's factory awards, with 800,000.00 yuan
    transferred to the supplier in the quarter and 50,000.00 before it."""
    contract = signed_contract()
    Contract.objects.filter(pk=contract.pk).update(signed_at=IN_QUARTER)
    contract.refresh_from_db()
    payment = MilestonePayment.objects.create(
        milestone=first_milestone(contract),
        contract=contract,
        method=PaymentMethod.TREASURY,
        amount_fen=contract.value_fen,
        created_by=contract.tender.created_by,
    )
    for number, (amount, at) in enumerate([(80_000_000, IN_QUARTER), (5_000_000, BEFORE_QUARTER)]):
        PaymentEntry.objects.create(
            payment=payment,
            kind=EntryKind.TREASURY_TRANSFER,
            amount_fen=amount,
            transfer_date=at.date(),
            voucher_number=f"TR-{number}",
            recorded_at=at,
        )
    return contract


def test_what_the_portal_paid_and_signed_in_the_quarter(paid_contract):
    portal = portal_revenue_of(organisation=paid_contract.supplier, year=YEAR, quarter=QUARTER)
    assert portal.paid_fen == 80_000_000
    assert portal.signed_fen == paid_contract.value_fen
    assert portal.contracts == 1
    refund_at = IN_QUARTER + datetime.timedelta(days=1)
    PaymentEntry.objects.create(
        payment=paid_contract.milestone_payments.get(),
        kind=EntryKind.REFUNDED,
        amount_fen=30_000_000,
        stripe_id="re_1",
        recorded_at=refund_at,
    )
    assert portal_revenue_of(organisation=paid_contract.supplier, year=YEAR, quarter=QUARTER).paid_fen == 50_000_000
    assert portal_revenue_of(organisation=paid_contract.supplier, year=2025, quarter=1).paid_fen == 5_000_000


def test_revenue_below_what_the_portal_paid_is_flagged(paid_contract):
    supplier = paid_contract.supplier
    report = submit(supplier_user(paid_contract), supplier, revenue_fen=79_999_999)

    flag = report.flags.get()
    assert flag.kind == AnomalyKind.REVENUE_BELOW_PORTAL
    assert flag.evidence["portal_paid_fen"] == 80_000_000
    assert flag.evidence["revenue_fen"] == 79_999_999


def test_revenue_at_least_what_the_portal_paid_is_not_flagged(paid_contract):
    report = submit(supplier_user(paid_contract), paid_contract.supplier, revenue_fen=80_000_000)
    assert _kinds(report) == set()


def test_revenue_far_above_the_portals_contracts_is_flagged(paid_contract):
    known = max(80_000_000, paid_contract.value_fen)
    staff = supplier_user(paid_contract)
    assert _kinds(submit(staff, paid_contract.supplier, revenue_fen=100 * known)) == set()
    report = submit(staff, paid_contract.supplier, revenue_fen=100 * known + 1)
    flag = report.flags.get()
    assert flag.kind == AnomalyKind.REVENUE_ABOVE_PORTAL
    assert flag.evidence["factor"] == 100


def test_without_portal_business_revenue_is_not_compared(organisation, staff):
    assert _kinds(submit(staff, organisation, revenue_fen=10**15)) == set()
