"""The API of the publicity, challenges, award and contracts, with its permission matrix over the
roles: anonymous, the winning vendor, a losing vendor, another vendor, the buyer, another agency,
an operator."""

from __future__ import annotations

import pytest

from marketplace import services
from marketplace.models import Challenge, ChallengeState, Contract, ContractState, MilestoneState, Tender
from marketplace.states import TenderState
from portal.audit.models import AuditEntry
from registry.roles import OrganisationKind, Role
from tests.factories import UserFactory
from tests.factories.evaluation import buyer_user
from tests.factories.marketplace import vendor_of
from tests.factories.registry import MembershipFactory, OrganisationFactory
from tests.marketplace.award.conftest import bidder_staff

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "winner", "loser", "other_vendor", "buyer", "other_agency", "operator"]
GROUNDS = "第一名的报价低于成本，请复核。"


def _people(tender, stranger_vendor, stranger_agency):
    winner, loser, _third = bidder_staff(tender)
    return {
        "anonymous": None,
        "winner": winner,
        "loser": loser,
        "other_vendor": stranger_vendor,
        "buyer": buyer_user(tender),
        "other_agency": stranger_agency,
        "operator": UserFactory(username="api-operator", is_staff=True, is_superuser=True),
    }


@pytest.fixture
def as_user(api_client):
    def sign_in(user):
        api_client.force_authenticate(user)
        return api_client

    return sign_in


def _refused(response, role):
    return response.status_code == (401 if role == "anonymous" else 403)


# --- publicity --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_only_the_buyer_publicises(as_user, evaluated, stranger_vendor, stranger_agency, role):
    client = as_user(_people(evaluated, stranger_vendor, stranger_agency)[role])

    response = client.post(f"/api/v1/tenders/{evaluated.pk}/publicise/", {"days": 4}, format="json")

    tender = Tender.objects.get(pk=evaluated.pk)
    if role == "buyer":
        assert response.status_code == 200, response.json()
        body = response.json()
        assert body["state"] == TenderState.PUBLICITY
        assert [c["rank"] for c in body["candidates"]] == [1, 2, 3]
        assert tender.state == TenderState.PUBLICITY
    else:
        assert _refused(response, role)
        assert tender.state == TenderState.EVALUATION


def test_publicity_under_3_days_is_a_400_on_days(as_user, evaluated):
    response = as_user(buyer_user(evaluated)).post(
        f"/api/v1/tenders/{evaluated.pk}/publicise/", {"days": 2}, format="json"
    )
    assert response.status_code == 400
    assert "days" in response.json()["fields"]
    assert Tender.objects.get(pk=evaluated.pk).state == TenderState.EVALUATION


@pytest.mark.parametrize("role", ROLES)
def test_the_candidate_notice_is_public(as_user, in_publicity, stranger_vendor, stranger_agency, role):
    client = as_user(_people(in_publicity, stranger_vendor, stranger_agency)[role])

    response = client.get(f"/api/v1/tenders/{in_publicity.pk}/candidates/")

    assert response.status_code == 200
    body = response.json()
    assert body["paused"] is False
    assert body["publicity_ends_at"] is not None
    rows = body["candidates"]
    assert [(row["rank"], row["price_fen"]) for row in rows] == [(1, 40_000_000), (2, 45_000_000), (3, 48_000_000)]
    assert set(rows[0]) == {
        "lot",
        "lot_number",
        "lot_title",
        "rank",
        "bid",
        "bidder",
        "bidder_name",
        "price_fen",
        "total_points",
    }


def test_the_candidates_are_a_409_before_the_publicity(api_client, evaluated):
    assert api_client.get(f"/api/v1/tenders/{evaluated.pk}/candidates/").status_code == 409


# --- challenges -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_bidders_challenge(as_user, in_publicity, stranger_vendor, stranger_agency, role):
    client = as_user(_people(in_publicity, stranger_vendor, stranger_agency)[role])

    response = client.post(f"/api/v1/tenders/{in_publicity.pk}/challenges/", {"grounds": GROUNDS}, format="json")

    if role in ("winner", "loser"):
        assert response.status_code == 201, response.json()
        body = response.json()
        assert body["state"] == ChallengeState.PENDING
        assert body["own"] is True
        assert body["challenger"] is not None
        challenge = Challenge.objects.get()
        assert AuditEntry.objects.filter(action="challenge.submit", object_id=str(challenge.pk)).exists()
    else:
        assert _refused(response, role)
        assert not Challenge.objects.exists()


@pytest.mark.parametrize("role", ROLES)
def test_who_sees_which_challenge(as_user, in_publicity, stranger_vendor, stranger_agency, role):
    people = _people(in_publicity, stranger_vendor, stranger_agency)
    loser = people["loser"]
    _winner, _loser, third = bidder_staff(in_publicity)
    answered = services.challenge_submit(
        actor=third, tender=in_publicity, vendor=vendor_of(third), grounds="评分有误。"
    )
    services.challenge_answer(actor=people["buyer"], challenge=answered, answer="不成立。", upheld=False)
    pending = services.challenge_submit(actor=loser, tender=in_publicity, vendor=vendor_of(loser), grounds=GROUNDS)
    client = as_user(people[role])

    rows = client.get(f"/api/v1/tenders/{in_publicity.pk}/challenges/").json()
    one_pending = client.get(f"/api/v1/challenges/{pending.pk}/")

    by_id = {row["id"]: row for row in rows}
    sees_pending = role in ("loser", "buyer")
    assert set(by_id) == ({answered.pk, pending.pk} if sees_pending else {answered.pk})
    assert one_pending.status_code == (200 if sees_pending else 404)
    assert by_id[answered.pk]["answer"] == "不成立。"
    assert by_id[answered.pk]["challenger"] == (vendor_of(third).name if role == "buyer" else None)
    if sees_pending:
        assert by_id[pending.pk]["challenger"] == vendor_of(loser).name
    assert "vendor" not in rows[0]


def test_a_vendor_of_several_organisations_names_one(as_user, in_publicity):
    _winner, loser, _third = bidder_staff(in_publicity)
    MembershipFactory(
        organisation=OrganisationFactory(kind=OrganisationKind.VENDOR, region_code="440300", verified=True),
        user=loser,
        role=Role.VENDOR_STAFF,
    )
    client = as_user(loser)
    url = f"/api/v1/tenders/{in_publicity.pk}/challenges/"

    unnamed = client.post(url, {"grounds": GROUNDS}, format="json")
    assert unnamed.status_code == 400
    assert "vendor" in unnamed.json()["fields"]

    named = client.post(url, {"grounds": GROUNDS, "vendor": vendor_of_first(loser, in_publicity).pk}, format="json")
    assert named.status_code == 201


def vendor_of_first(user, tender):
    """The user's organisation that bid on the tender."""
    return tender.bids.get(vendor__memberships__user=user).vendor


@pytest.mark.parametrize("role", ROLES)
def test_only_the_buyer_answers(as_user, in_publicity, stranger_vendor, stranger_agency, role):
    people = _people(in_publicity, stranger_vendor, stranger_agency)
    loser = people["loser"]
    challenge = services.challenge_submit(actor=loser, tender=in_publicity, vendor=vendor_of(loser), grounds=GROUNDS)
    client = as_user(people[role])

    response = client.post(
        f"/api/v1/challenges/{challenge.pk}/answer/", {"answer": "不成立。", "upheld": False}, format="json"
    )

    challenge.refresh_from_db()
    if role == "buyer":
        assert response.status_code == 200
        assert response.json()["state"] == ChallengeState.REJECTED
        assert challenge.state == ChallengeState.REJECTED
    else:
        # The challenger sees its pending challenge but may not answer; to others it does not exist.
        expected = {"anonymous": 401, "loser": 403}.get(role, 404)
        assert response.status_code == expected
        assert challenge.state == ChallengeState.PENDING


def test_an_upheld_answer_reopens_the_evaluation_and_a_second_answer_is_a_409(as_user, in_publicity):
    _winner, loser, _third = bidder_staff(in_publicity)
    challenge = services.challenge_submit(actor=loser, tender=in_publicity, vendor=vendor_of(loser), grounds=GROUNDS)
    client = as_user(buyer_user(in_publicity))
    url = f"/api/v1/challenges/{challenge.pk}/answer/"

    assert client.post(url, {"answer": "成立。", "upheld": True}, format="json").status_code == 200
    assert client.post(url, {"answer": "不成立。", "upheld": False}, format="json").status_code == 409

    tender = Tender.objects.get(pk=in_publicity.pk)
    assert (tender.state, tender.evaluation_round) == (TenderState.EVALUATION, 2)


# --- award ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_only_the_buyer_awards(as_user, after_window, stranger_vendor, stranger_agency, role):
    people = _people(after_window, stranger_vendor, stranger_agency)
    client = as_user(people[role])

    response = client.post(f"/api/v1/tenders/{after_window.pk}/award/")

    if role == "buyer":
        assert response.status_code == 201
        (body,) = response.json()
        assert body["state"] == ContractState.PENDING
        assert body["supplier"]["id"] == vendor_of(people["winner"]).pk
        assert body["value_fen"] == 40_000_000
        assert sum(m["amount_fen"] for m in body["milestones"]) == 40_000_000
        assert body["allowed_actions"] == ["sign", "milestones", "terminate"]
    else:
        assert _refused(response, role)
        assert not Contract.objects.exists()


def test_award_during_the_window_is_a_409(as_user, in_publicity):
    response = as_user(buyer_user(in_publicity)).post(f"/api/v1/tenders/{in_publicity.pk}/award/")
    assert response.status_code == 409
    assert not Contract.objects.exists()


# --- contracts ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_contract_lists(as_user, awarded, stranger_vendor, stranger_agency, role):
    tender, contract = awarded
    client = as_user(_people(tender, stranger_vendor, stranger_agency)[role])

    mine = client.get("/api/v1/contracts/")
    public = client.get("/api/v1/contracts/", {"scope": "public"})
    one = client.get(f"/api/v1/contracts/{contract.pk}/")

    assert mine.status_code == public.status_code == one.status_code == 200
    party = role in ("winner", "buyer")
    assert [row["id"] for row in mine.json()["results"]] == ([contract.pk] if party else [])
    assert [row["id"] for row in public.json()["results"]] == [contract.pk]
    body = one.json()
    assert body["reference"] == contract.reference
    assert [m["share_bp"] for m in body["milestones"]] == [3_000, 7_000]
    expected_actions = {"buyer": ["sign", "milestones", "terminate"], "winner": ["sign"]}.get(role, [])
    assert body["allowed_actions"] == expected_actions


def test_the_contract_list_costs_a_fixed_number_of_queries(api_client, awarded, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        assert api_client.get("/api/v1/contracts/", {"scope": "public"}).status_code == 200


@pytest.mark.parametrize("role", ROLES)
def test_only_the_buyer_sets_milestones(as_user, awarded, stranger_vendor, stranger_agency, role):
    tender, contract = awarded
    client = as_user(_people(tender, stranger_vendor, stranger_agency)[role])
    body = {
        "milestones": [
            {"title": "启动", "share": "33.33", "due_on": None},
            {"title": "中期", "share": "33.33", "due_on": "2031-03-31"},
            {"title": "验收", "share": "33.34"},
        ]
    }

    response = client.put(f"/api/v1/contracts/{contract.pk}/milestones/", body, format="json")

    shares = list(contract.milestones.order_by("position").values_list("share_bp", flat=True))
    if role == "buyer":
        assert response.status_code == 200, response.json()
        assert [m["amount_fen"] for m in response.json()["milestones"]] == [13_332_000, 13_332_000, 13_336_000]
        assert shares == [3_333, 3_333, 3_334]
    else:
        assert _refused(response, role)
        assert shares == [3_000, 7_000]


@pytest.mark.parametrize(
    ("milestones", "field"),
    [
        ([{"title": "一", "share": "50"}, {"title": "二", "share": "49.99"}], "milestones"),
        ([{"title": "一", "share": "100.001"}], "milestones.0.share"),
        ([{"title": "一", "share": "-100"}], "milestones.0.share"),
        ([{"title": "", "share": "100"}], "milestones.0.title"),
        ([], "milestones"),
    ],
    ids=["not-100", "three-decimals", "negative", "no-title", "empty"],
)
def test_bad_milestones_are_a_400_and_change_nothing(as_user, contract, milestones, field):
    response = as_user(buyer_user(contract.tender)).put(
        f"/api/v1/contracts/{contract.pk}/milestones/", {"milestones": milestones}, format="json"
    )
    assert response.status_code == 400
    assert field in response.json()["fields"], response.json()
    assert list(contract.milestones.values_list("share_bp", flat=True)) == [3_000, 7_000]


@pytest.mark.parametrize("role", ROLES)
def test_parties_sign(as_user, awarded, stranger_vendor, stranger_agency, role):
    tender, contract = awarded
    client = as_user(_people(tender, stranger_vendor, stranger_agency)[role])

    response = client.post(f"/api/v1/contracts/{contract.pk}/sign/")

    contract.refresh_from_db()
    if role in ("winner", "buyer"):
        assert response.status_code == 200
        assert response.json()["allowed_actions"] == (["terminate"] if role == "buyer" else [])
        assert (contract.buyer_signed_at if role == "buyer" else contract.supplier_signed_at) is not None
    else:
        assert _refused(response, role)
        assert contract.buyer_signed_at is None
        assert contract.supplier_signed_at is None


def test_the_api_runs_a_contract_to_completion(as_user, awarded):
    tender, contract = awarded
    winner, *_ = bidder_staff(tender)
    buyer = as_user(buyer_user(tender))
    assert buyer.post(f"/api/v1/contracts/{contract.pk}/sign/").status_code == 200
    supplier = as_user(winner)
    signed = supplier.post(f"/api/v1/contracts/{contract.pk}/sign/")
    assert signed.json()["state"] == ContractState.ACTIVE
    assert (
        supplier.post(f"/api/v1/contracts/{contract.pk}/terminate/", {"reason": "x"}, format="json").status_code == 403
    )

    buyer = as_user(buyer_user(tender))
    first, last = contract.milestones.order_by("position")
    assert buyer.post(f"/api/v1/contracts/{contract.pk}/milestones/{first.pk}/met/").status_code == 200
    assert buyer.post(f"/api/v1/contracts/{contract.pk}/milestones/{first.pk}/met/").status_code == 409
    done = buyer.post(f"/api/v1/contracts/{contract.pk}/milestones/{last.pk}/met/")

    assert done.status_code == 200
    assert done.json()["state"] == ContractState.COMPLETED
    assert {m["state"] for m in done.json()["milestones"]} == {MilestoneState.MET}
    assert buyer.post(f"/api/v1/contracts/{contract.pk}/terminate/", {"reason": "x"}, format="json").status_code == 409


def test_termination_needs_a_reason_and_ends_the_signing(as_user, awarded):
    tender, contract = awarded
    winner, *_ = bidder_staff(tender)
    buyer = as_user(buyer_user(tender))
    missing = buyer.post(f"/api/v1/contracts/{contract.pk}/terminate/", {"reason": "  "}, format="json")
    assert missing.status_code == 400
    assert "reason" in missing.json()["fields"]

    done = buyer.post(f"/api/v1/contracts/{contract.pk}/terminate/", {"reason": "中标人放弃。"}, format="json")

    assert done.status_code == 200
    assert done.json()["termination_reason"] == "中标人放弃。"
    assert as_user(winner).post(f"/api/v1/contracts/{contract.pk}/sign/").status_code == 409
    assert Contract.objects.get(pk=contract.pk).state == ContractState.TERMINATED


def test_an_unknown_milestone_is_a_400(as_user, awarded):
    tender, contract = awarded
    winner, *_ = bidder_staff(tender)
    as_user(buyer_user(tender)).post(f"/api/v1/contracts/{contract.pk}/sign/")
    as_user(winner).post(f"/api/v1/contracts/{contract.pk}/sign/")
    response = as_user(buyer_user(tender)).post(f"/api/v1/contracts/{contract.pk}/milestones/999999/met/")
    assert response.status_code == 400
