import base64

import pytest

from marketplace import services
from marketplace.models import Bid, Clarification, Release, Tender
from tests.factories import UserFactory
from tests.factories.evaluation import publicised_tender, publicity_over
from tests.factories.marketplace import (
    CatalogueEntryFactory,
    TenderFactory,
    bid_on,
    opened_tender,
    vendor_of,
    vendor_staff,
)

pytestmark = pytest.mark.django_db

PRICE = 76_543_219


@pytest.fixture
def root(client):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def world():
    tender = TenderFactory(publish=True, title="管理后台可见的招标")
    bidder = vendor_staff()
    bid = bid_on(tender, bidder, price_fen=PRICE, name="机密方案.pdf")
    clarification = services.clarification_ask(
        actor=bidder, tender=tender, vendor=vendor_of(bidder), question="抽检比例？"
    )
    return {
        "tender": tender,
        "bid": bid,
        "clarification": clarification,
        "entry": CatalogueEntryFactory(),
        "release": Release.objects.filter(tender=tender).first(),
    }


@pytest.mark.parametrize(
    ("model", "key"),
    [
        ("tender", "tender"),
        ("bid", "bid"),
        ("clarification", "clarification"),
        ("catalogueentry", "entry"),
        ("release", "release"),
        ("committee", "committee"),
        ("challenge", "challenge"),
        ("award", "award"),
        ("contract", "contract"),
    ],
)
def test_operators_read_every_exchange_model_and_change_nothing(root, world, model, key):
    obj = world[key] if key in world else _after_the_opening()[key]

    changelist = root.get(f"/admin/marketplace/{model}/")
    change = root.get(f"/admin/marketplace/{model}/{obj.pk}/change/")
    post = root.post(f"/admin/marketplace/{model}/{obj.pk}/change/", {})
    delete = root.get(f"/admin/marketplace/{model}/{obj.pk}/delete/")
    add = root.get(f"/admin/marketplace/{model}/add/")

    assert changelist.status_code == change.status_code == 200
    assert 'name="_save"' not in change.content.decode()
    assert post.status_code == delete.status_code == add.status_code == 403
    assert type(obj).objects.filter(pk=obj.pk).exists()


def _after_the_opening():
    """A tender taken to a contract, with a rejected challenge on the way."""
    tender = publicised_tender()
    challenger = tender.bids.exclude(results__rank=1).first().vendor
    challenge = services.challenge_submit(
        actor=challenger.memberships.first().user, tender=tender, vendor=challenger, grounds="评分有误。"
    )
    services.challenge_answer(actor=tender.created_by, challenge=challenge, answer="经复核无误。", upheld=False)
    tender = publicity_over(tender)
    (contract,) = services.tender_award(actor=tender.created_by, tender=tender)
    return {"committee": tender.committee, "challenge": challenge, "award": contract.award, "contract": contract}


def test_score_sheets_are_not_in_the_admin(root):
    assert root.get("/admin/marketplace/scoresheet/").status_code == 404
    assert root.get("/admin/marketplace/score/").status_code == 404


def test_the_bid_page_shows_neither_the_seal_nor_a_price_before_the_opening(root, world):
    bid = world["bid"]

    body = root.get(f"/admin/marketplace/bid/{bid.pk}/change/").content.decode()

    sealed = bytes(Bid.objects.get(pk=bid.pk).sealed)
    assert bid.receipt_sha256 in body
    assert "field-sealed" not in body
    assert sealed[:16].hex() not in body
    assert base64.b64encode(sealed)[:24].decode() not in body
    assert str(PRICE) not in body
    assert "765,432.19" not in body
    assert "机密方案" not in body


def test_searching_bids_finds_nothing_by_price(root, world):
    response = root.get("/admin/marketplace/bid/", {"q": str(PRICE)})
    assert response.context["cl"].result_count == 0
    assert root.get("/admin/marketplace/bid/", {"q": world["bid"].vendor.name}).context["cl"].result_count == 1


def test_the_bid_page_shows_the_price_after_the_opening(root):
    tender = opened_tender(bidders=3, prices=[40_000_000, 41_000_000, 42_000_000])
    bid = Bid.objects.get(tender=tender, price_fen=41_000_000)

    body = root.get(f"/admin/marketplace/bid/{bid.pk}/change/").content.decode()

    assert "410,000.00" in body
    assert "技术方案.pdf" in body


def test_the_tender_list_filters_by_state(root, world):
    draft = TenderFactory(title="草稿招标")

    response = root.get("/admin/marketplace/tender/", {"state__exact": "draft"})

    assert [tender.pk for tender in response.context["cl"].result_list] == [draft.pk]
    assert Tender.objects.count() == 2


def test_the_clarification_page_does_not_name_the_asker(root, world):
    clarification = world["clarification"]
    body = root.get(f"/admin/marketplace/clarification/{clarification.pk}/change/").content.decode()
    assert "抽检比例" in body
    assert clarification.asking_organisation.name not in body
    assert Clarification.objects.count() == 1
