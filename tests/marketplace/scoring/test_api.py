"""GET/PUT /api/v1/tenders/{id}/score-sheet/ and GET /api/v1/tenders/{id}/committee-report/."""

from __future__ import annotations

import pytest

from marketplace.models import Bid, BidResult, Score, ScoreSheet
from tests.factories.evaluation import buyer_user, formed_committee, score_all
from tests.factories.marketplace import opened_tender
from tests.marketplace.scoring.conftest import PRICES, bids_of, member_users

pytestmark = pytest.mark.django_db


def sheet_url(tender):
    return f"/api/v1/tenders/{tender.pk}/score-sheet/"


def report_url(tender, query=""):
    return f"/api/v1/tenders/{tender.pk}/committee-report/{query}"


def body(tender, *, submit=False, technical="85.50", business="80", **overrides):
    scores = [
        {"bid": bid.pk, "qualified": True, "technical": technical, "business": business, "reason": ""}
        for bid in bids_of(tender)
    ]
    for index, changes in overrides.get("rows", {}).items():
        scores[index].update(changes)
    return {"scores": scores, "submit": submit}


@pytest.fixture
def roles(scoring_tender, operator_user, outsider_expert, other_agency_user, regulator_in_scope, regulator_elsewhere):
    return {
        "anonymous": None,
        "vendor_bidder": Bid.objects.filter(tender=scoring_tender).first().submitted_by,
        "other_agency": other_agency_user,
        "buyer": buyer_user(scoring_tender),
        "member_expert": member_users(scoring_tender)[0],
        "non_member_expert": outsider_expert,
        "operator": operator_user,
        "regulator_in_scope": regulator_in_scope,
        "regulator_elsewhere": regulator_elsewhere,
    }


ROLES = [
    "anonymous",
    "vendor_bidder",
    "other_agency",
    "buyer",
    "member_expert",
    "non_member_expert",
    "operator",
    "regulator_in_scope",
    "regulator_elsewhere",
]
SHEET_GET = {"anonymous": 401, "member_expert": 200}
SHEET_PUT = {"anonymous": 401, "member_expert": 200}
REPORT_BEFORE = {"anonymous": 401, "buyer": 409, "member_expert": 409, "operator": 409, "regulator_in_scope": 409}
REPORT_AFTER = {"anonymous": 401, "buyer": 200, "member_expert": 200, "operator": 200, "regulator_in_scope": 200}


def _as(api_client, user):
    api_client.force_authenticate(user)
    return api_client


@pytest.mark.parametrize("role", ROLES)
def test_score_sheet_permission_matrix(api_client, scoring_tender, roles, role):
    client = _as(api_client, roles[role])
    assert client.get(sheet_url(scoring_tender)).status_code == SHEET_GET.get(role, 404)
    response = client.put(sheet_url(scoring_tender), body(scoring_tender), format="json")
    assert response.status_code == SHEET_PUT.get(role, 404)
    saved = ScoreSheet.objects.filter(tender=scoring_tender)
    if role == "member_expert":
        assert saved.get().member.expert.person.user == roles[role]
    else:
        assert not saved.exists()


@pytest.mark.parametrize("role", ROLES)
def test_committee_report_permission_matrix(api_client, scoring_tender, roles, role):
    client = _as(api_client, roles[role])
    before = client.get(report_url(scoring_tender), HTTP_ACCEPT_LANGUAGE="en")
    assert before.status_code == REPORT_BEFORE.get(role, 404)
    if before.status_code == 409:
        assert before.json()["code"] == "conflict"
        assert "has not concluded evaluation round 1" in before.json()["message"]
    score_all(scoring_tender)
    after = client.get(report_url(scoring_tender))
    assert after.status_code == REPORT_AFTER.get(role, 404)
    if after.status_code == 200:
        assert len(after.json()["members"]) == 5


def test_a_member_saves_a_draft_in_decimal_strings_then_submits(api_client, scoring_tender):
    member = member_users(scoring_tender)[0]
    client = _as(api_client, member)
    fresh = client.get(sheet_url(scoring_tender)).json()
    assert (fresh["status"], fresh["round"], fresh["editable"], fresh["scores"]) == ("new", 1, True, [])
    assert [b["price_fen"] for b in fresh["bids"]] == PRICES
    assert fresh["bids"][0]["documents"][0]["sha256"] == bids_of(scoring_tender)[0].documents[0]["sha256"]
    assert (fresh["technical_weight_bp"], fresh["business_weight_bp"]) == (6_000, 1_000)
    # a draft
    draft = client.put(sheet_url(scoring_tender), body(scoring_tender), format="json")
    assert draft.status_code == 200
    assert draft.json()["status"] == "draft"
    assert {(s["technical"], s["business"]) for s in draft.json()["scores"]} == {("85.50", "80.00")}
    assert set(Score.objects.values_list("technical", "business")) == {(8_550, 8_000)}
    # the final sheet
    final = client.put(sheet_url(scoring_tender), body(scoring_tender, submit=True, technical=90), format="json")
    assert final.status_code == 200
    data = final.json()
    assert (data["status"], data["editable"], data["submitted"], data["size"]) == ("submitted", False, 1, 5)
    assert data["submitted_at"] is not None
    assert set(Score.objects.values_list("technical", flat=True)) == {9_000}
    # and no second one
    again = client.put(sheet_url(scoring_tender), body(scoring_tender, submit=True, technical="70"), format="json")
    assert again.status_code == 409
    assert again.json()["code"] == "conflict"
    assert set(Score.objects.values_list("technical", flat=True)) == {9_000}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"technical": "85.555"}, "scores.1.technical"),
        ({"technical": "-3"}, "scores.1.technical"),
        ({"technical": True}, "scores.1.technical"),
        ({"business": "1e2"}, "scores.1.business"),
        ({"technical": "100.01"}, "scores"),
        ({"qualified": False, "reason": ""}, "scores"),
        ({"bid": 0}, "scores"),
    ],
)
def test_bad_input_answers_400_and_saves_nothing(api_client, scoring_tender, changes, field):
    client = _as(api_client, member_users(scoring_tender)[0])
    response = client.put(sheet_url(scoring_tender), body(scoring_tender, rows={1: changes}), format="json")
    assert response.status_code == 400
    assert field in response.json()["fields"]
    assert not ScoreSheet.objects.exists()


def test_an_invited_member_is_told_to_accept_first(api_client):
    tender = opened_tender(prices=PRICES)
    committee = formed_committee(tender, accept=False)
    client = _as(api_client, committee.members.first().expert.person.user)
    assert client.get(sheet_url(tender)).status_code == 409
    assert client.put(sheet_url(tender), {"scores": [], "submit": False}, format="json").status_code == 409


def test_the_report_lists_points_as_decimal_strings(api_client, scoring_tender):
    score_all(scoring_tender)
    data = _as(api_client, buyer_user(scoring_tender)).get(report_url(scoring_tender)).json()
    assert (data["round"], data["rounds"], data["price_weight_bp"]) == (1, [1], 3_000)
    (lot,) = data["lots"]
    assert (lot["qualified"], lot["needed"], lot["unsuccessful"]) == (3, 3, False)
    first, second, third = lot["results"]
    assert (first["rank"], first["price_fen"], first["price_points"], first["total_points"]) == (
        1,
        40_000_000,
        "30.00",
        "86.00",
    )
    assert (second["price_points"], second["technical_points"], second["business_points"]) == ("26.67", "48.00", "8.00")
    assert second["total_points"] == "82.67"
    assert third["price_points"] == "25.00"
    assert len(first["scores"]) == 5
    assert first["scores"][0] == {
        "member": data["members"][0]["member"],
        "qualified": True,
        "reason": "",
        "technical": "80.00",
        "business": "80.00",
    }
    assert BidResult.objects.get(bid_id=second["bid"]).price_points == 2_667


@pytest.mark.parametrize(
    ("query", "status"), [("?round=abc", 400), ("?round=0", 400), ("?round=2", 404), ("?round=1", 200)]
)
def test_the_report_round_parameter(api_client, scoring_tender, query, status):
    score_all(scoring_tender)
    response = _as(api_client, buyer_user(scoring_tender)).get(report_url(scoring_tender, query))
    assert response.status_code == status


def test_the_report_takes_a_bounded_number_of_queries(api_client, django_assert_max_num_queries):
    small = opened_tender(prices=PRICES)
    formed_committee(small)
    big = opened_tender(bidders=8, prices=[40_000_000 + i * 100_000 for i in range(8)])
    formed_committee(big, size=9)
    for tender in (score_all(small), score_all(big)):
        client = _as(api_client, buyer_user(tender))
        with django_assert_max_num_queries(9):
            response = client.get(report_url(tender))
        assert response.status_code == 200
        assert sum(len(lot["results"]) for lot in response.json()["lots"]) == Bid.objects.filter(tender=tender).count()
