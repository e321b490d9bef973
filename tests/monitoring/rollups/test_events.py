"""Each event's hook: run through the real service, the event writes its deltas in its own
transaction, and the facts plus deltas then agree with the rebuild from the source tables."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from marketplace import services as marketplace_services
from monitoring.models import Metric, RollupDelta
from monitoring.rollups.services import rollups_rebuild, rollups_verify
from registry.talent import services as talent_services
from registry.taxonomy import Modality
from tests.factories.acceptance import buyer_user_of, csv_file, deliver, gold_labels, planned_milestone
from tests.factories.evaluation import awarded_tender
from tests.factories.monitoring_reports import reporting_organisation, staff_of, submit
from tests.factories.monitoring_rollups import issuer_staff, pending
from tests.factories.talent import PersonFactory
from tests.factories.vouchers import (
    YUAN,
    evidence_file,
    external_order,
    holder_of,
    provider_of,
    provider_staff,
    redeemable,
)
from tests.vouchers.services.helpers import redeem
from vouchers import services as voucher_services

pytestmark = pytest.mark.django_db

# The factories verify organisations through the registry's service, which counts them.
REGISTRATIONS = (Metric.ORGANISATIONS_VERIFIED, Metric.VENDORS_VERIFIED)


def _event_deltas():
    """The pending deltas but the verifications of the organisations a test sets up."""
    return RollupDelta.objects.exclude(metric__in=REGISTRATIONS)


def test_the_tender_exchange_writes_publication_opening_award_and_signature():
    tender, contracts = awarded_tender()
    region, sector = tender.region_id, tender.sector
    lots = list(tender.lots.all())
    bids = tender.bids.filter(opened_at__isnull=False).count()

    assert pending(Metric.TENDERS_PUBLISHED, region=region, sector=sector, modality="") == 1
    assert pending(Metric.LOTS_PUBLISHED) == len(lots)
    assert pending(Metric.LOT_BUDGET_FEN) == sum(lot.budget_fen for lot in lots)
    assert pending(Metric.LOTS_OPENED, modality=lots[0].modality) >= 1
    assert pending(Metric.BIDS_OPENED) == bids > 1
    assert pending(Metric.SINGLE_BID_LOTS) == 0
    assert pending(Metric.AWARDS) == len(contracts)
    assert pending(Metric.AWARD_VALUE_FEN) == sum(contract.value_fen for contract in contracts)
    assert pending(Metric.AWARD_BUDGET_FEN) == sum(contract.award.lot.budget_fen for contract in contracts)
    assert pending(Metric.CONTRACTS_SIGNED) == 0  # nobody signed yet
    assert rollups_verify() == []

    contract = contracts[0]
    marketplace_services.contract_sign(actor=tender.created_by, contract=contract)
    assert pending(Metric.CONTRACTS_SIGNED) == 0  # one side only
    supplier = contract.supplier.memberships.first().user
    marketplace_services.contract_sign(actor=supplier, contract=contract)

    assert pending(Metric.CONTRACTS_SIGNED, modality=contract.award.lot.modality, region=region) == 1
    assert pending(Metric.CONTRACT_VALUE_FEN) == contract.value_fen
    assert rollups_verify() == []


def test_acceptance_and_treasury_payment_write_their_deltas():
    plan = planned_milestone()
    buyer = buyer_user_of(plan.contract)
    delivery = deliver(plan, csv_file(gold_labels()))
    marketplace_services.delivery_decide(actor=buyer, delivery=delivery, decision="accepted")

    assert pending(Metric.ACCEPTANCES_DECIDED) == 1
    assert pending(Metric.ACCEPTANCES_ACCEPTED) == 1
    assert pending(Metric.ACCEPTANCE_QUALITY_BP) == 10_000  # the gold set itself: no defect

    marketplace_services.treasury_transfer_record(
        actor=buyer,
        contract=plan.contract,
        milestone_id=plan.milestone_id,
        amount_fen=5_000_000,
        transfer_date=timezone.localdate(),
        voucher_number="GK-1",
    )
    assert pending(Metric.PAYMENTS_FEN, region=plan.contract.tender.region_id) == 5_000_000
    assert rollups_verify() == []


def _redeemable():
    """`redeemable()`, whose contract is written straight to the tables (no event): the facts are
    rebuilt once it exists, then the deltas come from the services only."""
    setup = redeemable(amount_fen=50_000 * YUAN)
    deltas = {(row.metric, row.value) for row in _event_deltas()}
    assert deltas == {
        (Metric.VOUCHER_BUDGET_FEN, setup.programme.budget_fen),
        (Metric.VOUCHERS_ISSUED, 1),
        (Metric.VOUCHER_ISSUED_FEN, 50_000 * YUAN),
    }
    rollups_rebuild()
    assert not RollupDelta.objects.exists()
    return setup


def test_the_voucher_flow_writes_budget_issue_redemption_settlement_and_return():
    setup = redeemable(amount_fen=50_000 * YUAN)
    holder_region = holder_of(setup.holder_user).region_id
    programme = setup.programme

    assert pending(Metric.VOUCHER_BUDGET_FEN, programme=programme, region=programme.authority.region_id) == (
        programme.budget_fen
    )
    assert pending(Metric.VOUCHERS_ISSUED, programme=programme, region=holder_region) == 1
    assert pending(Metric.VOUCHER_ISSUED_FEN, programme_key=programme.pk) == 50_000 * YUAN
    rollups_rebuild()  # the contract `redeemable` wrote straight to the tables is counted

    order = external_order(setup.holder_user, provider_of(provider_staff()))
    redemption = redeem(setup.holder_user, setup.voucher, 10_000 * YUAN, order=order).redemption
    assert pending(Metric.VOUCHER_REDEMPTIONS, programme=programme, region=holder_region) == 1
    assert pending(Metric.VOUCHER_REDEEMED_FEN) == 10_000 * YUAN
    assert rollups_verify() == []

    claim = voucher_services.claim_submit(actor=setup.holder_user, redemption=redemption, evidence=evidence_file())
    voucher_services.claim_approve(actor=setup.officer, claim=claim)
    voucher_services.claim_disburse(
        actor=setup.officer, claim=claim, transfer_number="GK-1", transferred_on=timezone.localdate()
    )
    assert pending(Metric.VOUCHER_SETTLEMENTS, programme=programme) == 1
    assert pending(Metric.VOUCHER_SETTLED_FEN, region=holder_region) == 10_000 * YUAN

    voucher_services.voucher_cancel(actor=setup.officer, voucher=setup.voucher, reason="作废")
    assert pending(Metric.VOUCHER_RETURNED_FEN, programme=programme, region=holder_region) == 40_000 * YUAN
    assert rollups_verify() == []


def test_a_redemption_the_holder_confirms_counts_on_confirmation():
    setup = _redeemable()
    order = external_order(setup.holder_user, provider_of(setup.provider_user))
    requested = redeem(setup.provider_user, setup.voucher, 5_000 * YUAN, order=order).redemption
    assert pending(Metric.VOUCHER_REDEMPTIONS) == 0

    voucher_services.redemption_confirm(actor=setup.holder_user, redemption=requested)

    assert pending(Metric.VOUCHER_REDEMPTIONS) == 1
    assert pending(Metric.VOUCHER_REDEEMED_FEN) == 5_000 * YUAN
    assert rollups_verify() == []


def test_a_certificate_counts_by_level_day_and_holder_region():
    person = PersonFactory(region_id="330100")
    talent_services.certificate_issue(
        actor=issuer_staff(),
        person=person,
        occupation="ai_trainer",
        level=2,
        number="T-1",
        issued_on=datetime.date(2024, 5, 6),
        expires_on=None,
    )

    assert _event_deltas().get().metric == Metric.CERTIFICATES_LEVEL_2
    assert pending(Metric.CERTIFICATES_LEVEL_2, day=datetime.date(2024, 5, 6), region="330100") == 1
    assert rollups_verify() == []


def test_a_statistical_report_counts_once_and_an_amendment_adds_the_difference():
    organisation = reporting_organisation(region_code="510100")
    user = staff_of(organisation)
    quarter_day = datetime.date(2025, 4, 1)  # tests.factories.monitoring_reports: 2025 Q2

    submit(user, organisation, revenue_fen=100_000_000, headcount=50)
    assert pending(Metric.REPORTS_SUBMITTED, day=quarter_day, region="510100") == 1
    assert pending(Metric.REPORTED_REVENUE_FEN) == 100_000_000
    assert pending(Metric.REPORTED_ITEMS, modality=Modality.VIDEO) == 1_000

    volumes = dict.fromkeys(Modality.values, 1000) | {Modality.VIDEO: 4_000}
    submit(user, organisation, revenue_fen=70_000_000, headcount=55, volumes=volumes, total_items=9_000)

    assert pending(Metric.REPORTS_SUBMITTED) == 1
    assert pending(Metric.REPORTED_REVENUE_FEN) == 70_000_000
    assert pending(Metric.REPORTED_HEADCOUNT) == 55
    assert pending(Metric.REPORTED_ITEMS, modality=Modality.VIDEO) == 4_000
    assert pending(Metric.REPORTED_ITEMS, modality=Modality.TEXT) == 1_000
    assert rollups_verify() == []


def test_a_draft_report_counts_for_nothing():
    from monitoring.reports import services as report_services
    from tests.factories.monitoring_reports import figures

    organisation = reporting_organisation()
    report_services.statistical_report_save_draft(
        actor=staff_of(organisation), organisation=organisation, year=2025, quarter=2, **figures()
    )

    assert not _event_deltas().exists()
    assert rollups_verify() == []


def test_a_certificate_import_writes_one_delta_per_day_region_and_level(operator, settings, tmp_path):
    from django.core.files.base import ContentFile

    from registry.imports.services import import_job_create, import_job_run
    from tests.factories import OrganisationFactory

    settings.MEDIA_ROOT = tmp_path
    issuer = OrganisationFactory(kind="third_party", verified=True)
    chengdu, hangzhou = PersonFactory(region_id="510100"), PersonFactory(region_id="330100")
    lines = ["person_id,occupation,level,number,issuer_credit_code,issued_on"]
    lines += [f"{chengdu.pk},ai_trainer,3,C{n},{issuer.credit_code},2025-06-01" for n in range(3)]
    lines += [f"{hangzhou.pk},ai_trainer,3,H1,{issuer.credit_code},2025-06-01"]
    lines += [f"{hangzhou.pk},ai_trainer,5,H2,{issuer.credit_code},2025-06-02"]
    upload = ContentFile(("\r\n".join(lines) + "\r\n").encode(), name="certificates.csv")
    job = import_job_create(actor=operator, kind="certificates", upload=upload, dry_run=False, enqueue=False)

    job = import_job_run(job_id=job.pk)

    assert job.written_rows == 5, job.errors
    assert sorted(_event_deltas().values_list("day", "region", "metric", "value")) == [
        (datetime.date(2025, 6, 1), "330100", Metric.CERTIFICATES_LEVEL_3, 1),
        (datetime.date(2025, 6, 1), "510100", Metric.CERTIFICATES_LEVEL_3, 3),
        (datetime.date(2025, 6, 2), "330100", Metric.CERTIFICATES_LEVEL_5, 1),
    ]
    assert rollups_verify() == []


def test_a_refused_event_writes_no_delta():
    from portal.errors import Conflict

    setup = _redeemable()
    voucher_services.voucher_cancel(actor=setup.officer, voucher=setup.voucher, reason="作废")
    before = list(RollupDelta.objects.values_list("metric", "value"))

    with pytest.raises(Conflict):
        voucher_services.voucher_cancel(actor=setup.officer, voucher=setup.voucher, reason="作废")

    assert list(RollupDelta.objects.values_list("metric", "value")) == before
    assert rollups_verify() == []


def test_a_base_output_counts_in_its_quarter_city_and_base_and_a_correction_adds_the_difference(operator):
    from registry.bases.services import base_output_report
    from tests.factories.bases import AnnotationBaseFactory

    base = AnnotationBaseFactory(city_code="330100")
    other = AnnotationBaseFactory(city_code="510100")
    quarter_day = datetime.date(2025, 4, 1)

    def report(on, items, revenue_fen, headcount):
        base_output_report(
            actor=operator, base=on, year=2025, quarter=2, annotated_items=items, revenue_fen=revenue_fen,
            headcount=headcount,
        )  # fmt: skip

    report(base, 1_000_000, 300_000_00, 120)
    report(other, 5, 5, 5)
    where = {"day": quarter_day, "region": "330100", "base": base, "sector": "", "modality": ""}
    assert pending(Metric.BASE_OUTPUT_ITEMS, **where) == 1_000_000
    assert pending(Metric.BASE_OUTPUT_REVENUE_FEN, **where) == 300_000_00
    assert pending(Metric.BASE_HEADCOUNT, **where) == 120
    assert pending(Metric.BASE_HEADCOUNT, base_key=other.pk, region="510100") == 5
    assert rollups_verify() == []

    report(base, 1_200_000, 250_000_00, 120)  # a correction of the same quarter

    assert pending(Metric.BASE_OUTPUT_ITEMS, **where) == 1_200_000
    assert pending(Metric.BASE_OUTPUT_REVENUE_FEN, **where) == 250_000_00
    assert RollupDelta.objects.filter(metric=Metric.BASE_HEADCOUNT, base=base).count() == 1  # unchanged: no row
    assert rollups_verify() == []


def test_verifying_sending_back_and_verifying_again_counts_plus_minus_plus(operator):
    from registry import services as registry_services
    from tests.factories import OrganisationFactory

    vendor = OrganisationFactory(region_code="440300")
    agency = OrganisationFactory(region_code="440300", kind="agency")
    assert not RollupDelta.objects.exists()  # registered, not verified: nothing

    for organisation in (vendor, agency):
        registry_services.organisation_verify(actor=operator, organisation=organisation)
    today = timezone.localdate()
    assert pending(Metric.ORGANISATIONS_VERIFIED, day=today, region="440300") == 2
    assert pending(Metric.VENDORS_VERIFIED, day=today, region="440300") == 1
    assert rollups_verify() == []

    # A change of legal identity (here: the region) sends the vendor back: −1 where it was verified.
    registry_services.organisation_update_profile(actor=operator, organisation=vendor, region_code="510100")
    assert pending(Metric.ORGANISATIONS_VERIFIED, region="440300") == 1
    assert pending(Metric.VENDORS_VERIFIED, region="440300") == 0
    assert RollupDelta.objects.filter(metric=Metric.VENDORS_VERIFIED, value=-1).count() == 1
    assert rollups_verify() == []

    registry_services.organisation_verify(actor=operator, organisation=vendor)
    assert pending(Metric.ORGANISATIONS_VERIFIED) == 2
    assert pending(Metric.VENDORS_VERIFIED, region="510100") == 1
    assert rollups_verify() == []
    rollups_rebuild()
    assert rollups_verify() == []
