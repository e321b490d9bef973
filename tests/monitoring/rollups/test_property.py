"""The property test of issue 9: after any sequence of events run through the real services
(voucher approvals, redemptions by the holder or requested and confirmed, declines,
cancellations, expiry, settlements, statistical reports and their amendments, certificates,
annotation bases' quarterly output and its corrections, organisations verified, sent back to the
operators by a change of name and verified again),
with folds at random points in between, the facts plus pending deltas equal both the rebuild from
the source tables (`rollups_verify()` finds nothing) and a direct aggregation of those tables
written here, independently of the rebuild's code; the quarterly cube equals the sums of the facts
(`rollups_verify()` again) after the events, a fold and a rebuild, and `rollup_totals` answers the
same from the cube and from the facts.

The marketplace events (publication, opening, award, signature, acceptance, payment) cost
seconds each through the services; tests/monitoring/rollups/test_events.py runs each once and
checks `rollups_verify()` after it.

The world is made once per test; each example runs in a savepoint rolled back at its end.
"""

from __future__ import annotations

import datetime
from collections import Counter

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from monitoring.models import Metric, RollupCube, StatisticalReport
from monitoring.reports import services as report_services
from monitoring.rollups.selectors import rollup_totals
from monitoring.rollups.services import rollups_fold, rollups_rebuild, rollups_verify
from portal.errors import DomainError
from registry import services as registry_services
from registry.bases.models import BaseOutput
from registry.bases.services import base_output_report
from registry.models import Organisation
from registry.roles import OrganisationKind
from registry.talent import services as talent_services
from registry.talent.models import Certificate
from registry.taxonomy import Modality
from tests.factories import OrganisationFactory
from tests.factories.bases import AnnotationBaseFactory, system_operator
from tests.factories.monitoring_reports import figures, reporting_organisation, staff_of
from tests.factories.monitoring_rollups import issuer_staff
from tests.factories.talent import PersonFactory
from tests.factories.vouchers import (
    YUAN,
    evidence_file,
    external_order,
    holder_of,
    holder_staff,
    officer_of,
    open_programme,
    provider_of,
    provider_staff,
)
from tests.vouchers.services.helpers import redeem
from vouchers import services as voucher_services
from vouchers.models import ClaimState, Redemption, RedemptionState, SettlementClaim, Voucher, VoucherState

pytestmark = pytest.mark.django_db

EVER = {"start": datetime.date(2000, 1, 1), "end": datetime.date(2100, 1, 1)}


class World:
    def __init__(self) -> None:
        self.programme = open_programme(budget_fen=150_000 * YUAN, holder_cap_fen=50_000 * YUAN, coverage_bp=5_000)
        self.officer = officer_of(self.programme)
        self.provider = provider_staff()
        self.holders = [holder_staff(region_code="440300"), holder_staff(region_code="510100")]
        self.orders = [external_order(user, provider_of(self.provider), 200_000 * YUAN) for user in self.holders]
        self.reporters = [reporting_organisation(region_code=code) for code in ("510100", "330100")]
        self.reporter_staff = [staff_of(organisation) for organisation in self.reporters]
        self.issuer = issuer_staff()
        self.people = [PersonFactory(region_id=code) for code in ("330100", "440300")]
        self.numbers = 0
        self.operator = system_operator()
        self.bases = [AnnotationBaseFactory(city_code=code) for code in ("330100", "510100")]
        # Registered, not verified yet: the operations verify them and send them back.
        self.registrants = [
            OrganisationFactory(region_code="440300", kind=OrganisationKind.VENDOR),
            OrganisationFactory(region_code="510100", kind=OrganisationKind.AGENCY),
        ]


@pytest.fixture
def world():
    world = World()
    rollups_rebuild()  # whatever the factories wrote straight to the tables is counted once
    assert rollups_verify() == []
    return world


def _refused(call) -> bool:
    try:
        call()
    except (DomainError, ValidationError):
        return True
    return False


def _nth(queryset, index: int):
    rows = list(queryset.order_by("pk"))
    return rows[index % len(rows)] if rows else None


def approve(world: World, holder: int, amount: int) -> None:
    user = world.holders[holder]
    try:
        application = voucher_services.application_submit(
            actor=user,
            programme=world.programme,
            applicant=holder_of(user),
            requested_fen=amount,
            purpose="标注服务",
            evidence=evidence_file(),
        )
    except (DomainError, ValidationError):
        return
    if _refused(lambda: voucher_services.application_approve(actor=world.officer, application=application)):
        voucher_services.application_withdraw(actor=user, application=application)


def redeem_op(world: World, index: int, amount: int, by_provider: bool) -> None:
    voucher = _nth(Voucher.objects.all(), index)
    if voucher is None:
        return
    holder = next(i for i, user in enumerate(world.holders) if holder_of(user).pk == voucher.holder_id)
    actor = world.provider if by_provider else world.holders[holder]
    _refused(lambda: redeem(actor, voucher, amount, order=world.orders[holder]))


def _holder_user(world: World, redemption: Redemption):
    return next(user for user in world.holders if holder_of(user).pk == redemption.holder_id)


def confirm(world: World, index: int) -> None:
    redemption = _nth(Redemption.objects.all(), index)
    if redemption is not None:
        _refused(
            lambda: voucher_services.redemption_confirm(actor=_holder_user(world, redemption), redemption=redemption)
        )


def decline(world: World, index: int) -> None:
    redemption = _nth(Redemption.objects.all(), index)
    if redemption is not None:
        _refused(
            lambda: voucher_services.redemption_decline(actor=_holder_user(world, redemption), redemption=redemption)
        )


def cancel(world: World, index: int) -> None:
    voucher = _nth(Voucher.objects.all(), index)
    if voucher is not None:
        _refused(lambda: voucher_services.voucher_cancel(actor=world.officer, voucher=voucher, reason="作废"))


def expire(world: World) -> None:
    voucher_services.vouchers_expire(today=world.programme.valid_until + datetime.timedelta(days=1))


def settle(world: World, index: int) -> None:
    redemption = _nth(Redemption.objects.filter(state=RedemptionState.CONFIRMED), index)
    if redemption is None:
        return
    claim = voucher_services.claim_submit(
        actor=_holder_user(world, redemption), redemption=redemption, evidence=evidence_file()
    )
    voucher_services.claim_approve(actor=world.officer, claim=claim)
    voucher_services.claim_disburse(
        actor=world.officer, claim=claim, transfer_number=f"GK-{claim.pk}", transferred_on=timezone.localdate()
    )


def report(world: World, reporter: int, quarter: int, revenue_fen: int, headcount: int, video: int) -> None:
    volumes = dict.fromkeys(Modality.values, 100) | {Modality.VIDEO: video}
    report_services.statistical_report_submit(
        actor=world.reporter_staff[reporter],
        organisation=world.reporters[reporter],
        year=2025,
        quarter=quarter,
        **figures(revenue_fen=revenue_fen, headcount=headcount, volumes=volumes, total_items=sum(volumes.values())),
    )


def certificate(world: World, person: int, level: int, days: int) -> None:
    world.numbers += 1
    talent_services.certificate_issue(
        actor=world.issuer,
        person=world.people[person],
        occupation="ai_trainer",
        level=level,
        number=f"P-{world.numbers}",
        issued_on=datetime.date(2025, 1, 1) + datetime.timedelta(days=days),
        expires_on=None,
    )


def base_output(world: World, base: int, quarter: int, items: int, revenue_fen: int, headcount: int) -> None:
    base_output_report(
        actor=world.operator,
        base=world.bases[base],
        year=2025,
        quarter=quarter,
        annotated_items=items,
        revenue_fen=revenue_fen,
        headcount=headcount,
    )


def verification(world: World, organisation: int) -> None:
    """An operator verifies the organisation; a verified one is sent back to the operators by a
    change of name instead."""
    registrant = Organisation.objects.get(pk=world.registrants[organisation].pk)
    if not registrant.verified:
        registry_services.organisation_verify(actor=world.operator, organisation=registrant)
        return
    world.numbers += 1
    registry_services.organisation_update_profile(
        actor=world.operator, organisation=registrant, name=f"更名数据有限公司{world.numbers}"
    )


def fold(world: World) -> None:
    rollups_fold()


HANDLERS = {
    "approve": approve,
    "redeem": redeem_op,
    "confirm": confirm,
    "decline": decline,
    "cancel": cancel,
    "expire": expire,
    "settle": settle,
    "report": report,
    "certificate": certificate,
    "base_output": base_output,
    "verification": verification,
    "fold": fold,
}

index = st.integers(0, 9)
operations = st.lists(
    st.one_of(
        st.tuples(st.just("approve"), st.integers(0, 1), st.integers(1, 60).map(lambda k: k * 1_000 * YUAN)),
        st.tuples(st.just("redeem"), index, st.integers(1, 30_000 * YUAN), st.booleans()),
        st.tuples(
            st.just("report"),
            st.integers(0, 1),
            st.integers(1, 2),  # few quarters: amendments are frequent
            st.integers(0, 10**10),
            st.integers(0, 500),
            st.integers(0, 10**6),
        ),
        st.tuples(st.just("certificate"), st.integers(0, 1), st.integers(1, 5), st.integers(0, 400)),
        st.tuples(
            st.just("base_output"),
            st.integers(0, 1),
            st.integers(1, 2),  # few quarters: corrections are frequent
            st.integers(0, 10**9),
            st.integers(0, 10**10),
            st.integers(0, 500),
        ),
        st.tuples(st.just("verification"), st.integers(0, 1)),
        st.tuples(st.just("verification"), st.integers(0, 1)),  # twice as likely: sent back often
        st.tuples(st.just("fold")),
        st.tuples(st.just("confirm"), index),
        st.tuples(st.just("settle"), index),
        st.tuples(st.just("decline"), index),
        st.tuples(st.just("cancel"), index),
        st.tuples(st.just("expire")),
    ),
    min_size=1,
    max_size=14,
)


# The same days as EVER, but not starting on a quarter's first day: `rollup_totals` reads the facts
# instead of the cube.
EVER_FROM_FACTS = {"start": datetime.date(2000, 1, 2), "end": datetime.date(2100, 1, 1)}


def _by(metric: str, *group_by: str, period: dict = EVER) -> dict[tuple, int]:
    return {
        tuple(row[name] for name in group_by): row["value"]
        for row in rollup_totals(metrics=[metric], group_by=group_by, **period)
    }


def _direct() -> dict[str, dict[tuple, int]]:
    """The figures straight from the source tables (Python over the rows, not the rebuild)."""
    issued: Counter[tuple] = Counter()
    redeemed: Counter[tuple] = Counter()
    returned: Counter[tuple] = Counter()
    for voucher in Voucher.objects.select_related("holder"):
        issued[(voucher.holder.region_id,)] += voucher.face_fen
        used = sum(
            r.amount_fen
            for r in voucher.redemptions.all()
            if r.state in (RedemptionState.CONFIRMED, RedemptionState.SETTLED)
        )
        redeemed[(voucher.holder.region_id,)] += used
        if voucher.state in (VoucherState.EXPIRED, VoucherState.CANCELLED):
            returned[(voucher.holder.region_id,)] += voucher.face_fen - used
    settled: Counter[tuple] = Counter()
    for claim in SettlementClaim.objects.filter(state=ClaimState.SETTLED).select_related("redemption__holder"):
        settled[(claim.redemption.holder.region_id,)] += claim.redemption.amount_fen
    revenue: Counter[tuple] = Counter()
    video: Counter[tuple] = Counter()
    for row in StatisticalReport.objects.filter(state="submitted").select_related("organisation"):
        province = row.organisation.region_id[:2]
        revenue[(province, datetime.date(row.year, 3 * row.quarter - 2, 1))] += row.revenue_fen
        video[(province,)] += row.volumes.get(modality=Modality.VIDEO).items
    certificates: Counter[tuple] = Counter()
    for cert in Certificate.objects.select_related("person"):
        certificates[(cert.person.region_id, cert.level)] += 1
    base_items: Counter[tuple] = Counter()
    base_revenue: Counter[tuple] = Counter()
    for output in BaseOutput.objects.select_related("base"):
        base_items[(output.base_id, output.base.city_id)] += output.annotated_items
        base_revenue[(output.base_id, datetime.date(output.year, 3 * output.quarter - 2, 1))] += output.revenue_fen
    verified: Counter[tuple] = Counter()
    vendors: Counter[tuple] = Counter()
    for region, kind in Organisation.objects.filter(status="verified").values_list("region_id", "kind"):
        verified[(region,)] += 1
        vendors[(region,)] += kind == OrganisationKind.VENDOR
    return {
        "issued": dict(issued),
        "redeemed": {k: v for k, v in redeemed.items() if v},
        "returned": {k: v for k, v in returned.items() if v},
        "settled": dict(settled),
        "revenue": {k: v for k, v in revenue.items() if v},
        "video": {k: v for k, v in video.items() if v},
        "certificates": dict(certificates),
        "base_items": {k: v for k, v in base_items.items() if v},
        "base_revenue": {k: v for k, v in base_revenue.items() if v},
        "verified": dict(verified),
        "vendors": {k: v for k, v in vendors.items() if v},
    }


def _rolled_up(period: dict = EVER) -> dict[str, dict[tuple, int]]:
    """The figures `rollup_totals` gives: from the cube over EVER (and the facts for the groupings
    by day), from the facts over EVER_FROM_FACTS."""
    certificates = {}
    for level in range(1, 6):
        for (region,), value in _by(f"certificates_level_{level}", "region", period=period).items():
            certificates[(region, level)] = value
    return {
        "issued": _by(Metric.VOUCHER_ISSUED_FEN, "region", period=period),
        "redeemed": _by(Metric.VOUCHER_REDEEMED_FEN, "region", period=period),
        "returned": _by(Metric.VOUCHER_RETURNED_FEN, "region", period=period),
        "settled": _by(Metric.VOUCHER_SETTLED_FEN, "region", period=period),
        "revenue": _by(Metric.REPORTED_REVENUE_FEN, "province", "quarter", period=period),
        "video": {
            (province,): value
            for (province, modality), value in _by(Metric.REPORTED_ITEMS, "province", "modality", period=period).items()
            if modality == Modality.VIDEO
        },
        "certificates": certificates,
        "base_items": _by(Metric.BASE_OUTPUT_ITEMS, "base", "region", period=period),
        "base_revenue": _by(Metric.BASE_OUTPUT_REVENUE_FEN, "base", "day", period=period),
        "verified": _by(Metric.ORGANISATIONS_VERIFIED, "region", period=period),
        "vendors": _by(Metric.VENDORS_VERIFIED, "region", period=period),
    }


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=operations)
def test_rollups_equal_a_direct_aggregation_after_any_sequence_of_events(world, steps):
    with transaction.atomic():
        for name, *arguments in steps:
            HANDLERS[name](world, *arguments)
        # rollups_verify also compares the cube with the sums of the facts.
        assert rollups_verify() == []
        assert _rolled_up() == _rolled_up(EVER_FROM_FACTS) == _direct()
        rollups_fold()
        assert rollups_verify() == []
        assert _rolled_up() == _rolled_up(EVER_FROM_FACTS) == _direct()
        assert RollupCube.objects.exists()
        rollups_rebuild()
        assert rollups_verify() == []
        assert _rolled_up() == _direct()
        transaction.set_rollback(True)
