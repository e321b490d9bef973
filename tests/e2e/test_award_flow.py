"""From the opening to a signed contract, in the browser: the agency forms a committee of five; one
expert drawn declines with a declaration and a replacement is drawn; the others accept and score
(typed decimals, one minority disqualification); the agency reads the committee report and
publishes the candidates; a losing bidder challenges, the tender is paused, the agency rejects the
challenge; once the window is over the agency awards; the winner reads the award and the contract
with its milestones and signs, the agency signs, and the contract is active."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from marketplace.models import (
    Award,
    Bid,
    Challenge,
    ChallengeState,
    Committee,
    CommitteeMember,
    Contract,
    ContractState,
    MemberState,
    ScoreSheet,
    Tender,
)
from marketplace.states import TenderState
from portal.notifications.models import Notification
from tests.e2e.session import sign_in, sign_out
from tests.factories.evaluation import buyer_user, expert_pool, expert_user, publicity_over
from tests.factories.marketplace import opened_tender

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PRICES = [40_000_000, 41_000_000, 42_000_000]
DECLARATION = "本人近两年在投标人处兼职。"
DISQUALIFICATION_REASON = "报价单未加盖公章。"
GROUNDS = "第一候选人的技术方案不满足招标文件第三章要求。"
ANSWER = "经复核，第一候选人的技术方案满足要求，质疑不成立。"


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def english(page, live_server, settings):
    """The page, with English chosen in the language switch (the portal speaks zh-Hans otherwise)."""
    page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": live_server.url}])
    return page


def _staff(bid: Bid):
    return bid.vendor.memberships.first().user


def _invitations(page, base: str) -> None:
    page.goto(f"{base}/tenders/")
    page.get_by_test_id("nav-invitations").click()
    expect(page.get_by_test_id("seat-row")).to_have_count(1)


def _score(page, base: str, bids: list[Bid], index: int) -> None:
    """An accepted member fills the score sheet and submits it; the first member disqualifies the
    dearest bid (a minority of one)."""
    _invitations(page, base)
    page.get_by_test_id("score-sheet").click()
    expect(page.get_by_test_id("score-row")).to_have_count(len(bids))
    for rank, bid in enumerate(bids):
        row = page.locator(f"[data-testid=score-row][data-bid='{bid.pk}']")
        if index == 0 and rank == 2:
            row.locator(f"input[name=qualified_{bid.pk}]").uncheck()
            row.locator(f"textarea[name=reason_{bid.pk}]").fill(DISQUALIFICATION_REASON)
            continue
        row.locator(f"input[name=technical_{bid.pk}]").fill(f"{85 - rank}.{index}5")
        row.locator(f"input[name=business_{bid.pk}]").fill("80.5")
    page.get_by_test_id("submit-final").click()
    expect(page.get_by_test_id("submitted-notice")).to_be_visible()
    expect(page.get_by_test_id("own-score-row")).to_have_count(len(bids))


def test_committee_to_signed_contract_in_the_browser(english, live_server):
    page, base = english, live_server.url
    tender = opened_tender(prices=PRICES)
    pool = expert_pool(7, modality=tender.lots.get().modality)
    bids = list(tender.bids.order_by("price_fen"))
    agency, winner, loser = buyer_user(tender).username, _staff(bids[0]).username, _staff(bids[2]).username

    # The agency opens the tender and forms a committee of five.
    sign_in(page, live_server, agency)
    page.goto(f"{base}/tenders/{tender.pk}/")
    page.get_by_test_id("link-committee").click()
    page.fill("input[name=size]", "5")
    page.get_by_test_id("form-committee").click()
    expect(page.get_by_test_id("member-row")).to_have_count(5)
    committee = Committee.objects.get(tender=tender)
    draw = committee.draws.get()
    expect(page.get_by_test_id("draw-row")).to_have_count(1)
    expect(page.get_by_test_id("draws")).to_contain_text(draw.seed)
    expect(page.get_by_test_id("draws")).to_contain_text(draw.digest)
    assert committee.size == 5
    assert committee.members.count() == 5
    sign_out(page)

    # The first expert drawn declines, declaring a conflict; a replacement is drawn at once.
    members = list(committee.members.select_related("expert__person__user").order_by("pk"))
    sign_in(page, live_server, expert_user(members[0].expert).username)
    _invitations(page, base)
    expect(page.get_by_test_id("seat-row")).to_contain_text(tender.reference)
    page.get_by_test_id("decline").click()
    page.fill("textarea[name=declaration]", DECLARATION)
    page.get_by_test_id("confirm-decline").click()
    expect(page.get_by_test_id("seat-row")).to_contain_text(DECLARATION)
    sign_out(page)
    assert committee.draws.count() == 2
    seated = list(committee.members.exclude(state=MemberState.DECLINED).order_by("pk"))
    assert len(seated) == 5
    assert {m.expert_id for m in seated} <= {e.pk for e in pool}

    # The others and the replacement accept.
    experts = [expert_user(member.expert).username for member in seated]
    for username in experts:
        sign_in(page, live_server, username)
        _invitations(page, base)
        page.get_by_test_id("accept").click()
        expect(page.get_by_test_id("score-sheet")).to_be_visible()
        sign_out(page)
    assert CommitteeMember.objects.filter(committee=committee, state=MemberState.ACCEPTED).count() == 5

    # The agency's committee page shows the declined seat, its declaration and the second draw.
    sign_in(page, live_server, agency)
    page.goto(f"{base}/tenders/{tender.pk}/committee/")
    expect(page.get_by_test_id("member-row")).to_have_count(6)
    expect(page.get_by_test_id("members")).to_contain_text(DECLARATION)
    expect(page.get_by_test_id("draw-row")).to_have_count(2)
    expect(page.get_by_test_id("draws")).to_contain_text(committee.draws.get(round=2).digest)
    sign_out(page)

    # Each member scores and submits.
    for index, username in enumerate(experts):
        sign_in(page, live_server, username)
        _score(page, base, bids, index)
        sign_out(page)
    assert ScoreSheet.objects.filter(tender=tender, submitted_at__isnull=False).count() == 5
    tender.refresh_from_db()
    assert tender.state == TenderState.EVALUATION

    # The agency reads the committee report, every score listed, and publishes the candidates.
    sign_in(page, live_server, agency)
    page.goto(f"{base}/tenders/{tender.pk}/")
    page.get_by_test_id("link-committee-report").click()
    expect(page.get_by_test_id("result-row")).to_have_count(3)
    expect(page.get_by_test_id("matrix-cell")).to_have_count(3 * 5)
    matrix = page.get_by_test_id("score-matrix")
    for index in range(5):
        expect(matrix).to_contain_text(f"technical 85.{index}5")
    expect(matrix).to_contain_text(DISQUALIFICATION_REASON)
    page.goto(f"{base}/tenders/{tender.pk}/")
    page.get_by_test_id("link-candidates").click()
    page.get_by_test_id("publicise").click()
    expect(page.get_by_test_id("candidate-row")).to_have_count(3)
    expect(page.get_by_test_id("candidate-table")).to_contain_text(bids[0].vendor.name)
    assert Tender.objects.get(pk=tender.pk).state == TenderState.PUBLICITY
    sign_out(page)

    # A losing bidder challenges the candidates.
    sign_in(page, live_server, loser)
    page.goto(f"{base}/tenders/{tender.pk}/candidates/")
    page.get_by_test_id("action-challenge").click()
    page.fill("textarea[name=grounds]", GROUNDS)
    page.get_by_test_id("challenge").click()
    expect(page.get_by_test_id("challenge-item")).to_contain_text(GROUNDS)
    challenge = Challenge.objects.get(tender=tender)
    assert challenge.state == ChallengeState.PENDING
    sign_out(page)

    # The agency sees the tender paused and answers: rejected.
    sign_in(page, live_server, agency)
    page.goto(f"{base}/tenders/{tender.pk}/candidates/")
    expect(page.get_by_test_id("paused")).to_be_visible()
    expect(page.get_by_test_id("award")).to_have_count(0)
    page.get_by_test_id("action-challenges").click()
    answer_form = page.get_by_test_id("answer-form")
    answer_form.locator("textarea").fill(ANSWER)
    answer_form.locator("input[value=rejected]").check()
    page.get_by_test_id("answer").click()
    expect(page.get_by_test_id("challenge-item")).to_contain_text(ANSWER)
    challenge.refresh_from_db()
    assert challenge.state == ChallengeState.REJECTED

    # The publicity window runs out (the one shortcut), and the agency awards.
    publicity_over(tender)
    page.goto(f"{base}/tenders/{tender.pk}/candidates/")
    expect(page.get_by_test_id("paused")).to_have_count(0)
    page.get_by_test_id("award").click()
    expect(page.get_by_test_id("award-row")).to_contain_text(bids[0].vendor.name)
    award = Award.objects.get(tender=tender)
    assert (award.bid_id, award.value_fen) == (bids[0].pk, PRICES[0])
    contract = Contract.objects.get(tender=tender)
    assert contract.state == ContractState.PENDING
    sign_out(page)

    # The winner is notified, reads the award notice and the contract with its milestones, and signs.
    sign_in(page, live_server, winner)
    page.get_by_test_id("nav-notifications").click()
    won = page.get_by_test_id("notification").filter(has_text=f"You won lot 1 of {tender.reference}")
    expect(won).to_have_count(1)
    page.goto(f"{base}/tenders/{tender.pk}/")
    page.get_by_test_id("link-award").click()
    expect(page.get_by_test_id("award-row")).to_contain_text(contract.reference)
    won_link = f"/tenders/contracts/{contract.pk}/"
    page.get_by_test_id("nav-notifications").click()
    page.get_by_test_id("notification").filter(has_text=f"You won lot 1 of {tender.reference}").locator(
        f"a[href='{won_link}']"
    ).click()
    expect(page.get_by_test_id("contract-value")).to_contain_text("400,000.00")
    expect(page.get_by_test_id("milestone-row")).to_have_count(2)
    expect(page.get_by_test_id("milestone-table")).to_contain_text("120,000.00")  # 30 % of the value
    page.get_by_test_id("sign").click()
    expect(page.get_by_test_id("awaiting-other")).to_be_visible()
    sign_out(page)

    # The agency signs: the contract is active.
    sign_in(page, live_server, agency)
    page.goto(f"{base}/tenders/")
    page.get_by_test_id("nav-contracts").click()
    page.get_by_test_id("contract-row").get_by_role("link", name=contract.reference).click()
    page.get_by_test_id("sign").click()
    expect(page.get_by_test_id("contract-state")).to_have_text(str(ContractState.ACTIVE.label))
    contract.refresh_from_db()
    assert contract.state == ContractState.ACTIVE
    assert contract.buyer_signed_at
    assert contract.supplier_signed_at
    assert Tender.objects.get(pk=tender.pk).state == TenderState.AWARDED
    assert Notification.objects.filter(user__username=winner, kind="award.won").count() == 1
