"""Opened bids' documents, decrypted for those who must read them: the committee, the buyer and
the bidder; nobody else, and nobody before the opening."""

from __future__ import annotations

import pytest

from marketplace.models import Bid, CommitteeMember, MemberState
from tests.factories.evaluation import formed_committee, pool_expert
from tests.factories.marketplace import TenderFactory, agency_staff, bid_on, opened_tender, vendor_staff

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
CONTENT = b"technical proposal " + "技术方案.pdf".encode()


@pytest.fixture
def tender():
    tender = opened_tender()
    formed_committee(tender)
    return tender


def _url(bid: Bid, index: int = 0) -> str:
    return f"/tenders/bids/{bid.pk}/documents/{index}/"


def _member(tender):
    return CommitteeMember.objects.filter(committee__tender=tender, state=MemberState.ACCEPTED).first()


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("member", 200),
        ("buyer", 200),
        ("bidder", 200),
        ("other_bidder", 404),
        ("expert_elsewhere", 404),
        ("other_agency", 404),
    ],
)
def test_who_reads_an_opened_bids_document(client, tender, who, status):
    bid = tender.bids.order_by("pk").first()
    users = {
        "member": lambda: _member(tender).expert.person.user,
        "buyer": lambda: tender.created_by,
        "bidder": lambda: bid.vendor.memberships.first().user,
        "other_bidder": lambda: tender.bids.exclude(vendor=bid.vendor).first().vendor.memberships.first().user,
        "expert_elsewhere": lambda: pool_expert().person.user,
        "other_agency": lambda: agency_staff(),
    }
    client.force_login(users[who]())

    response = client.get(_url(bid), **EN)

    assert response.status_code == status
    if status == 200:
        assert b"".join(response.streaming_content) == CONTENT
        assert "attachment" in response["Content-Disposition"]


def test_anonymous_visitors_are_sent_to_sign_in(client, tender):
    response = client.get(_url(tender.bids.first()), **EN)
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_a_document_index_out_of_range_is_not_found(client, tender):
    client.force_login(tender.created_by)
    assert client.get(_url(tender.bids.first(), index=1), **EN).status_code == 404


def test_nobody_reads_a_sealed_bid_before_the_opening_not_even_the_buyer(client):
    tender = TenderFactory(publish=True)
    bid = bid_on(tender, vendor_staff())
    client.force_login(tender.created_by)
    assert client.get(_url(bid), **EN).status_code == 404


def test_the_score_sheet_links_each_document(client, tender):
    member = _member(tender)
    client.force_login(member.expert.person.user)

    response = client.get(f"/tenders/{tender.pk}/scores/", **EN)

    body = response.content.decode()
    for bid in tender.bids.all():
        assert _url(bid) in body
