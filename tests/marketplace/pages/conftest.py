"""Fixtures of the page tests: one user per role of the permission matrices, signed in on the
test client in English, and tenders in the states the pages care about."""

from __future__ import annotations

import pytest

from marketplace import services
from marketplace.states import TenderState
from tests.factories.marketplace import (
    CatalogueEntryFactory,
    TenderFactory,
    agency_staff,
    bid_on,
    buyer_of,
    opened_tender,
)

# The roles of every page's matrix: `vendor` is the vendor_org's staff (who bids), `buyer` the
# agency's staff (whose tenders these are).
ROLES = ("anonymous", "vendor", "other_vendor", "buyer", "other_agency", "operator")
_FIXTURES = {
    "vendor": "vendor_user",
    "other_vendor": "other_vendor_user",
    "buyer": "agency_user",
    "other_agency": "other_agency_user",
    "operator": "operator",
}


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def other_agency_user(db):
    return agency_staff()


@pytest.fixture
def as_role(client, request):
    """`as_role("vendor")`: the test client signed in as that role (English pages)."""

    def sign_in(role: str):
        client.logout()
        if role != "anonymous":
            client.force_login(request.getfixturevalue(_FIXTURES[role]))
        client.cookies["django_language"] = "en"
        return client

    return sign_in


@pytest.fixture
def agency(agency_user):
    return buyer_of(agency_user)


@pytest.fixture
def entry(agency_user):
    return CatalogueEntryFactory(actor=agency_user)


@pytest.fixture
def draft(agency_user):
    return TenderFactory(actor=agency_user, title="草稿：医疗影像病灶标注")


@pytest.fixture
def open_tender(agency_user):
    return TenderFactory(actor=agency_user, publish=True, title="城市交通视频目标标注")


@pytest.fixture
def bid(open_tender, vendor_user):
    return bid_on(open_tender, vendor_user, price_fen=41_234_500, name="vendor-proposal.pdf")


@pytest.fixture
def opened(agency_user):
    return opened_tender(actor=agency_user, bidders=3, prices=[40_100_000, 41_200_000, 42_300_000])


@pytest.fixture
def failed(agency_user):
    tender = opened_tender(actor=agency_user, bidders=1, prices=[40_000_000])
    assert tender.state == TenderState.FAILED
    return tender


@pytest.fixture
def cancelled(agency_user):
    tender = TenderFactory(actor=agency_user, publish=True)
    return services.tender_cancel(actor=agency_user, tender=tender, reason="采购需求变更。")
