"""Who sees what of the scoring: a member sees only their own sheet until every member has
submitted; the buyer sees who has submitted, never a score; after the round everyone allowed
sees the whole report, and nobody else sees anything."""

from __future__ import annotations

import dataclasses

import pytest
from django.contrib.auth.models import AnonymousUser

from marketplace import selectors, services
from marketplace.models import Bid, CommitteeMember
from marketplace.states import TenderState
from portal.errors import Conflict, NotFound
from tests.factories.evaluation import buyer_user, formed_committee, publicised_tender, score_all
from tests.factories.marketplace import opened_tender, vendor_of
from tests.marketplace.scoring.conftest import PRICES, bids_of, judgement, member_users

pytestmark = pytest.mark.django_db


def _half_scored(tender):
    """Member A submits (technical 91.00), member B keeps a draft (technical 62.50); three to go."""
    a, b = member_users(tender)[:2]
    services.score_sheet_save(
        actor=a, tender=tender, scores=[judgement(bid, technical=9_100) for bid in bids_of(tender)], submit=True
    )
    services.score_sheet_save(
        actor=b, tender=tender, scores=[judgement(bids_of(tender)[0], technical=6_250)], submit=False
    )
    return a, b


def test_before_everyone_submits_a_member_sees_only_their_own_sheet(scoring_tender):
    a, b = _half_scored(scoring_tender)
    own = selectors.score_sheet_for(user=a, tender=scoring_tender)
    assert own.member.expert.person.user == a
    assert own.final
    assert {score.technical for score in own.scores.values()} == {9_100}
    assert [bid.pk for bid in own.bids] == [bid.pk for bid in bids_of(scoring_tender)]
    assert (own.submitted, own.size, own.concluded, own.editable) == (1, 5, False, False)
    draft = selectors.score_sheet_for(user=b, tender=scoring_tender)
    assert {score.technical for score in draft.scores.values()} == {6_250}
    assert draft.editable
    assert not draft.final
    # and the report, which would show the others' scores, is not there yet
    for user in (a, b, buyer_user(scoring_tender)):
        with pytest.raises(Conflict, match="has not concluded evaluation round 1"):
            selectors.committee_report(user=user, tender=scoring_tender)


def test_before_everyone_submits_the_buyer_sees_who_has_submitted_and_no_score(scoring_tender):
    a, _b = _half_scored(scoring_tender)
    progress = selectors.evaluation_progress(user=buyer_user(scoring_tender), tender=scoring_tender)
    assert (progress.round, progress.size, progress.submitted, progress.concluded) == (1, 5, 1, False)
    names = {member.name: member.submitted_at is not None for member in progress.members}
    assert names == {user.person.name: user == a for user in member_users(scoring_tender)}
    # what the progress holds: names and times, nothing else
    assert [f.name for f in dataclasses.fields(progress.members[0])] == ["name", "submitted_at"]
    with pytest.raises(NotFound):
        selectors.score_sheet_for(user=buyer_user(scoring_tender), tender=scoring_tender)


def test_the_progress_is_for_the_buyer_members_and_operators_only(
    scoring_tender, operator_user, outsider_expert, other_agency_user, regulator_in_scope
):
    for user in (buyer_user(scoring_tender), member_users(scoring_tender)[0], operator_user):
        assert selectors.evaluation_progress(user=user, tender=scoring_tender).size == 5
    bidder = Bid.objects.filter(tender=scoring_tender).first().submitted_by
    for user in (AnonymousUser(), bidder, outsider_expert, other_agency_user, regulator_in_scope):
        with pytest.raises(NotFound):
            selectors.evaluation_progress(user=user, tender=scoring_tender)


def test_after_everyone_submits_everyone_allowed_sees_every_score(scoring_tender, operator_user, regulator_in_scope):
    members = member_users(scoring_tender)
    cheap, middle, dear = bids_of(scoring_tender)
    for index, user in enumerate(members):
        scores = [
            judgement(cheap, technical=7_000 + index),
            judgement(middle, technical=8_000 + index),
            judgement(dear, qualified=index != 0, reason="业绩证明不足" if index == 0 else "", technical=9_000 + index),
        ]
        services.score_sheet_save(actor=user, tender=scoring_tender, scores=scores, submit=True)
    for viewer in (members[0], members[4], buyer_user(scoring_tender), operator_user, regulator_in_scope):
        report = selectors.committee_report(user=viewer, tender=scoring_tender)
        assert (report.round, report.rounds) == (1, [1])
        assert [member.expert.person.user for member in report.members] == members
        (lot,) = report.lots
        assert (lot.qualified, lot.needed, lot.unsuccessful) == (3, 3, False)
        matrix = {
            row.result.bid_id: [s.technical if s.qualified else s.disqualification_reason for s in row.scores]
            for row in lot.rows
        }
        assert matrix == {
            cheap.pk: [7_000, 7_001, 7_002, 7_003, 7_004],
            middle.pk: [8_000, 8_001, 8_002, 8_003, 8_004],
            dear.pk: ["业绩证明不足", 9_001, 9_002, 9_003, 9_004],
        }
        assert [row.result.rank for row in lot.rows] == [1, 2, 3]


def test_the_report_is_nobodys_business_but_the_allowed(
    scoring_tender, outsider_expert, other_agency_user, regulator_elsewhere
):
    score_all(scoring_tender)
    bidder = Bid.objects.filter(tender=scoring_tender).first().submitted_by
    for user in (AnonymousUser(), bidder, outsider_expert, other_agency_user, regulator_elsewhere):
        with pytest.raises(NotFound):
            selectors.committee_report(user=user, tender=scoring_tender)
    # nor a round that never was
    with pytest.raises(NotFound):
        selectors.committee_report(user=buyer_user(scoring_tender), tender=scoring_tender, round=2)


def test_an_invited_member_sees_no_bids_before_accepting():
    tender = opened_tender(prices=PRICES)
    committee = formed_committee(tender, accept=False)
    invited = committee.members.first().expert.person.user
    with pytest.raises(Conflict, match="Accept the invitation"):
        selectors.score_sheet_for(user=invited, tender=tender)
    with pytest.raises(NotFound):
        selectors.committee_report(user=invited, tender=tender)


def test_a_declined_member_has_no_sheet(scoring_tender):
    member = CommitteeMember.objects.filter(committee__tender=scoring_tender).first()
    user = member.expert.person.user
    services.committee_member_decline(actor=user, member=member, declaration="与投标人存在亲属关系。")
    with pytest.raises(NotFound):
        selectors.score_sheet_for(user=user, tender=scoring_tender)


def test_a_concluded_sheet_still_lists_its_bids_after_the_tender_failed(scoring_tender):
    tender = score_all(scoring_tender, [judgement(b, qualified=False, reason="无效") for b in bids_of(scoring_tender)])
    assert tender.state == TenderState.FAILED
    sheet = selectors.score_sheet_for(user=member_users(tender)[0], tender=tender)
    assert len(sheet.bids) == 3
    assert sheet.concluded
    assert sheet.closed_reason == "Your scores for this round are submitted and can no longer change."


def test_in_a_second_round_the_report_shows_the_first_until_the_second_is_concluded():
    tender = publicised_tender(prices=PRICES)
    challenger = Bid.objects.filter(tender=tender).order_by("price_fen").last().submitted_by
    challenge = services.challenge_submit(
        actor=challenger, tender=tender, vendor=vendor_of(challenger), grounds="评分有误。"
    )
    services.challenge_answer(actor=buyer_user(tender), challenge=challenge, answer="质疑成立。", upheld=True)
    tender.refresh_from_db()
    buyer = buyer_user(tender)
    assert selectors.committee_report(user=buyer, tender=tender).round == 1
    with pytest.raises(Conflict, match="round 2"):
        selectors.committee_report(user=buyer, tender=tender, round=2)
    sheet = selectors.score_sheet_for(user=member_users(tender)[0], tender=tender)
    assert (sheet.round, sheet.sheet, sheet.editable) == (2, None, True)
    tender = score_all(tender)
    report = selectors.committee_report(user=buyer, tender=tender)
    assert (report.round, report.rounds) == (2, [1, 2])
    assert selectors.committee_report(user=buyer, tender=tender, round=1).round == 1


def test_the_report_takes_a_bounded_number_of_queries(django_assert_max_num_queries):
    small = opened_tender(prices=PRICES)
    formed_committee(small)
    score_all(small)
    big = opened_tender(bidders=8, prices=[40_000_000 + i * 100_000 for i in range(8)])
    formed_committee(big, size=9)
    score_all(big)
    for tender in (small, big):
        with django_assert_max_num_queries(7):
            report = selectors.committee_report(user=buyer_user(tender), tender=tender)
            for lot in report.lots:
                for row in lot.rows:
                    _ = (row.result.bid.vendor.name, row.result.lot.title, row.reasons)
                    _ = [score.technical for score in row.scores if score]
            _ = [member.expert.person.name for member in report.members]
