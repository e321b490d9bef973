"""The exchange's part of the benchmark scale data set, built small: the rows are what the services
would have written (states, sealed bids that open with their receipts, permissions) and each
tender's last release is exactly what the real OCDS builder makes of the rows."""

from __future__ import annotations

from collections import Counter

import pytest

from bench import scale_marketplace, scale_registry
from marketplace.models import Bid, BidState, Release, Tender
from marketplace.ocds.build import release_data
from marketplace.ocds.encoding import dumps, loads
from marketplace.services import bid_unseal
from marketplace.states import TenderState
from portal.permissions import with_perm
from tests.marketplace.ocds.validation import ocds_problems, standard_zip_or_skip

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

TENDERS, BIDS = 400, 4_000


def _quiet(*_args: object) -> None:
    pass


@pytest.fixture
def scale_data(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    scale_registry.generate(organisations=600, people=10, log=_quiet)
    scale_marketplace.generate(tenders=TENDERS, bids=BIDS, catalogue_entries=40, log=_quiet)


def test_the_scale_data_has_every_state_and_exactly_the_bids_asked_for(scale_data):
    states = Counter(Tender.objects.values_list("state", flat=True))

    assert sum(states.values()) == TENDERS
    assert Bid.objects.count() == BIDS
    assert scale_marketplace.present(tenders=TENDERS, bids=BIDS)
    for state in (*scale_marketplace.OPENED_STATES, *scale_marketplace.SEALED_STATES, TenderState.DRAFT):
        assert states[state] > 0, state
    assert not Bid.objects.filter(tender__state=TenderState.DRAFT).exists()
    assert Tender.objects.filter(state=TenderState.OPEN, next_check_at__isnull=False).count() == states["open"]


def test_bids_open_with_their_receipts_and_are_sealed_until_the_opening(scale_data):
    sealed = Bid.objects.filter(tender__state__in=scale_marketplace.SEALED_STATES)
    opened = Bid.objects.filter(tender__state__in=scale_marketplace.OPENED_STATES)

    assert set(sealed.values_list("price_fen", flat=True)) == {None}
    assert set(sealed.values_list("state", flat=True)) <= {BidState.SUBMITTED, BidState.WITHDRAWN}
    assert set(opened.values_list("state", flat=True)) == {BidState.VALID, BidState.INVALID}
    for bid in [*sealed.order_by("?")[:20], *opened.order_by("?")[:20]]:
        content = bid_unseal(bid)
        assert bid.price_fen in (None, content.price_fen)
    invalid = opened.filter(state=BidState.INVALID).select_related("lot").first()
    assert invalid.price_fen > invalid.lot.budget_fen


def test_buyers_and_bidders_hold_the_permissions_the_services_grant(scale_data):
    bid = Bid.objects.select_related("submitted_by").order_by("?").first()
    tender = Tender.objects.select_related("created_by").filter(state=TenderState.DRAFT).first()

    assert (
        with_perm(user=bid.submitted_by, perm="marketplace.view_bid", queryset=Bid.objects.all())
        .filter(pk=bid.pk)
        .exists()
    )
    assert (
        with_perm(user=tender.created_by, perm="marketplace.change_tender", queryset=Tender.objects.all())
        .filter(pk=tender.pk)
        .exists()
    )


def test_the_last_release_of_each_tender_is_what_the_real_builder_makes(scale_data):
    compared = 0
    for tender in Tender.objects.exclude(state__in=(TenderState.DRAFT, TenderState.PUBLICITY, TenderState.AWARDED)):
        last = Release.objects.filter(tender=tender).order_by("pk").last()
        expected = release_data(tender=tender, tags=last.tags, release_id=last.release_id, date=last.date)
        assert last.data == dumps(expected), tender.state
        compared += 1
    assert compared > TENDERS / 4


def test_the_scale_releases_validate_as_ocds(scale_data):
    standard_zip_or_skip()
    releases = [loads(text) for text in Release.objects.order_by("pk").values_list("data", flat=True)]
    package = {
        "uri": "http://127.0.0.1:8000/api/ocds/releases/",
        "version": "1.1",
        "publishedDate": releases[-1]["date"],
        "publisher": {"name": "全国数据标注公共服务平台"},
        "releases": releases,
    }

    assert ocds_problems(package) == []
