"""The committee pages: the buyer forms and follows the committee, experts answer invitations."""

from __future__ import annotations

import pytest
from django.urls import reverse

from marketplace import services
from marketplace.models import Committee, CommitteeDraw, MemberState
from tests.factories.evaluation import expert_pool, pool_expert
from tests.factories.marketplace import TenderFactory
from tests.marketplace.committee.conftest import ROLES, seat_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client, user_for):
    """`signed_in(role)`: the test client as that role, reading English pages."""

    def sign_in(role: str):
        client.logout()
        user = user_for(role)
        if user is not None:
            client.force_login(user)
        client.cookies["django_language"] = "en"
        return client

    return sign_in


def _page(client, url, **kwargs):
    return client.get(url, HTTP_ACCEPT_LANGUAGE="en", **kwargs)


def _post(client, url, data=None):
    return client.post(url, data or {}, HTTP_ACCEPT_LANGUAGE="en")


# --- the buyer's committee page -----------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_the_committee_page_is_for_the_buyers_staff(signed_in, tender, pool, member, role):
    client = signed_in(role)
    response = _page(client, reverse("marketplace:tender-committee", args=[tender.pk]))
    expected = {"anonymous": 302, "buyer": 200}.get(role, 403)
    assert response.status_code == expected
    if expected == 200:
        assert seat_user(member).person.name in response.content.decode()


def test_a_drafts_committee_page_is_unknown_to_outsiders(signed_in, buyer, other_agency):
    draft = TenderFactory(actor=buyer)
    response = _page(signed_in("other_agency"), reverse("marketplace:tender-committee", args=[draft.pk]))
    assert response.status_code == 404


def test_the_buyer_sees_the_eligible_count_and_draws_the_committee(signed_in, tender, pool):
    client = signed_in("buyer")
    url = reverse("marketplace:tender-committee", args=[tender.pk])

    page = _page(client, url)
    assert page.status_code == 200
    text = page.content.decode()
    assert 'data-testid="committee-form"' in text
    assert "7 experts of the pool are eligible" in text
    assert 'value="5"' in text  # the default size

    response = _post(client, url, {"size": 5})

    assert response.status_code == 302
    assert response["Location"] == url
    committee = Committee.objects.get(tender=tender)
    draw = committee.draws.get()
    page = _page(client, url)
    text = page.content.decode()
    assert "The committee is drawn." in text
    assert 'data-testid="committee-form"' not in text
    assert text.count('data-testid="member-row"') == 5
    for member in committee.members.select_related("expert__person"):
        assert member.expert.person.name in text
    assert draw.seed in text
    assert draw.digest in text
    assert reverse("marketplace:committee-report", args=[tender.pk]) in text
    assert 'data-testid="refill"' not in text  # no seat is open


@pytest.mark.parametrize("size", ["4", "6", "3", "", "five"])
def test_a_wrong_size_is_refused_on_the_form(signed_in, tender, pool, size):
    response = _post(signed_in("buyer"), reverse("marketplace:tender-committee", args=[tender.pk]), {"size": size})
    assert response.status_code == 400
    assert 'data-field="size"' in response.content.decode()
    assert not Committee.objects.exists()


def test_too_small_a_pool_is_explained_on_the_form(signed_in, tender):
    expert_pool(3)
    response = _post(signed_in("buyer"), reverse("marketplace:tender-committee", args=[tender.pk]), {"size": 5})
    assert response.status_code == 409
    assert "Only 3 eligible experts are free of conflict" in response.content.decode()
    assert not Committee.objects.exists()


def test_before_the_opening_the_page_says_when_the_committee_comes(signed_in, buyer, pool):
    open_tender = TenderFactory(actor=buyer, publish=True)
    client = signed_in("buyer")
    url = reverse("marketplace:tender-committee", args=[open_tender.pk])
    page = _page(client, url)
    assert page.status_code == 200
    assert 'data-testid="no-committee"' in page.content.decode()
    assert _post(client, url, {"size": 5}).status_code == 409
    assert not Committee.objects.exists()


def test_a_declined_seat_shows_the_declaration_and_an_empty_seat_can_be_refilled(signed_in, tender, buyer):
    expert_pool(5)
    committee = services.committee_form(actor=buyer, tender=tender, size=5)
    member = committee.members.select_related("expert__person__user").first()
    services.committee_member_decline(actor=seat_user(member), member=member, declaration="配偶在投标单位任职")
    client = signed_in("buyer")
    url = reverse("marketplace:tender-committee", args=[tender.pk])

    text = _page(client, url).content.decode()
    assert "配偶在投标单位任职" in text
    assert "1 seat is empty" in text
    assert 'data-testid="refill"' in text

    response = _post(client, reverse("marketplace:committee-refill", args=[tender.pk]))
    assert response.status_code == 302
    assert "No eligible expert free of conflict is left" in _page(client, url).content.decode()
    assert committee.draws.count() == 1

    newcomer = pool_expert()
    _post(client, reverse("marketplace:committee-refill", args=[tender.pk]))
    text = _page(client, url).content.decode()
    assert "1 replacement was drawn and invited." in text
    assert committee.members.get(expert=newcomer).draw.round == 2
    assert 'data-testid="refill"' not in text


@pytest.mark.parametrize("role", ["bidder", "other_agency", "member", "operator"])
def test_only_the_buyers_staff_refill(signed_in, committee, tender, role):
    response = _post(signed_in(role), reverse("marketplace:committee-refill", args=[tender.pk]))
    assert response.status_code == 403
    assert committee.draws.count() == 1


def test_refill_is_a_post(signed_in, committee, tender):
    assert _page(signed_in("buyer"), reverse("marketplace:committee-refill", args=[tender.pk])).status_code == 405


# --- the expert's invitations -------------------------------------------------------------------


@pytest.mark.parametrize(("role", "status"), [("anonymous", 302), ("bidder", 403), ("buyer", 403), ("operator", 403)])
def test_the_invitations_page_is_for_experts(signed_in, committee, role, status):
    response = _page(signed_in(role), reverse("marketplace:expert-invitations"))
    assert response.status_code == status
    if status == 403:
        assert "This page is for experts of the expert pool" in response.content.decode()


def test_an_expert_without_seats_sees_an_empty_page(signed_in, committee):
    response = _page(signed_in("expert"), reverse("marketplace:expert-invitations"))
    assert response.status_code == 200
    assert 'data-testid="no-seats"' in response.content.decode()


def test_the_invitation_lists_the_buyer_and_the_bidders_and_what_accepting_declares(signed_in, tender, member):
    response = _page(signed_in("member"), reverse("marketplace:expert-invitations"))
    text = response.content.decode()
    assert response.status_code == 200
    assert text.count('data-testid="seat-row"') == 1
    assert tender.reference in text
    assert tender.buyer.name in text
    for bid in tender.bids.select_related("vendor"):
        assert bid.vendor.name in text
    assert "accepting declares that you have no conflict of interest with any of them" in text
    assert reverse("marketplace:member-accept", args=[member.pk]) in text
    assert reverse("marketplace:member-decline", args=[member.pk]) in text
    assert reverse("marketplace:score-sheet", args=[tender.pk]) not in text  # not accepted yet


def test_the_subnav_offers_invitations_to_experts_only(signed_in, member):
    url = reverse("marketplace:index")
    assert 'data-testid="nav-invitations"' in _page(signed_in("member"), url).content.decode()
    assert 'data-testid="nav-invitations"' not in _page(signed_in("bidder"), url).content.decode()
    assert 'data-testid="nav-invitations"' not in _page(signed_in("anonymous"), url).content.decode()


def test_accepting_a_seat_then_shows_the_score_sheet_link(signed_in, tender, member):
    client = signed_in("member")
    response = _post(client, reverse("marketplace:member-accept", args=[member.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("marketplace:expert-invitations")
    member.refresh_from_db()
    assert member.state == MemberState.ACCEPTED
    text = _page(client, reverse("marketplace:expert-invitations")).content.decode()
    assert "You accepted the seat" in text
    assert reverse("marketplace:score-sheet", args=[tender.pk]) in text
    assert reverse("marketplace:member-accept", args=[member.pk]) not in text


@pytest.mark.parametrize("role", ["anonymous", "bidder", "buyer", "expert", "operator"])
def test_someone_elses_seat_is_not_found(signed_in, member, role):
    client = signed_in(role)
    accept = _post(client, reverse("marketplace:member-accept", args=[member.pk]))
    decline = _post(client, reverse("marketplace:member-decline", args=[member.pk]), {"declaration": "x"})
    assert accept.status_code == decline.status_code == (302 if role == "anonymous" else 404)
    member.refresh_from_db()
    assert member.state == MemberState.INVITED


def test_accepting_is_a_post(signed_in, member):
    assert _page(signed_in("member"), reverse("marketplace:member-accept", args=[member.pk])).status_code == 405


def test_declining_needs_the_declaration_and_draws_a_replacement(signed_in, committee, tender, member):
    client = signed_in("member")
    url = reverse("marketplace:member-decline", args=[member.pk])

    form = _page(client, url)
    assert form.status_code == 200
    assert 'data-testid="decline-form"' in form.content.decode()
    assert tender.buyer.name in form.content.decode()

    empty = _post(client, url, {"declaration": "   "})
    assert empty.status_code == 400
    assert 'data-field="declaration"' in empty.content.decode()
    member.refresh_from_db()
    assert member.state == MemberState.INVITED

    response = _post(client, url, {"declaration": "本人三年内曾在投标单位任职。"})
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.state == MemberState.DECLINED
    assert member.declaration == "本人三年内曾在投标单位任职。"
    assert CommitteeDraw.objects.filter(committee=committee, round=2).exists()
    text = _page(client, reverse("marketplace:expert-invitations")).content.decode()
    assert "You declined the seat" in text
    assert "本人三年内曾在投标单位任职。" in text
    assert _page(client, url).status_code == 409  # declined already
