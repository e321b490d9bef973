"""Fixtures of the publicity, challenge, award and contract tests: a tender whose committee has
ranked three bids (40, 45 and 48 万元: the cheapest wins, scores being equal), its bidders' staff,
and the same tender in publicity, after its window, and awarded."""

from __future__ import annotations

import pytest

from marketplace.models import Bid, Tender
from portal.accounts.models import User
from registry.roles import Role
from tests.factories.evaluation import awarded_tender, buyer_user, evaluated_tender, publicised_tender, publicity_over
from tests.factories.marketplace import agency_staff, vendor_staff

PRICES = [40_000_000, 45_000_000, 48_000_000]


def bidder_staff(tender: Tender) -> list[User]:
    """A staff member of each bidder, cheapest bid first (the winner first)."""
    bids = Bid.objects.filter(tender=tender, opened_at__isnull=False).order_by("price_fen").select_related("vendor")
    return [bid.vendor.memberships.get(role=Role.VENDOR_STAFF).user for bid in bids]


@pytest.fixture
def evaluated(db):
    return evaluated_tender(bidders=3, prices=PRICES)


@pytest.fixture
def in_publicity(db):
    return publicised_tender(bidders=3, prices=PRICES)


@pytest.fixture
def after_window(in_publicity):
    return publicity_over(in_publicity)


@pytest.fixture
def awarded(db):
    tender, (contract,) = awarded_tender(bidders=3, prices=PRICES)
    return tender, contract


@pytest.fixture
def contract(awarded):
    return awarded[1]


@pytest.fixture
def buyer(in_publicity):
    return buyer_user(in_publicity)


@pytest.fixture
def stranger_vendor(db):
    return vendor_staff(region_code="330100")


@pytest.fixture
def stranger_agency(db):
    return agency_staff()
