import pytest

from marketplace import services
from marketplace.models import Bid, BidState, Release
from marketplace.states import TenderState
from tests.factories.marketplace import TenderFactory, bid_on, opened_tender, vendor_staff

pytestmark = pytest.mark.django_db


def test_flow_from_publication_to_opening():
    tender = opened_tender(bidders=3)
    assert tender.state == TenderState.EVALUATION
    assert sorted(Bid.objects.filter(tender=tender).values_list("state", flat=True)) == [BidState.VALID] * 3
    assert list(Release.objects.filter(tender=tender).values_list("tags", flat=True)) == [
        ["tender"],
        ["tenderUpdate"],
        ["tenderUpdate"],
    ]


def test_two_bids_fail_an_open_tender():
    tender = opened_tender(bidders=2)
    assert tender.state == TenderState.FAILED


def test_resubmission_withdraws_the_first_bid():
    tender = TenderFactory(publish=True)
    user = vendor_staff()
    first = bid_on(tender, user, price_fen=1)
    second = bid_on(tender, user, price_fen=2)
    first.refresh_from_db()
    assert first.state == BidState.WITHDRAWN
    assert second.state == BidState.SUBMITTED
    assert services.bid_unseal(second).price_fen == 2
