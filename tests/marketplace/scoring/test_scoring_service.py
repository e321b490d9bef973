"""score_sheet_save and the conclusion of a round: what is saved, what is refused, and what the
last submission computes and records."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from marketplace import services
from marketplace.models import Bid, BidResult, LotState, Score, ScoreSheet
from marketplace.ocds import encoding
from marketplace.procedures import EvaluationMethod
from marketplace.states import TenderState
from portal.audit.models import AuditEntry
from portal.errors import Conflict, NotFound
from portal.notifications.models import Notification
from tests.factories.evaluation import (
    buyer_user,
    formed_committee,
    pool_expert,
    publicised_tender,
    score_all,
    uniform_scores,
)
from tests.factories.marketplace import TenderFactory, bid_on, opened_tender, past_deadline, vendor_of, vendor_staff
from tests.marketplace.scoring.conftest import PRICES, bids_of, judgement, member_users

pytestmark = pytest.mark.django_db


def test_comprehensive_scoring_ranks_the_bids_by_total(scoring_tender):
    # given the members' scores: the dearest-but-one bid is technically best
    cheap, middle, dear = bids_of(scoring_tender)
    scores = [
        judgement(cheap, technical=8_000, business=8_000),
        judgement(middle, technical=9_000, business=9_000),
        judgement(dear, technical=7_000, business=10_000),
    ]
    # when every member submits them
    tender = score_all(scoring_tender, scores)
    # then the results hold the worked-out points and ranks of round 1
    results = {r.bid_id: r for r in BidResult.objects.filter(tender=tender, round=1)}
    summary = {
        bid_id: (r.price_points, r.technical_points, r.business_points, r.total_points, r.rank)
        for bid_id, r in results.items()
    }
    assert summary == {
        middle.pk: (2_667, 5_400, 900, 8_967, 1),
        cheap.pk: (3_000, 4_800, 800, 8_600, 2),
        dear.pk: (2_500, 4_200, 1_000, 7_700, 3),
    }
    assert tender.state == TenderState.EVALUATION
    assert tender.lots.get().state == LotState.ACTIVE


def test_the_lowest_evaluated_price_method_ranks_by_price():
    tender = opened_tender(
        prices=[48_000_000, 40_000_000, 45_000_000],
        evaluation_method=EvaluationMethod.LOWEST_EVALUATED_PRICE,
        price_weight_bp=10_000,
        technical_weight_bp=0,
        business_weight_bp=0,
    )
    formed_committee(tender)
    # members type scores anyway: the tender does not weigh them, so they are stored as 0
    tender = score_all(tender, uniform_scores(tender, technical=9_900, business=9_900))
    results = list(BidResult.objects.filter(tender=tender).select_related("bid").order_by("rank"))
    assert [(r.bid.price_fen, r.total_points) for r in results] == [
        (40_000_000, 10_000),
        (45_000_000, 8_889),
        (48_000_000, 8_333),
    ]
    assert set(Score.objects.filter(sheet__tender=tender).values_list("technical", "business")) == {(0, 0)}


def test_disqualifying_without_a_reason_is_refused_and_nothing_is_saved(scoring_tender):
    first = member_users(scoring_tender)[0]
    bid = bids_of(scoring_tender)[0]
    for submit in (False, True):
        scores = [judgement(b) for b in bids_of(scoring_tender)]
        scores[0] = judgement(bid, qualified=False, reason="   ")
        with pytest.raises(ValidationError) as refused:
            services.score_sheet_save(actor=first, tender=scoring_tender, scores=scores, submit=submit)
        assert "Give the reason for disqualifying a bid." in refused.value.message_dict["scores"]
    assert not ScoreSheet.objects.exists()
    assert not Score.objects.exists()


@pytest.mark.parametrize("value", [10_001, -1, True])
def test_a_score_out_of_range_is_refused_and_nothing_is_saved(scoring_tender, value):
    first = member_users(scoring_tender)[0]
    scores = [judgement(b, technical=value) for b in bids_of(scoring_tender)]
    with pytest.raises(ValidationError):
        services.score_sheet_save(actor=first, tender=scoring_tender, scores=scores, submit=False)
    assert not ScoreSheet.objects.exists()


def test_a_majority_disqualifies_a_bid_and_the_report_keeps_the_reasons(scoring_tender):
    cheap, middle, dear = bids_of(scoring_tender)
    members = member_users(scoring_tender)
    reasons = ["营业执照已过期", "缺少数据安全承诺书", "资质证书不符"]
    for index, user in enumerate(members):
        scores = [judgement(middle), judgement(dear)]
        if index < 3:  # three of five disqualify the cheapest bid
            scores.insert(0, judgement(cheap, qualified=False, reason=reasons[index]))
        else:
            scores.insert(0, judgement(cheap, technical=9_500))
        services.score_sheet_save(actor=user, tender=scoring_tender, scores=scores, submit=True)
    result = BidResult.objects.get(bid=cheap, round=1)
    assert (result.qualified, result.rank, result.total_points) == (False, None, 0)
    assert result.disqualification_reasons.split("\n") == reasons
    # the lowest qualified price is now 450,000.00 yuan: it earns the whole price weight
    assert BidResult.objects.get(bid=middle, round=1).price_points == 3_000
    assert [BidResult.objects.get(bid=b, round=1).rank for b in (middle, dear)] == [1, 2]
    # two qualified bids are fewer than the open tender's three: the lot is unsuccessful
    scoring_tender.refresh_from_db()
    assert scoring_tender.lots.get().state == LotState.UNSUCCESSFUL
    assert scoring_tender.state == TenderState.FAILED


def _two_lot_tender():
    tender = TenderFactory(
        publish=True,
        lots=[
            services.LotSpec(title="视频框选", modality="video", volume=10, budget_fen=50_000_000),
            services.LotSpec(title="语音转写", modality="video", volume=10, budget_fen=50_000_000),
        ],
    )
    for lot in tender.lots.order_by("number"):
        for price in PRICES:
            bid_on(tender, vendor_staff(), lot=lot, price_fen=price)
    past_deadline(tender)
    for tender_id in services.tenders_close_due():
        services.tender_open(tender_id=tender_id)
    tender.refresh_from_db()
    assert tender.state == TenderState.EVALUATION
    formed_committee(tender)
    return tender


def test_a_lot_left_short_is_unsuccessful_while_the_others_go_on():
    tender = _two_lot_tender()
    first_lot, second_lot = tender.lots.order_by("number")
    short_bid = bids_of(tender)[3]  # the first bid of the second lot
    assert short_bid.lot == second_lot
    scores = [
        judgement(bid, qualified=False, reason="不满足实质性要求") if bid == short_bid else judgement(bid)
        for bid in bids_of(tender)
    ]
    releases = tender.releases.count()
    tender = score_all(tender, scores)
    first_lot.refresh_from_db()
    second_lot.refresh_from_db()
    assert (first_lot.state, second_lot.state) == (LotState.ACTIVE, LotState.UNSUCCESSFUL)
    assert tender.state == TenderState.EVALUATION
    assert tender.releases.count() == releases  # no tender state change, no release
    evaluated = AuditEntry.objects.get(action="tender.evaluate", object_id=str(tender.pk))
    assert evaluated.after["unsuccessful_lots"] == [second_lot.pk]
    assert BidResult.objects.filter(tender=tender, lot=second_lot, rank__isnull=False).count() == 2


def test_every_bid_disqualified_fails_the_tender_and_writes_a_release(scoring_tender):
    releases = scoring_tender.releases.count()
    scores = [judgement(bid, qualified=False, reason="未按要求密封签章") for bid in bids_of(scoring_tender)]
    tender = score_all(scoring_tender, scores)
    assert tender.state == TenderState.FAILED
    assert tender.lots.get().state == LotState.UNSUCCESSFUL
    assert tender.releases.count() == releases + 1
    assert encoding.loads(tender.releases.last().data)["tender"]["status"] == "unsuccessful"
    assert AuditEntry.objects.filter(action="tender.fail", object_id=str(tender.pk)).exists()
    assert not BidResult.objects.filter(tender=tender, rank__isnull=False).exists()


def test_a_draft_is_saved_then_replaced_then_submitted(scoring_tender):
    first = member_users(scoring_tender)[0]
    cheap, middle, dear = bids_of(scoring_tender)
    # a draft of one bid
    sheet = services.score_sheet_save(
        actor=first, tender=scoring_tender, scores=[judgement(cheap, technical=8_550)], submit=False
    )
    assert sheet.submitted_at is None
    assert list(sheet.scores.values_list("bid_id", "technical")) == [(cheap.pk, 8_550)]
    assert not AuditEntry.objects.filter(action="score_sheet.submit").exists()
    # the next draft replaces it
    services.score_sheet_save(
        actor=first,
        tender=scoring_tender,
        scores=[judgement(cheap, technical=8_600), judgement(middle, qualified=False, reason="报价明细缺失")],
        submit=False,
    )
    assert sorted(sheet.scores.values_list("bid_id", "technical", "qualified")) == [
        (cheap.pk, 8_600, True),
        (middle.pk, 8_000, False),
    ]
    # submitting needs every bid
    with pytest.raises(ValidationError) as refused:
        services.score_sheet_save(actor=first, tender=scoring_tender, scores=[judgement(cheap)], submit=True)
    assert "Score every bid before submitting." in refused.value.message_dict["scores"]
    sheet.refresh_from_db()
    assert sheet.submitted_at is None
    assert sheet.scores.count() == 2
    # then the final sheet
    scores = [judgement(cheap, technical=8_600), judgement(middle, technical=7_000), judgement(dear)]
    sheet = services.score_sheet_save(actor=first, tender=scoring_tender, scores=scores, submit=True)
    assert sheet.submitted_at is not None
    assert ScoreSheet.objects.filter(tender=scoring_tender).count() == 1
    audit = AuditEntry.objects.get(action="score_sheet.submit", object_id=str(sheet.pk))
    assert audit.actor_id == first.pk
    assert audit.after["scores"] == [
        [cheap.pk, True, 8_600, 8_000, ""],
        [middle.pk, True, 7_000, 8_000, ""],
        [dear.pk, True, 8_000, 8_000, ""],
    ]
    assert not BidResult.objects.exists()  # four members to go


def test_a_submitted_sheet_cannot_be_changed(scoring_tender):
    first = member_users(scoring_tender)[0]
    sheet = services.score_sheet_save(
        actor=first, tender=scoring_tender, scores=uniform_scores(scoring_tender), submit=True
    )
    changed = uniform_scores(scoring_tender, technical=10_000)
    for submit in (False, True):
        with pytest.raises(Conflict, match="submitted and can no longer change"):
            services.score_sheet_save(actor=first, tender=scoring_tender, scores=changed, submit=submit)
    # even a malformed resubmission is told the sheet is final, not what is wrong with it
    with pytest.raises(Conflict):
        services.score_sheet_save(actor=first, tender=scoring_tender, scores=[], submit=True)
    assert set(sheet.scores.values_list("technical", flat=True)) == {8_000}
    assert AuditEntry.objects.filter(action="score_sheet.submit").count() == 1


def test_scoring_waits_for_the_whole_committee():
    tender = opened_tender(prices=PRICES)
    committee = formed_committee(tender, accept=False)
    seats = list(committee.members.select_related("expert__person__user").order_by("pk"))
    for member in seats[:4]:
        services.committee_member_accept(actor=member.expert.person.user, member=member)
    accepted, invited = seats[0].expert.person.user, seats[4].expert.person.user
    with pytest.raises(Conflict, match="every seat of the committee is accepted"):
        services.score_sheet_save(actor=accepted, tender=tender, scores=uniform_scores(tender), submit=False)
    with pytest.raises(Conflict, match="Accept the invitation"):
        services.score_sheet_save(actor=invited, tender=tender, scores=uniform_scores(tender), submit=False)
    assert not ScoreSheet.objects.exists()
    # the last acceptance opens the scoring
    services.committee_member_accept(actor=invited, member=seats[4])
    services.score_sheet_save(actor=accepted, tender=tender, scores=uniform_scores(tender), submit=False)
    assert ScoreSheet.objects.count() == 1


def test_someone_not_on_the_committee_finds_nothing_to_score(scoring_tender):
    bidder = Bid.objects.filter(tender=scoring_tender).first().submitted_by
    for outsider in (pool_expert().person.user, buyer_user(scoring_tender), bidder):
        with pytest.raises(NotFound):
            services.score_sheet_save(
                actor=outsider, tender=scoring_tender, scores=uniform_scores(scoring_tender), submit=False
            )
    assert not ScoreSheet.objects.exists()


def test_the_last_submission_concludes_audits_and_notifies_the_buyer(scoring_tender):
    members = member_users(scoring_tender)
    for user in members[:4]:
        services.score_sheet_save(actor=user, tender=scoring_tender, scores=uniform_scores(scoring_tender), submit=True)
    assert not BidResult.objects.exists()
    assert not Notification.objects.filter(kind="evaluation.completed").exists()
    services.score_sheet_save(
        actor=members[4], tender=scoring_tender, scores=uniform_scores(scoring_tender), submit=True
    )
    assert AuditEntry.objects.filter(action="score_sheet.submit").count() == 5
    evaluated = AuditEntry.objects.get(action="tender.evaluate", object_id=str(scoring_tender.pk))
    results = BidResult.objects.filter(tender=scoring_tender, round=1).order_by("bid_id")
    assert evaluated.after["round"] == 1
    assert evaluated.after["results"] == [[r.bid_id, r.qualified, r.total_points, r.rank] for r in results]
    (notification,) = Notification.objects.filter(kind="evaluation.completed")
    assert notification.user == buyer_user(scoring_tender)
    assert notification.url == reverse("marketplace:committee-report", args=[scoring_tender.pk])
    assert notification.params == {"reference": scoring_tender.reference}
    # the round is closed
    with pytest.raises(Conflict, match="This evaluation round is concluded"):
        services.score_sheet_save(actor=members[0], tender=scoring_tender, scores=[], submit=False)


def test_an_upheld_challenge_opens_a_second_round_and_the_first_results_remain():
    tender = publicised_tender(prices=PRICES)
    round_one = list(BidResult.objects.filter(tender=tender).order_by("bid_id").values())
    challenger = Bid.objects.filter(tender=tender).order_by("price_fen").last().submitted_by
    challenge = services.challenge_submit(
        actor=challenger, tender=tender, vendor=vendor_of(challenger), grounds="第一候选人业绩证明不实。"
    )
    services.challenge_answer(actor=buyer_user(tender), challenge=challenge, answer="经复核，质疑成立。", upheld=True)
    tender.refresh_from_db()
    assert (tender.state, tender.evaluation_round) == (TenderState.EVALUATION, 2)
    # the committee scores again: this time the dearest bid is technically far ahead
    cheap, middle, dear = bids_of(tender)
    tender = score_all(tender, [judgement(cheap), judgement(middle), judgement(dear, technical=10_000)])
    assert ScoreSheet.objects.filter(tender=tender, round=2, submitted_at__isnull=False).count() == 5
    assert ScoreSheet.objects.filter(tender=tender, round=1, submitted_at__isnull=False).count() == 5
    second = {r.bid_id: r.rank for r in BidResult.objects.filter(tender=tender, round=2)}
    assert second == {dear.pk: 1, cheap.pk: 2, middle.pk: 3}
    assert list(BidResult.objects.filter(tender=tender, round=1).order_by("bid_id").values()) == round_one
    assert AuditEntry.objects.filter(action="tender.evaluate", object_id=str(tender.pk)).count() == 2
    assert Notification.objects.filter(kind="evaluation.completed", key__endswith=":2").exists()
