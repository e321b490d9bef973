"""The score sheet and the committee report in the browser's terms: who gets them, what they show,
and what a form post saves (or, on bad input, does not)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from marketplace import services
from marketplace.models import Bid, BidResult, Score, ScoreSheet
from marketplace.procedures import EvaluationMethod
from tests.factories.evaluation import buyer_user, formed_committee, publicised_tender, score_all
from tests.factories.marketplace import opened_tender, vendor_of
from tests.marketplace.scoring.conftest import PRICES, bids_of, judgement, member_users

pytestmark = pytest.mark.django_db


@pytest.fixture
def browse(client):
    def as_user(user, method="get", url="", data=None):
        client.logout()
        if user is not None:
            client.force_login(user)
        client.cookies["django_language"] = "en"  # the portal speaks zh-Hans unless one chooses
        call = client.post if method == "post" else client.get
        return call(url, data or {}, HTTP_ACCEPT_LANGUAGE="en")

    return as_user


def sheet_url(tender):
    return reverse("marketplace:score-sheet", args=[tender.pk])


def report_url(tender):
    return reverse("marketplace:committee-report", args=[tender.pk])


def form_data(tender, rows=None, *, final=False):
    """Every bid qualified with 85.5 / 80, unless `rows` (bid pk -> fields) says otherwise."""
    data = {"final": "1" if final else ""}
    for bid in bids_of(tender):
        row = {"qualified": "on", "reason": "", "technical": "85.5", "business": "80", **(rows or {}).get(bid.pk, {})}
        for name, value in row.items():
            if value is not None:
                data[f"{name}_{bid.pk}"] = value
    return data


def _roles(tender, operator_user, outsider_expert, other_agency_user, regulator_in_scope):
    return {
        "anonymous": None,
        "bidder": Bid.objects.filter(tender=tender).first().submitted_by,
        "other_agency": other_agency_user,
        "buyer": buyer_user(tender),
        "member": member_users(tender)[0],
        "outsider_expert": outsider_expert,
        "operator": operator_user,
        "regulator": regulator_in_scope,
    }


SHEET = {"anonymous": 302, "member": 200}
REPORT = {"anonymous": 302, "member": 200, "buyer": 200, "operator": 200, "regulator": 200}


@pytest.mark.parametrize("concluded", [False, True], ids=["under-way", "concluded"])
def test_who_gets_the_score_sheet_and_the_report(
    browse, scoring_tender, operator_user, outsider_expert, other_agency_user, regulator_in_scope, concluded
):
    if concluded:
        score_all(scoring_tender)
    roles = _roles(scoring_tender, operator_user, outsider_expert, other_agency_user, regulator_in_scope)
    for role, user in roles.items():
        response = browse(user, url=sheet_url(scoring_tender))
        assert response.status_code == SHEET.get(role, 404), (role, "sheet")
        response = browse(user, url=report_url(scoring_tender))
        assert response.status_code == REPORT.get(role, 404), (role, "report")
        if role == "anonymous":
            assert response["Location"].startswith(reverse("accounts:login"))


def test_an_invited_member_is_asked_to_accept_first(browse):
    tender = opened_tender(prices=PRICES)
    committee = formed_committee(tender, accept=False)
    response = browse(committee.members.first().expert.person.user, url=sheet_url(tender))
    assert response.status_code == 409
    assert "Accept the invitation" in response.content.decode()


def test_the_sheet_lists_each_bid_with_its_documents_and_score_inputs(browse, scoring_tender):
    response = browse(member_users(scoring_tender)[0], url=sheet_url(scoring_tender))
    page = response.content.decode()
    assert response.status_code == 200
    for bid in bids_of(scoring_tender):
        assert bid.vendor.name in page
        assert bid.documents[0]["sha256"] in page
        assert bid.documents[0]["name"] in page
        for name in ("qualified", "reason", "technical", "business"):
            assert f'name="{name}_{bid.pk}"' in page
    assert "400,000.00" in page
    assert "Save draft" in page
    assert "Submit (final)" in page
    assert "0 of 5 members have submitted." in page


def test_scores_the_tender_does_not_weigh_get_no_input(browse):
    tender = opened_tender(
        prices=PRICES,
        evaluation_method=EvaluationMethod.LOWEST_EVALUATED_PRICE,
        price_weight_bp=10_000,
        technical_weight_bp=0,
        business_weight_bp=0,
    )
    formed_committee(tender)
    page = browse(member_users(tender)[0], url=sheet_url(tender)).content.decode()
    assert 'name="qualified_' in page
    assert 'name="technical_' not in page
    assert 'name="business_' not in page
    # and a submission needs no score
    member = member_users(tender)[0]
    data = {"final": "1", **{f"qualified_{bid.pk}": "on" for bid in bids_of(tender)}}
    assert browse(member, "post", sheet_url(tender), data).status_code == 302
    assert ScoreSheet.objects.get().submitted_at is not None


def test_a_draft_keeps_the_decimals_typed(browse, scoring_tender):
    member = member_users(scoring_tender)[0]
    cheap, middle, dear = bids_of(scoring_tender)
    data = form_data(
        scoring_tender,
        {
            cheap.pk: {"technical": "85.5", "business": "90.25"},
            middle.pk: {"qualified": None, "reason": "投标保证金未缴纳", "technical": "", "business": ""},
            dear.pk: {"technical": "", "business": ""},  # untouched: stays out of the draft
        },
    )
    response = browse(member, "post", sheet_url(scoring_tender), data)
    assert response.status_code == 302
    sheet = ScoreSheet.objects.get()
    assert sheet.submitted_at is None
    rows = sheet.scores.values_list("bid_id", "qualified", "technical", "business", "disqualification_reason")
    assert sorted(rows) == [
        (cheap.pk, True, 8_550, 9_025, ""),
        (middle.pk, False, 0, 0, "投标保证金未缴纳"),
    ]
    page = browse(member, url=sheet_url(scoring_tender)).content.decode()
    assert 'value="85.50"' in page
    assert "Draft saved at" in page


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("85.555", "Give at most two decimals."),
        ("100.01", "Scores are from 0 to 100 with at most two decimals."),
        ("-1", "This cannot be negative."),
        ("eighty", "Enter a number, such as 1234.56."),
    ],
)
def test_a_bad_score_is_a_field_error_and_nothing_is_saved(browse, scoring_tender, value, message):
    member = member_users(scoring_tender)[0]
    bid = bids_of(scoring_tender)[1]
    data = form_data(scoring_tender, {bid.pk: {"technical": value}})
    response = browse(member, "post", sheet_url(scoring_tender), data)
    assert response.status_code == 400
    page = response.content.decode()
    assert f'data-field="technical_{bid.pk}"' in page
    assert message in page
    assert not ScoreSheet.objects.exists()


def test_disqualifying_without_a_reason_is_a_field_error(browse, scoring_tender):
    member = member_users(scoring_tender)[0]
    bid = bids_of(scoring_tender)[0]
    data = form_data(scoring_tender, {bid.pk: {"qualified": None, "reason": " "}}, final=True)
    response = browse(member, "post", sheet_url(scoring_tender), data)
    assert response.status_code == 400
    assert f'data-field="reason_{bid.pk}"' in response.content.decode()
    assert "Give the reason for disqualifying a bid." in response.content.decode()
    assert not ScoreSheet.objects.exists()


def test_submitting_needs_every_qualified_bid_scored(browse, scoring_tender):
    member = member_users(scoring_tender)[0]
    bid = bids_of(scoring_tender)[2]
    data = form_data(scoring_tender, {bid.pk: {"business": ""}}, final=True)
    response = browse(member, "post", sheet_url(scoring_tender), data)
    assert response.status_code == 400
    assert "Score every qualified bid before submitting." in response.content.decode()
    assert not ScoreSheet.objects.exists()


def test_after_submitting_the_member_sees_a_read_only_sheet_and_the_progress(browse, scoring_tender):
    member = member_users(scoring_tender)[0]
    response = browse(member, "post", sheet_url(scoring_tender), form_data(scoring_tender, final=True))
    assert response.status_code == 302
    assert set(Score.objects.values_list("technical", "business")) == {(8_550, 8_000)}
    page = browse(member, url=sheet_url(scoring_tender)).content.decode()
    assert "You submitted your scores at" in page
    assert "1 of 5 members have submitted." in page
    assert 'name="technical_' not in page
    assert "85.50" in page
    # a second post is refused and changes nothing
    again = browse(member, "post", sheet_url(scoring_tender), form_data(scoring_tender, final=True))
    assert again.status_code == 409
    assert ScoreSheet.objects.count() == 1


def test_before_the_round_ends_the_report_shows_only_the_progress(browse, scoring_tender, regulator_in_scope):
    member = member_users(scoring_tender)[0]
    scores = [judgement(bid, technical=9_321) for bid in bids_of(scoring_tender)]
    services.score_sheet_save(actor=member, tender=scoring_tender, scores=scores, submit=True)
    page = browse(buyer_user(scoring_tender), url=report_url(scoring_tender)).content.decode()
    assert "has not concluded evaluation round 1" in page
    assert "1 of 5 members have submitted." in page
    assert member.person.name in page
    assert "93.21" not in page
    regulator_page = browse(regulator_in_scope, url=report_url(scoring_tender)).content.decode()
    assert "has not concluded evaluation round 1" in regulator_page
    assert "members have submitted" not in regulator_page


def test_the_report_lists_results_points_reasons_and_every_score(browse, scoring_tender):
    members = member_users(scoring_tender)
    cheap, middle, dear = bids_of(scoring_tender)
    for index, user in enumerate(members):
        scores = [
            judgement(cheap, technical=8_000, business=8_000),
            judgement(middle, technical=9_000 + index, business=9_000),
            judgement(dear, qualified=index > 2, reason=f"理由{index}" if index <= 2 else ""),
        ]
        services.score_sheet_save(actor=user, tender=scoring_tender, scores=scores, submit=True)
    response = browse(buyer_user(scoring_tender), url=report_url(scoring_tender))
    assert response.status_code == 200
    page = response.content.decode()
    # 450,000 yuan against the lowest 400,000 at 30 %: 26.67 points
    middle_result = BidResult.objects.get(bid=middle)
    assert middle_result.price_points == 2_667
    assert "26.67" in page
    assert f"{middle_result.total_points // 100}.{middle_result.total_points % 100:02d}" in page
    for reason in ("理由0", "理由1", "理由2"):
        assert reason in page
    for user in members:
        assert user.person.name in page
    for technical in ("90.00", "90.01", "90.02", "90.03", "90.04"):
        assert technical in page
    assert "Unsuccessful: 2 qualified bids" in page
    assert "@media" not in page or 'media="print"' in page


def test_the_report_offers_each_concluded_round(browse):
    tender = publicised_tender(prices=PRICES)
    challenger = Bid.objects.filter(tender=tender).order_by("price_fen").last().submitted_by
    challenge = services.challenge_submit(actor=challenger, tender=tender, vendor=vendor_of(challenger), grounds="异议")
    services.challenge_answer(actor=buyer_user(tender), challenge=challenge, answer="成立", upheld=True)
    tender.refresh_from_db()
    score_all(tender)
    buyer = buyer_user(tender)
    page = browse(buyer, url=report_url(tender)).content.decode()
    assert 'data-testid="round-selector"' in page
    assert 'href="?round=1"' in page
    assert 'data-testid="report-round">2<' in page
    assert 'data-testid="report-round">1<' in browse(buyer, url=report_url(tender) + "?round=1").content.decode()
    for bad in ("abc", "7", "0"):
        assert browse(buyer, url=f"{report_url(tender)}?round={bad}").status_code == 404


def test_the_report_page_takes_a_bounded_number_of_queries(client, django_assert_max_num_queries):
    small = opened_tender(prices=PRICES)
    formed_committee(small)
    big = opened_tender(bidders=8, prices=[40_000_000 + i * 100_000 for i in range(8)])
    formed_committee(big, size=9)
    for tender in (score_all(small), score_all(big)):
        client.force_login(buyer_user(tender))
        with django_assert_max_num_queries(14):
            assert client.get(report_url(tender)).status_code == 200
