"""The exchange's demo data: every state a tender reaches, sealed bids before the opening, committees
whose draws replay, scores, challenges, awards and contracts, valid OCDS, a tender a person can take
from the opening to a signed contract, and a second run that changes nothing."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.utils import timezone, translation

from marketplace import demo, demo_acceptance, services
from marketplace.committee_replay import committee_draw_replay
from marketplace.models import (
    AcceptancePlan,
    Award,
    Bid,
    BidResult,
    BidState,
    CatalogueEntry,
    Challenge,
    ChallengeState,
    Clarification,
    Committee,
    CommitteeDraw,
    CommitteeMember,
    Contract,
    ContractMilestone,
    ContractState,
    Delivery,
    DeliveryState,
    MemberState,
    MilestoneState,
    PaymentDue,
    Release,
    ScoreSheet,
    Tender,
    TenderAmendment,
)
from marketplace.models.payments import EntryKind, MilestonePayment, PaymentMethod, PaymentState
from marketplace.ocds.encoding import loads
from marketplace.procedures import Procedure
from marketplace.states import TenderState
from portal.accounts.models import User
from portal.audit.models import AuditEntry
from portal.audit.selectors import audit_chain_report
from portal.errors import Conflict
from portal.management.commands.seed_demo import DEMO_PASSWORD, DEMO_USERS
from portal.notifications.models import Notification
from registry.talent.demo import SIGN_IN_EXPERTS
from registry.talent.models import Expert
from tests.marketplace.ocds.validation import ocds_problems, standard_zip_or_skip

FINANCE = "金融监管文书实体识别与关系抽取标注服务"


def _seed() -> int:
    """seed_demo, then the exchange's seeder (a no-op once seed_demo itself calls it)."""
    call_command("seed_demo", stdout=StringIO())
    users = {user.username: user for user in User.objects.filter(username__in=DEMO_USERS)}
    return demo.seed_marketplace(operator=users["operator"], users=users)


def _counts() -> dict[str, int]:
    models = (
        CatalogueEntry,
        Tender,
        Bid,
        Clarification,
        TenderAmendment,
        Committee,
        CommitteeDraw,
        CommitteeMember,
        ScoreSheet,
        BidResult,
        Challenge,
        Award,
        Contract,
        ContractMilestone,
        Release,
        AuditEntry,
        Notification,
        User,
    )
    return {model.__name__: model.objects.count() for model in models}


def _tender(title: str) -> Tender:
    return Tender.objects.get(title=title, previous_tender=None)


def _demo(after: demo.After) -> list[demo.DemoTender]:
    return [item for item in demo.TENDERS if item.after == after and item.end in demo.OPENED]


@pytest.fixture(scope="module")
def _seeded_once(django_db_setup, django_db_blocker, tmp_path_factory):
    """Seeding takes seconds: it is done once for the module, in a transaction rolled back at its
    end. Each test runs in a savepoint inside it (pytest-django's `db`), so what one changes, goes."""
    demo_settings = override_settings(
        DEMO_DATA_ALLOWED=True,
        MEDIA_ROOT=tmp_path_factory.mktemp("media"),
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
    )
    with django_db_blocker.unblock(), demo_settings, translation.override("en"), transaction.atomic():
        _seed()
        yield
        transaction.set_rollback(True)


@pytest.fixture
def seeded(_seeded_once, db, settings):
    settings.DEMO_DATA_ALLOWED = True


def test_seeding_twice_changes_nothing(seeded):
    before = _counts()

    again = _seed()

    assert again == 0
    assert _counts() == before
    assert before["CatalogueEntry"] == len(demo.CATALOGUE)
    assert before["Tender"] == len(demo.TENDERS) + 1  # and the re-tender of the failed one
    with_committee = [item for item in demo.TENDERS if item.after != demo.After.NOTHING]
    assert before["Committee"] == len(with_committee) == 9
    assert before["CommitteeDraw"] == before["Committee"] + 1  # one replacement drawn
    assert before["CommitteeMember"] == 5 * before["Committee"] + 1
    assert before["ScoreSheet"] == 8 * 5 + 3  # eight committees done, one half-way (two in, one draft)
    assert before["Challenge"] == 2
    assert before["Award"] == before["Contract"] == 6
    assert before["ContractMilestone"] == 4 + 5 * len(demo.MILESTONES)  # one contract's rearranged
    assert audit_chain_report().ok


def test_every_tender_state_but_the_passing_opening_is_present(seeded):
    states = list(Tender.objects.values_list("state", flat=True))

    assert set(states) == set(TenderState) - {TenderState.OPENING}
    assert states.count(TenderState.DRAFT) == 1
    assert states.count(TenderState.OPEN) == 4  # two agency tenders, the re-tender, the quotation
    assert states.count(TenderState.EVALUATION) == 2  # no committee yet; scoring
    assert states.count(TenderState.PUBLICITY) == 2  # challenge pending; challenge rejected
    assert states.count(TenderState.AWARDED) == 5  # four agency tenders and the enterprise's quotation
    assert states.count(TenderState.FAILED) == 2  # at the opening; in evaluation
    assert states.count(TenderState.CANCELLED) == 1
    cancelled = Tender.objects.get(state=TenderState.CANCELLED)
    assert cancelled.cancellation_reason
    failed = Tender.objects.get(state=TenderState.FAILED, opened_at__isnull=False, committee__isnull=True)
    retender = failed.retenders.get()
    assert retender.state == TenderState.OPEN
    assert retender.deadline > timezone.now()
    quotations = Tender.objects.filter(procedure=Procedure.REQUEST_FOR_QUOTATION)
    assert {quotation.buyer.kind for quotation in quotations} == {"enterprise"}
    assert sorted(quotations.values_list("state", flat=True)) == [TenderState.AWARDED, TenderState.OPEN]
    assert Tender.objects.filter(catalogue_entry__isnull=False).count() >= 5


def test_the_tender_left_for_a_committee_has_three_valid_bids_and_one_invalid(seeded):
    tender = _tender(FINANCE)
    bids = Bid.objects.filter(tender=tender)

    assert tender.state == TenderState.EVALUATION
    assert not Committee.objects.filter(tender=tender).exists()
    assert bids.filter(state=BidState.VALID).count() == 3
    (invalid,) = bids.filter(state=BidState.INVALID)
    assert invalid.price_fen > invalid.lot.budget_fen
    assert all(bid.price_fen is not None and bid.opened_at for bid in bids)
    assert Release.objects.filter(tender=tender, data__contains='"bids"').exists()


def test_every_expert_who_may_be_drawn_for_it_can_sign_in(seeded):
    tender = _tender(FINANCE)

    candidates = Expert.objects.filter(pk__in=services.committee_candidates(tender)).select_related("person__user")

    assert {expert.person.user.username for expert in candidates} == set(SIGN_IN_EXPERTS)
    assert len(SIGN_IN_EXPERTS) >= demo.COMMITTEE_SIZE + 2  # room for two declined seats
    assert all(expert.person.user.check_password(DEMO_PASSWORD) for expert in candidates)


def test_a_person_can_take_it_from_the_opening_to_a_signed_contract(seeded):
    """The services behind the pages and the API, in the order a person would call them."""
    tender = _tender(FINANCE)
    agency = User.objects.get(username="agency")

    committee = services.committee_form(actor=agency, tender=tender, size=demo.COMMITTEE_SIZE)
    members = list(committee.members.select_related("expert__person__user"))
    assert {member.expert.person.user.username for member in members} <= set(SIGN_IN_EXPERTS)
    for member in members:
        services.committee_member_accept(actor=member.expert.person.user, member=member)
    scores = [services.ScoreInput(bid_id=bid.pk, qualified=True) for bid in services.bids_under_evaluation(tender)]
    for member in members:
        services.score_sheet_save(actor=member.expert.person.user, tender=tender, scores=scores, submit=True)
    services.tender_publicise(actor=agency, tender=tender, days=3)
    with pytest.raises(Conflict):
        services.tender_award(actor=agency, tender=tender)
    demo.end_publicity_now(tender_id=tender.pk)
    (contract,) = services.tender_award(actor=agency, tender=tender)
    services.contract_sign(actor=agency, contract=contract)
    contract = services.contract_sign(actor=User.objects.get(username="vendor2"), contract=contract)

    assert contract.state == ContractState.ACTIVE
    assert contract.supplier.name == "合肥慧眼数据标注有限公司"  # the lowest valid price
    assert committee_draw_replay(tender=tender).ok
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"committee.draw", "score_sheet.submit", "tender.evaluate", "award.create", "contract.sign.supplier"} <= (
        actions
    )


def test_ending_the_publicity_by_hand_is_for_demo_databases_only(seeded, settings):
    tender = Tender.objects.filter(state=TenderState.PUBLICITY).first()
    settings.DEMO_DATA_ALLOWED = False

    with pytest.raises(ImproperlyConfigured, match="DEMO_DATA_ALLOWED"):
        demo.end_publicity_now(tender_id=tender.pk)

    tender.refresh_from_db()
    assert tender.publicity_ends_at > timezone.now()


def test_the_committee_draws_of_the_demo_replay(seeded):
    committees = Committee.objects.select_related("tender")

    assert committees.count() == 9
    for committee in committees:
        assert committee_draw_replay(tender=committee.tender).ok


def test_the_scoring_tender_has_a_declined_seat_refilled_and_some_sheets_in(seeded):
    (item,) = _demo(demo.After.SCORING)
    tender = _tender(item.title)
    committee = tender.committee

    (declined,) = committee.members.filter(state=MemberState.DECLINED)
    assert declined.declaration == item.declaration
    assert declined.draw.round == 1
    replacement = committee.members.get(draw__round=2)
    assert replacement.state == MemberState.ACCEPTED
    assert committee.members.filter(state=MemberState.ACCEPTED).count() == committee.size
    sheets = ScoreSheet.objects.filter(tender=tender)
    assert sheets.filter(submitted_at__isnull=False).count() == demo.SHEETS_WHILE_SCORING
    assert sheets.filter(submitted_at__isnull=True).count() == 1  # a draft
    assert tender.state == TenderState.EVALUATION
    assert not BidResult.objects.filter(tender=tender).exists()


def test_the_tenders_in_publicity_have_candidates_and_challenges(seeded):
    pending = Challenge.objects.get(state=ChallengeState.PENDING)
    rejected = Challenge.objects.get(state=ChallengeState.REJECTED)

    for challenge in (pending, rejected):
        tender = challenge.tender
        assert tender.state == TenderState.PUBLICITY
        assert tender.publicity_ends_at > timezone.now()
        assert BidResult.objects.filter(tender=tender, rank=1).exists()
        assert challenge.grounds
        first = BidResult.objects.get(tender=tender, rank=1).bid
        assert challenge.vendor != first.vendor  # a losing bidder challenges
    assert not pending.answer
    assert AuditEntry.objects.filter(action="tender.pause", object_id=str(pending.tender_id)).exists()
    assert rejected.answer
    assert rejected.answered_at
    assert AuditEntry.objects.filter(action="tender.resume", object_id=str(rejected.tender_id)).exists()
    demo.end_publicity_now(tender_id=pending.tender_id)
    with pytest.raises(Conflict, match="paused"):  # even once the window is over, no award before the answer
        services.tender_award(actor=User.objects.get(username="agency"), tender=pending.tender)


def test_the_awarded_tenders_have_contracts_in_every_state(seeded):
    contracts = Contract.objects.select_related("tender", "award")

    states = [ContractState.PENDING, *[ContractState.ACTIVE] * 3, ContractState.COMPLETED]
    assert sorted(contract.state for contract in contracts) == sorted([*states, ContractState.TERMINATED])
    for contract in contracts:
        milestones = list(contract.milestones.all())
        assert sum(m.share_bp for m in milestones) == 10_000
        assert sum(m.amount_fen for m in milestones) == contract.value_fen == contract.award.value_fen
        assert contract.tender.state == TenderState.AWARDED
        assert contract.tender.publicity_ends_at < contract.award.awarded_at
    pending = contracts.get(state=ContractState.PENDING)
    assert [m.title for m in pending.milestones.all()] == [title for title, _s, _d in demo.REARRANGED_MILESTONES]
    assert pending.buyer_signed_at
    assert not pending.supplier_signed_at
    assert pending.supplier.name == "成都星标智能科技有限公司"  # `vendor` can sign it by hand
    for active in contracts.filter(state=ContractState.ACTIVE):
        assert active.signed_at
        first, *later = active.milestones.all()
        assert first.state == MilestoneState.MET  # by hand
        for milestone in later:  # met only by an accepted delivery (marketplace/demo_acceptance.py)
            assert milestone.state == MilestoneState.SCHEDULED or hasattr(milestone, "payment_due")
    completed = contracts.get(state=ContractState.COMPLETED)
    assert completed.completed_at
    assert not completed.milestones.exclude(state=MilestoneState.MET).exists()
    assert (
        BidResult.objects.filter(tender=completed.tender, qualified=False).exclude(disqualification_reasons="").exists()
    )
    terminated = contracts.get(state=ContractState.TERMINATED)
    assert terminated.termination_reason == next(i.termination_reason for i in demo.TENDERS if i.termination_reason)
    assert terminated.milestones.filter(state=MilestoneState.MET).count() == 1
    two_lots = Tender.objects.get(state=TenderState.AWARDED, lots__number=2)
    assert two_lots.awards.count() == 2
    assert two_lots.contracts.values("supplier").distinct().count() == 2
    assert Notification.objects.filter(kind="award.lost").exists()


def test_the_tender_failed_in_evaluation_has_every_bid_disqualified_with_a_reason(seeded):
    (item,) = _demo(demo.After.SCORED)
    tender = _tender(item.title)
    results = BidResult.objects.filter(tender=tender)

    assert tender.state == TenderState.FAILED
    assert results.count() == len(item.bids)
    assert not results.filter(qualified=True).exists()
    assert all(result.disqualification_reasons and result.rank is None for result in results)


def test_the_open_tender_has_clarifications_an_amendment_and_a_bid_to_reconfirm(seeded):
    tender = Tender.objects.get(state=TenderState.OPEN, amendments__isnull=False)
    clarifications = Clarification.objects.filter(tender=tender)

    assert tender.deadline > timezone.now()
    assert clarifications.filter(answered_at__isnull=False).exists()
    assert clarifications.filter(answered_at__isnull=True).exists()
    assert tender.documents_version == 2
    bids = Bid.objects.filter(tender=tender, state=BidState.SUBMITTED)
    assert {bid.documents_version for bid in bids} == {1, 2}  # confirmed, and one still to confirm


def test_bids_before_the_opening_stay_sealed(seeded):
    unopened = Bid.objects.filter(tender__opened_at__isnull=True)

    assert unopened.exists()
    assert unopened.filter(tender__state=TenderState.CANCELLED).exists()
    assert all(bid.price_fen is None and bid.documents == [] and bid.opened_at is None for bid in unopened)
    assert set(unopened.values_list("state", flat=True)) == {BidState.SUBMITTED}
    for release in Release.objects.filter(tender__opened_at__isnull=True):
        assert '"bids"' not in release.data


def test_the_demo_open_data_validates(seeded):
    standard_zip_or_skip()
    releases = [loads(release.data) for release in Release.objects.order_by("pk")]
    package = {
        "uri": "http://127.0.0.1:8000/api/ocds/releases/",
        "version": "1.1",
        "publishedDate": releases[-1]["date"],
        "publisher": {"name": "全国数据标注公共服务平台"},
        "releases": releases,
    }

    published = Tender.objects.exclude(state=TenderState.DRAFT)  # a draft has no release yet
    assert len({release["ocid"] for release in releases}) == published.count()
    assert {"award", "contract", "implementation"} <= {tag for release in releases for tag in release["tag"]}
    assert ocds_problems(package) == []


def test_the_bus_contracts_show_delivery_acceptance_in_every_state(seeded):
    deliveries = Delivery.objects.filter(contract__tender__title=demo_acceptance.BUS_TENDER)
    assert sorted(deliveries.values_list("state", flat=True)) == sorted(
        [DeliveryState.REJECTED, DeliveryState.SCORED, DeliveryState.ACCEPTED]
    )
    awaiting = deliveries.get(state=DeliveryState.SCORED)
    assert awaiting.report.proposed == "accepted"  # the agency confirms it in the README's journey
    assert awaiting.contract.supplier.memberships.filter(user__username="vendor").exists()
    accepted = deliveries.get(state=DeliveryState.ACCEPTED)
    assert PaymentDue.objects.get().milestone == accepted.milestone
    assert accepted.milestone.state == MilestoneState.MET
    waiting = AcceptancePlan.objects.filter(deliveries__isnull=True, gold_set__isnull=False)
    assert waiting.count() == 1  # the vendor's next delivery
    assert demo_acceptance.seed_acceptance(users={u.username: u for u in User.objects.all()}) == 0


def test_the_demo_pays_the_agency_by_treasury_and_leaves_the_card_payment_to_the_buyer(seeded):
    treasury = MilestonePayment.objects.get()
    assert (treasury.method, treasury.state) == (PaymentMethod.TREASURY, PaymentState.CAPTURED)
    assert treasury.entries.get().kind == EntryKind.TREASURY_TRANSFER
    assert treasury.amount_fen == treasury.milestone.amount_fen
    enterprise = Contract.objects.get(tender__title=demo_acceptance.ENTERPRISE_TENDER)
    assert enterprise.buyer.memberships.filter(user__username="buyer").exists()
    awaiting = enterprise.deliveries.get()
    assert awaiting.state == DeliveryState.SCORED  # the buyer pays the milestone by card, then accepts
    assert not MilestonePayment.objects.filter(contract=enterprise).exists()
