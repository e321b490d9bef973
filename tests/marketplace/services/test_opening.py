"""The deadline sweep and the opening: decrypt, check receipts, decide validity, fail short lots."""

import pytest
from django.utils import translation

from marketplace import services
from marketplace.models import Bid, BidState, LotState, Release
from marketplace.ocds import encoding
from marketplace.states import TenderState
from portal.audit.models import AuditEntry
from tests.factories.marketplace import TenderFactory, bid_on, past_deadline, vendor_staff

pytestmark = pytest.mark.django_db


def _sweep_and_open():
    # Invalidity reasons are stored in the language active at the opening; these tests read English.
    with translation.override("en"):
        for tender_id in services.tenders_close_due():
            services.tender_open(tender_id=tender_id)


def test_the_sweep_leaves_tenders_before_their_deadline_alone():
    tender = TenderFactory(publish=True)
    bid_on(tender, vendor_staff())
    assert services.tenders_close_due() == []
    tender.refresh_from_db()
    assert tender.state == TenderState.OPEN


def test_opening_publishes_prices_and_the_bids_in_the_release():
    tender = TenderFactory(publish=True)
    prices = [41_000_000, 39_500_000, 45_000_050]
    bids = [bid_on(tender, vendor_staff(), price_fen=price) for price in prices]
    past_deadline(tender)

    assert services.tenders_close_due() == [tender.pk]
    tender.refresh_from_db()
    assert tender.state == TenderState.OPENING
    assert Bid.objects.filter(price_fen__isnull=False).count() == 0  # closed, not yet decrypted

    services.tender_open(tender_id=tender.pk)

    tender.refresh_from_db()
    assert tender.state == TenderState.EVALUATION
    assert tender.opened_at is not None
    assert tender.next_check_at is None
    opened = {bid.pk: Bid.objects.get(pk=bid.pk) for bid in bids}
    assert [opened[bid.pk].price_fen for bid in bids] == prices
    assert all(opened[bid.pk].state == BidState.VALID for bid in bids)
    assert opened[bids[0].pk].documents[0]["name"] == "技术方案.pdf"
    last = encoding.loads(Release.objects.filter(tender=tender).last().data)
    assert sorted(detail["value"]["amount"] for detail in last["bids"]["details"]) == [
        encoding.yuan(p) for p in sorted(prices)
    ]
    assert AuditEntry.objects.filter(action="bid.open").count() == 3


def test_opening_twice_changes_nothing_the_second_time():
    tender = TenderFactory(publish=True)
    for _ in range(3):
        bid_on(tender, vendor_staff())
    past_deadline(tender)
    _sweep_and_open()
    releases = Release.objects.count()

    _sweep_and_open()
    assert services.tender_open(tender_id=tender.pk) is None
    assert Release.objects.count() == releases
    assert AuditEntry.objects.filter(action="tender.open").count() == 1


def test_a_tampered_ciphertext_is_detected_and_the_bid_is_invalid():
    tender = TenderFactory(publish=True)
    bids = [bid_on(tender, vendor_staff()) for _ in range(4)]
    sealed = bytearray(Bid.objects.get(pk=bids[1].pk).sealed)
    sealed[20] ^= 0xFF  # someone with database access changes one byte
    Bid.objects.filter(pk=bids[1].pk).update(sealed=bytes(sealed))
    past_deadline(tender)
    _sweep_and_open()

    tampered = Bid.objects.get(pk=bids[1].pk)
    assert tampered.state == BidState.INVALID
    assert "altered" in tampered.invalid_reason
    assert tampered.price_fen is None
    assert Bid.objects.filter(state=BidState.VALID).count() == 3


def test_a_receipt_that_no_longer_matches_is_detected():
    tender = TenderFactory(publish=True)
    bids = [bid_on(tender, vendor_staff()) for _ in range(3)]
    Bid.objects.filter(pk=bids[0].pk).update(receipt_sha256="0" * 64)
    past_deadline(tender)
    _sweep_and_open()
    assert Bid.objects.get(pk=bids[0].pk).state == BidState.INVALID


def test_a_price_above_the_lot_budget_is_invalid():
    tender = TenderFactory(publish=True)
    bids = [bid_on(tender, vendor_staff(), price_fen=p) for p in (50_000_000, 50_000_001, 1, 2)]
    past_deadline(tender)
    _sweep_and_open()
    assert [Bid.objects.get(pk=b.pk).state for b in bids] == [
        BidState.VALID,
        BidState.INVALID,
        BidState.VALID,
        BidState.VALID,
    ]


def test_withdrawn_bids_are_never_decrypted():
    tender = TenderFactory(publish=True)
    user = vendor_staff()
    withdrawn = bid_on(tender, user)
    services.bid_withdraw(actor=user, bid=withdrawn)
    past_deadline(tender)
    _sweep_and_open()
    withdrawn.refresh_from_db()
    assert withdrawn.state == BidState.WITHDRAWN
    assert withdrawn.price_fen is None


def test_too_few_valid_bids_fail_the_tender():
    tender = TenderFactory(publish=True)
    bid_on(tender, vendor_staff())
    bid_on(tender, vendor_staff())
    past_deadline(tender)
    _sweep_and_open()
    tender.refresh_from_db()
    assert tender.state == TenderState.FAILED
    assert tender.lots.get().state == LotState.UNSUCCESSFUL
    assert encoding.loads(tender.releases.last().data)["tender"]["status"] == "unsuccessful"


def test_a_lot_short_of_bids_is_unsuccessful_while_the_others_go_on():
    tender = TenderFactory(
        publish=True,
        lots=[
            services.LotSpec(title="文本", modality="text", volume=10, budget_fen=1_000_000),
            services.LotSpec(title="语音", modality="speech", volume=10, budget_fen=1_000_000),
        ],
    )
    text, speech = tender.lots.order_by("number")
    for _ in range(3):
        bid_on(tender, vendor_staff(), lot=text, price_fen=900_000)
    bid_on(tender, vendor_staff(), lot=speech, price_fen=900_000)
    past_deadline(tender)
    _sweep_and_open()
    tender.refresh_from_db()
    text.refresh_from_db()
    speech.refresh_from_db()
    assert tender.state == TenderState.EVALUATION
    assert (text.state, speech.state) == (LotState.ACTIVE, LotState.UNSUCCESSFUL)


def test_a_tender_without_bids_fails():
    tender = TenderFactory(publish=True)
    past_deadline(tender)
    _sweep_and_open()
    tender.refresh_from_db()
    assert tender.state == TenderState.FAILED


def test_a_lost_opening_is_queued_again_by_a_later_sweep(settings):
    settings.TENDER_OPENING_RETRY_SECONDS = 0
    tender = TenderFactory(publish=True)
    past_deadline(tender)
    assert services.tenders_close_due() == [tender.pk]  # its task is lost with the worker
    assert services.tenders_close_due() == [tender.pk]
    services.tender_open(tender_id=tender.pk)
    tender.refresh_from_db()
    assert tender.state == TenderState.FAILED
    assert services.tenders_close_due() == []
