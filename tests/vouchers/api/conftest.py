"""A voucher world for the API tests: a programme with a voucher whose holder is the buyer of an
active contract, a confirmed redemption against an external order of the same provider and the
holder's settlement claim of it, and a user per role."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from portal.accounts.models import User
from tests.factories import UserFactory
from tests.factories.vouchers import YUAN, Setup, evidence_file, external_order, officer, redeemable
from vouchers import services
from vouchers.models import ExternalOrder, Redemption, SettlementClaim


@dataclass
class World:
    setup: Setup
    order: ExternalOrder
    redemption: Redemption  # confirmed, against the order
    claim: SettlementClaim
    users: dict[str, User | None]


@pytest.fixture
def setup() -> Setup:
    return redeemable()


@pytest.fixture
def world(setup: Setup) -> World:
    order = external_order(setup.holder_user, setup.contract.supplier)
    redemption = services.voucher_redeem(
        actor=setup.holder_user, code=setup.voucher.code, order_id=order.pk, amount_fen=10_000 * YUAN
    ).redemption
    claim = services.claim_submit(actor=setup.holder_user, redemption=redemption, evidence=evidence_file())
    users: dict[str, User | None] = {
        "anonymous": None,
        "holder": setup.holder_user,
        "provider": setup.provider_user,
        "officer": setup.officer,
        "other_officer": officer(region_code="110000"),
        "operator": UserFactory(username="voucher-operator", is_staff=True),
    }
    return World(setup=setup, order=order, redemption=redemption, claim=claim, users=users)
