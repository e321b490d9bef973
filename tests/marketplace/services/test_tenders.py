"""Drafting, publishing, amending, cancelling and re-tendering, through the services."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from marketplace import services
from marketplace.models import Bid, BidState, Release, Tender, TenderDocument
from marketplace.procedures import EvaluationMethod, Procedure
from marketplace.states import TenderState
from portal.audit.models import AuditEntry
from portal.errors import Conflict, PermissionDenied
from registry.roles import OrganisationKind, Role
from tests.factories import MembershipFactory, OrganisationFactory
from tests.factories.marketplace import (
    CatalogueEntryFactory,
    TenderFactory,
    agency_staff,
    bid_on,
    buyer_of,
    document_upload,
    opened_tender,
    past_deadline,
    tender_spec,
    vendor_staff,
)

pytestmark = pytest.mark.django_db


def _errors(excinfo) -> dict:
    return excinfo.value.message_dict


def test_a_draft_gets_a_reference_its_lots_and_milestones_and_stays_private():
    actor = agency_staff()
    tender = services.tender_create(actor=actor, buyer=buyer_of(actor), spec=tender_spec())

    assert tender.state == TenderState.DRAFT
    assert tender.reference == f"BZ{tender.created_at:%Y}{tender.pk:08d}"
    assert tender.budget_fen == 50_000_000
    assert [m.share_bp for m in tender.milestones.all()] == [3_000, 7_000]
    assert tender.region == buyer_of(actor).region
    assert actor.has_perm("marketplace.change_tender", tender)
    assert not Release.objects.filter(tender=tender).exists()
    assert AuditEntry.objects.filter(action="tender.create", object_id=str(tender.pk)).count() == 1


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"price_weight_bp": 3_000, "technical_weight_bp": 3_000, "business_weight_bp": 1_000}, "price_weight_bp"),
        ({"price_weight_bp": 500, "technical_weight_bp": 9_000, "business_weight_bp": 500}, "price_weight_bp"),
        ({"evaluation_method": EvaluationMethod.LOWEST_PRICE}, "evaluation_method"),
        ({"procedure": Procedure.REQUEST_FOR_QUOTATION}, "procedure"),
        ({"procedure": "auction"}, "procedure"),
        ({"milestones": [services.MilestoneSpec(title="全部", share_bp=9_999)]}, "milestones"),
        ({"milestones": []}, "milestones"),
        ({"lots": []}, "lots"),
        ({"lots": [services.LotSpec(title="x", modality="text", volume=1, budget_fen=0)]}, "lots"),
        ({"deadline": timezone.now() - timedelta(minutes=1)}, "deadline"),
        ({"region_code": "999999"}, "region"),
    ],
)
def test_an_invalid_draft_is_refused_with_the_field_and_nothing_is_stored(overrides, field):
    actor = agency_staff()
    with pytest.raises(ValidationError) as excinfo:
        services.tender_create(actor=actor, buyer=buyer_of(actor), spec=tender_spec(**overrides))
    assert field in _errors(excinfo)
    assert not Tender.objects.exists()


def test_a_catalogue_entry_of_another_agency_cannot_start_a_tender():
    entry = CatalogueEntryFactory()
    actor = agency_staff()
    with pytest.raises(ValidationError) as excinfo:
        services.tender_create(actor=actor, buyer=buyer_of(actor), spec=tender_spec(catalogue_entry_id=entry.pk))
    assert "catalogue_entry" in _errors(excinfo)


def test_only_the_buyers_own_verified_staff_create_tenders():
    actor = agency_staff()
    outsider = agency_staff()
    with pytest.raises(PermissionDenied):
        services.tender_create(actor=outsider, buyer=buyer_of(actor), spec=tender_spec())
    unverified = OrganisationFactory(kind=OrganisationKind.AGENCY, verified=False)
    member = MembershipFactory(organisation=unverified, role=Role.AGENCY_STAFF).user
    with pytest.raises(PermissionDenied, match="verified"):
        services.tender_create(actor=member, buyer=unverified, spec=tender_spec())


def test_an_enterprise_asks_for_quotations_with_a_three_day_period():
    enterprise = OrganisationFactory(kind=OrganisationKind.ENTERPRISE, verified=True)
    buyer = MembershipFactory(organisation=enterprise, role=Role.ENTERPRISE_BUYER).user
    spec = tender_spec(
        procedure=Procedure.REQUEST_FOR_QUOTATION,
        evaluation_method=EvaluationMethod.LOWEST_PRICE,
        price_weight_bp=10_000,
        technical_weight_bp=0,
        business_weight_bp=0,
        deadline=timezone.now() + timedelta(days=3, minutes=5),
    )
    tender = services.tender_create(actor=buyer, buyer=enterprise, spec=spec)
    services.tender_document_add(actor=buyer, tender=tender, title="需求说明", upload=document_upload())
    assert services.tender_publish(actor=buyer, tender=tender).state == TenderState.OPEN


def test_publishing_checks_the_procedures_minimum_bid_period_from_now():
    tender = TenderFactory(deadline=timezone.now() + timedelta(days=19, hours=23))
    with pytest.raises(ValidationError, match="20 days"):
        services.tender_publish(actor=tender.created_by, tender=tender)
    tender.refresh_from_db()
    assert tender.state == TenderState.DRAFT


def test_publishing_needs_the_tender_documents():
    actor = agency_staff()
    tender = services.tender_create(actor=actor, buyer=buyer_of(actor), spec=tender_spec())
    with pytest.raises(ValidationError, match="documents"):
        services.tender_publish(actor=actor, tender=tender)


def test_publishing_opens_the_tender_schedules_the_sweep_and_releases_planning_and_tender():
    entry = CatalogueEntryFactory()
    tender = TenderFactory(actor=entry.created_by, catalogue_entry_id=entry.pk, publish=True)

    assert tender.state == TenderState.OPEN
    assert tender.next_check_at == tender.deadline
    assert tender.published_at is not None
    assert list(tender.releases.values_list("tags", flat=True)) == [["planning", "tender"]]
    assert AuditEntry.objects.filter(action="tender.publish", object_id=str(tender.pk)).count() == 1


def test_a_published_tender_is_no_longer_edited_as_a_draft():
    tender = TenderFactory(publish=True)
    with pytest.raises(Conflict, match="amendment"):
        services.tender_update(actor=tender.created_by, tender=tender, spec=tender_spec(title="改"))
    with pytest.raises(Conflict):
        services.tender_document_add(actor=tender.created_by, tender=tender, title="x", upload=document_upload())


def test_a_late_amendment_moves_the_deadline_to_fifteen_days_and_asks_bidders_to_confirm():
    tender = TenderFactory(publish=True, deadline=timezone.now() + timedelta(days=21))
    Tender.objects.filter(pk=tender.pk).update(deadline=timezone.now() + timedelta(days=5))
    bid = bid_on(tender, vendor_staff())
    old = tender.documents.get()

    before = timezone.now()
    amendment = services.tender_amend(
        actor=tender.created_by,
        tender=tender,
        rationale="修改标注规范第3节",
        documents=[("招标文件（修订）", document_upload("招标文件v2.pdf", b"%PDF v2"))],
        superseded_ids=[old.pk],
    )

    tender.refresh_from_db()
    bid.refresh_from_db()
    old.refresh_from_db()
    assert before + timedelta(days=15) <= tender.deadline <= timezone.now() + timedelta(days=15)
    assert tender.next_check_at == tender.deadline
    assert amendment.deadline_after == tender.deadline
    assert tender.documents_version == 2
    assert bid.documents_version == 1  # must be confirmed again
    assert old.superseded_at is not None
    assert TenderDocument.objects.get(tender=tender, superseded_at=None).version == 2
    assert list(tender.releases.values_list("tags", flat=True))[-1] == ["tenderAmendment"]


def test_an_early_amendment_keeps_the_deadline():
    tender = TenderFactory(publish=True)
    deadline = tender.deadline
    services.tender_amend(
        actor=tender.created_by, tender=tender, rationale="补充样例", documents=[("样例", document_upload("s.pdf"))]
    )
    tender.refresh_from_db()
    assert tender.deadline == deadline


def test_an_amendment_needs_a_rationale_and_a_change():
    tender = TenderFactory(publish=True)
    with pytest.raises(ValidationError, match="changed"):
        services.tender_amend(actor=tender.created_by, tender=tender, rationale=" ", documents=[])
    with pytest.raises(ValidationError):
        services.tender_amend(actor=tender.created_by, tender=tender, rationale="无改动")
    assert tender.amendments.count() == 0


def test_a_confirmed_bid_stays_valid_and_an_unconfirmed_one_is_invalid_at_the_opening():
    tender = TenderFactory(publish=True)
    users = [vendor_staff() for _ in range(4)]
    bids = [bid_on(tender, user) for user in users]
    services.tender_amend(
        actor=tender.created_by, tender=tender, rationale="修订", documents=[("v2", document_upload("v2.pdf"))]
    )
    for user, bid in zip(users[:3], bids[:3], strict=True):
        services.bid_confirm(actor=user, bid=bid)

    past_deadline(tender)
    with translation.override("en"):  # the reason is stored in the language of the opening
        for tender_id in services.tenders_close_due():
            services.tender_open(tender_id=tender_id)

    opened = [Bid.objects.get(pk=bid.pk) for bid in bids]
    assert [bid.state for bid in opened] == [BidState.VALID] * 3 + [BidState.INVALID]
    assert "confirm" in opened[3].invalid_reason


def test_cancellation_needs_a_published_reason():
    tender = TenderFactory(publish=True)
    with pytest.raises(ValidationError):
        services.tender_cancel(actor=tender.created_by, tender=tender, reason="")
    services.tender_cancel(actor=tender.created_by, tender=tender, reason="预算调整，项目取消")
    tender.refresh_from_db()
    assert tender.state == TenderState.CANCELLED
    assert tender.next_check_at is None
    assert list(tender.releases.values_list("tags", flat=True))[-1] == ["tenderCancellation"]
    with pytest.raises(Conflict):
        services.tender_cancel(actor=tender.created_by, tender=tender, reason="again")


def test_a_failed_tender_is_retendered_in_one_step():
    failed = opened_tender(bidders=1)
    assert failed.state == TenderState.FAILED
    deadline = timezone.now() + timedelta(days=21)

    copy = services.tender_retender(actor=failed.created_by, tender=failed, deadline=deadline)

    assert copy.state == TenderState.OPEN
    assert copy.previous_tender == failed
    assert copy.deadline == deadline
    assert [lot.budget_fen for lot in copy.lots.all()] == [lot.budget_fen for lot in failed.lots.all()]
    assert copy.documents.get().sha256 == failed.documents.get().sha256
    with pytest.raises(Conflict, match="already"):
        services.tender_retender(actor=failed.created_by, tender=failed, deadline=deadline)


def test_only_a_failed_tender_is_retendered():
    tender = TenderFactory(publish=True)
    with pytest.raises(Conflict):
        services.tender_retender(actor=tender.created_by, tender=tender, deadline=timezone.now() + timedelta(days=30))
