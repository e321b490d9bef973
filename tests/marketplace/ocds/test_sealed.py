"""Before the opening, no OCDS output shows a bid: not its price (in fen or in yuan), not its
identifier, not its bidder: not in a release, the export, or any endpoint."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from marketplace import services
from marketplace.models import Release
from marketplace.states import TenderState
from tests.factories.marketplace import TenderFactory, bid_on, past_deadline, vendor_of, vendor_staff

pytestmark = pytest.mark.django_db
PRICES = [43_218_765, 38_765_432, 41_234_567]


def _forms(fen: int) -> list[str]:
    """How a price could be written: fen, yuan with decimals, yuan with thousands separators."""
    return [str(fen), f"{fen // 100}.{fen % 100:02d}", f"{fen // 100:,}.{fen % 100:02d}"]


@pytest.fixture
def sealed_bids(db):
    """Bids on a tender still open, one closed but not yet opened, and one cancelled before its opening."""
    open_tender = TenderFactory(publish=True)
    closing = TenderFactory(publish=True)
    cancelled = TenderFactory(publish=True)
    bids = []
    for tender in (open_tender, closing, cancelled):
        bids += [bid_on(tender, vendor_staff(), price_fen=price) for price in PRICES]
    past_deadline(closing)
    # The sweep closes bidding; the opening it queues runs after commit, which a test never reaches.
    assert services.tenders_close_due() == [closing.pk]
    services.tender_cancel(actor=cancelled.created_by, tender=cancelled, reason="采购需求变更。")
    closing.refresh_from_db()
    assert closing.state == TenderState.OPENING
    assert not closing.opened
    return [open_tender, closing, cancelled], bids


def _assert_sealed(text: str, bids) -> None:
    for bid in bids:
        for form in _forms(PRICES[0]) + _forms(PRICES[1]) + _forms(PRICES[2]):
            assert form not in text
        assert str(bid.uid) not in text
        assert vendor_of(bid.submitted_by).credit_code not in text
    assert '"bids"' not in text
    assert '"tenderers"' not in text


def test_no_release_holds_a_bid_before_the_opening(sealed_bids):
    _tenders, bids = sealed_bids
    assert Release.objects.count() == 5  # three published, one closed, one cancelled

    for text in Release.objects.values_list("data", flat=True):
        _assert_sealed(text, bids)


def test_no_endpoint_or_export_shows_a_bid_before_the_opening(sealed_bids, api_client, vendor_user, operator):
    tenders, bids = sealed_bids
    out = StringIO()
    call_command("export_ocds", "--out", "-", stdout=out, stderr=StringIO())
    texts = [out.getvalue()]
    for user in (None, vendor_user, bids[0].submitted_by, tenders[0].created_by, operator):
        api_client.force_authenticate(user)
        texts.append(api_client.get("/api/ocds/releases/").content.decode())
        for tender in tenders:
            for endpoint in ("releases", "record"):
                response = api_client.get(f"/api/ocds/tenders/{tender.pk}/{endpoint}/")
                assert response.status_code == 200
                texts.append(response.content.decode())

    for text in texts:
        _assert_sealed(text, bids)
