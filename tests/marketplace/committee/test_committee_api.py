"""The committee over the API: forming it, reading it, and the experts' seats."""

from __future__ import annotations

import pytest

from marketplace import committee_draw, services
from marketplace.models import Committee, CommitteeDraw, MemberState
from portal.audit.models import AuditEntry
from portal.notifications.models import Notification
from tests.factories.evaluation import expert_pool
from tests.factories.marketplace import TenderFactory
from tests.marketplace.committee.conftest import ROLES, seat_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_role(api_client, user_for):
    def sign_in(role: str):
        user = user_for(role)
        api_client.force_authenticate(user)
        return api_client

    return sign_in


def _url(tender):
    return f"/api/v1/tenders/{tender.pk}/committee/"


# --- forming ------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [role for role in ROLES if role != "member"])  # no members before it is formed
def test_forming_is_for_the_buyers_staff(as_role, tender, pool, role):
    response = as_role(role).post(_url(tender), {"size": 5}, format="json")

    expected = {"anonymous": 401, "buyer": 201}.get(role, 403)
    assert response.status_code == expected
    assert Committee.objects.filter(tender=tender).exists() is (expected == 201)
    if expected == 201:
        body = response.json()
        committee = Committee.objects.get(tender=tender)
        draw = committee.draws.get()
        assert body["size"] == 5
        assert body["open_seats"] == 0
        assert sorted(m["expert"] for m in body["members"]) == sorted(draw.drawn)
        assert {m["state"] for m in body["members"]} == {"invited"}
        assert {m["round"] for m in body["members"]} == {1}
        (record,) = body["draws"]
        assert record["round"] == 1
        assert record["candidates"] == sorted(e.pk for e in pool)
        replayed = committee_draw.draw(
            seed=record["seed"], candidates=record["candidates"], seats=record["seats"], round_number=1
        )
        assert replayed == record["drawn"]
        assert record["digest"] == draw.digest
        assert AuditEntry.objects.filter(action="committee.draw").count() == 1
        assert Notification.objects.filter(kind="committee.invited").count() == 5
    else:
        assert not AuditEntry.objects.filter(action__startswith="committee").exists()


@pytest.mark.parametrize("size", [4, 6, 3, 0, -1, 27])
def test_an_even_or_small_size_is_a_400_on_the_field(as_role, tender, pool, size):
    response = as_role("buyer").post(_url(tender), {"size": size}, format="json")
    assert response.status_code == 400
    assert "size" in response.json()["fields"]
    assert not Committee.objects.exists()


@pytest.mark.parametrize("body", [{}, {"size": "five"}, {"size": None}, [5]])
def test_a_malformed_body_is_a_400(as_role, tender, pool, body):
    response = as_role("buyer").post(_url(tender), body, format="json")
    assert response.status_code == 400
    assert not Committee.objects.exists()


def test_too_small_a_pool_and_a_second_committee_are_conflicts(as_role, tender):
    client = as_role("buyer")
    expert_pool(4)
    short = client.post(_url(tender), {"size": 5}, format="json")
    assert short.status_code == 409
    assert short.json()["code"] == "conflict"
    assert not Committee.objects.exists()

    expert_pool(3)
    assert client.post(_url(tender), {"size": 5}, format="json").status_code == 201
    again = client.post(_url(tender), {"size": 5}, format="json")
    assert again.status_code == 409
    assert CommitteeDraw.objects.count() == 1


def test_an_unknown_or_invisible_tender_is_404(as_role, buyer, pool):
    draft = TenderFactory(actor=buyer)
    client = as_role("other_agency")
    assert client.post(f"/api/v1/tenders/{draft.pk}/committee/", {"size": 5}, format="json").status_code == 404
    assert client.get("/api/v1/tenders/999999/committee/").status_code == 404


# --- reading ------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_the_committee_is_seen_by_the_buyer_its_members_and_operators(as_role, committee, tender, member, role):
    other = committee.members.exclude(pk=member.pk).select_related("expert__person__user").first()
    services.committee_member_decline(actor=seat_user(other), member=other, declaration="亲属任职")
    response = as_role(role).get(_url(tender))

    expected = {"anonymous": 401, "buyer": 200, "member": 200, "operator": 200}.get(role, 404)
    assert response.status_code == expected
    if expected == 200:
        body = response.json()
        assert [d["round"] for d in body["draws"]] == [1, 2]
        assert len(body["members"]) == 6
        declined = next(m for m in body["members"] if m["state"] == "declined")
        # The declared ties are for the buyer and auditors, not for fellow members.
        assert ("declaration" in declined) is (role != "member")
        if role != "member":
            assert declined["declaration"] == "亲属任职"


def test_no_committee_yet_is_404(as_role, tender, pool):
    assert as_role("buyer").get(_url(tender)).status_code == 404


def test_a_declined_expert_no_longer_sees_the_committee(as_role, committee, tender, member):
    services.committee_member_decline(actor=seat_user(member), member=member, declaration="利害关系")
    assert as_role("member").get(_url(tender)).status_code == 404


# --- seats --------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_each_expert_lists_only_their_own_seats(as_role, committee, tender, member, role):
    response = as_role(role).get("/api/v1/committee-seats/")
    if role == "anonymous":
        assert response.status_code == 401
        return
    assert response.status_code == 200
    rows = response.json()["results"]
    if role == "member":
        (row,) = rows
        assert row["id"] == member.pk
        assert (row["tender"], row["reference"], row["state"], row["round"]) == (
            tender.pk,
            tender.reference,
            "invited",
            1,
        )
        assert row["buyer"] == tender.buyer.name
        assert sorted(row["bidders"]) == sorted(b.vendor.name for b in tender.bids.select_related("vendor"))
    else:
        assert rows == []


@pytest.mark.parametrize("role", ROLES)
def test_only_the_invited_expert_accepts(as_role, committee, member, role):
    response = as_role(role).post(f"/api/v1/committee-seats/{member.pk}/accept/")
    expected = {"anonymous": 401, "member": 200}.get(role, 404)
    assert response.status_code == expected
    member.refresh_from_db()
    assert (member.state == MemberState.ACCEPTED) is (expected == 200)
    if expected == 200:
        assert response.json()["state"] == "accepted"
        assert AuditEntry.objects.filter(action="committee_member.accept").count() == 1


@pytest.mark.parametrize("role", ROLES)
def test_only_the_invited_expert_declines(as_role, committee, member, role):
    response = as_role(role).post(
        f"/api/v1/committee-seats/{member.pk}/decline/", {"declaration": "近三年在投标单位任职"}, format="json"
    )
    expected = {"anonymous": 401, "member": 200}.get(role, 404)
    assert response.status_code == expected
    member.refresh_from_db()
    assert (member.state == MemberState.DECLINED) is (expected == 200)
    assert committee.draws.count() == (2 if expected == 200 else 1)
    if expected == 200:
        assert response.json()["declaration"] == "近三年在投标单位任职"


@pytest.mark.parametrize("body", [{}, {"declaration": ""}, {"declaration": "   "}])
def test_declining_without_a_declaration_is_a_400(as_role, committee, member, body):
    response = as_role("member").post(f"/api/v1/committee-seats/{member.pk}/decline/", body, format="json")
    assert response.status_code == 400
    assert "declaration" in response.json()["fields"]
    member.refresh_from_db()
    assert member.state == MemberState.INVITED
    assert committee.draws.count() == 1


def test_answering_twice_is_a_conflict(as_role, committee, member):
    client = as_role("member")
    assert client.post(f"/api/v1/committee-seats/{member.pk}/accept/").status_code == 200
    assert client.post(f"/api/v1/committee-seats/{member.pk}/accept/").status_code == 409


def test_the_seat_list_costs_a_fixed_number_of_queries(as_role, committee, member, django_assert_max_num_queries):
    client = as_role("member")
    with django_assert_max_num_queries(4):  # count, page (tender, buyer, draw joined), bidders
        response = client.get("/api/v1/committee-seats/")
    assert response.status_code == 200
