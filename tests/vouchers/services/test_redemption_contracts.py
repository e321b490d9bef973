"""The rules only exchange contracts have: coverage across programmes, one programme per region,
an active contract, no voucher once payment has begun."""

from __future__ import annotations

import pytest

from marketplace import services as marketplace_services
from marketplace.models import MilestonePayment
from tests.factories.acceptance import buyer_user_of
from tests.factories.payments import CARD
from tests.factories.vouchers import YUAN, issued_voucher, officer, open_programme, redeemable
from tests.vouchers.services.helpers import assert_ledger_verifies, redeem, unchanged
from tests.vouchers.services.paths import redemption_path  # noqa: F401 (autouse, both paths)
from vouchers import selectors, services
from vouchers.models import RedemptionState
from vouchers.services._common import RedemptionRefused

pytestmark = pytest.mark.django_db

CONTRACT_VALUE = 400_000 * YUAN  # the lowest bid of the tender factory


def test_programmes_of_two_regions_share_a_contract_within_each_coverage_and_never_beyond_its_value():
    """Shenzhen's and Guangdong's programmes each pay up to 70 % of the contract; together they
    may pay all of it, never more."""
    setup = redeemable(amount_fen=300_000 * YUAN, coverage_bp=7_000, holder_cap_fen=300_000 * YUAN)
    assert setup.contract.value_fen == CONTRACT_VALUE
    province = open_programme(officer("440000"), name="广东省数据券", coverage_bp=7_000, holder_cap_fen=300_000 * YUAN)
    province_voucher = issued_voucher(province, setup.holder_user, 300_000 * YUAN)

    with unchanged(setup.voucher, province_voucher), pytest.raises(RedemptionRefused) as refusal:
        redeem(setup.holder_user, setup.voucher, 280_000 * YUAN + 1, contract=setup.contract)
    assert refusal.value.code == "over_coverage"
    assert refusal.value.message == (
        "The programme pays at most 70.00% of this contract or order: 280,000.00 yuan more."
    )
    redeem(setup.holder_user, setup.voucher, 280_000 * YUAN, contract=setup.contract)

    # Another region's programme is allowed, for what is left of the contract's value.
    with unchanged(setup.voucher, province_voucher), pytest.raises(RedemptionRefused) as refusal:
        redeem(setup.holder_user, province_voucher, 120_000 * YUAN + 1, contract=setup.contract)
    assert refusal.value.code == "over_coverage"
    assert refusal.value.message.endswith(": 120,000.00 yuan more.")
    redeem(setup.holder_user, province_voucher, 120_000 * YUAN, contract=setup.contract)

    assert selectors.contract_voucher_fen(setup.contract) == CONTRACT_VALUE
    assert selectors.voucher_balance_fen(province_voucher) == 180_000 * YUAN
    assert_ledger_verifies()


def test_a_second_programme_of_the_same_region_on_one_contract_is_refused():
    setup = redeemable()
    # Another authority of the same region (Shenzhen) with its own programme.
    same_region = open_programme(officer("440300"), name="深圳市算力券")
    second_voucher = issued_voucher(same_region, setup.holder_user, 50_000 * YUAN)
    redeem(setup.holder_user, setup.voucher, 10_000 * YUAN, contract=setup.contract)

    with unchanged(setup.voucher, second_voucher), pytest.raises(RedemptionRefused) as refusal:
        redeem(setup.holder_user, second_voucher, 10_000 * YUAN, contract=setup.contract)

    assert refusal.value.code == "second_programme"
    assert refusal.value.message == "Another programme of this region already subsidises this contract or order."
    # The first programme may go on paying its share.
    redeem(setup.holder_user, setup.voucher, 10_000 * YUAN, contract=setup.contract)
    assert_ledger_verifies()


def test_a_contract_no_longer_under_way_is_refused():
    setup = redeemable()
    marketplace_services.contract_terminate(
        actor=buyer_user_of(setup.contract), contract=setup.contract, reason="供应商无法按期交付"
    )

    with unchanged(setup.voucher), pytest.raises(RedemptionRefused) as refusal:
        redeem(setup.holder_user, setup.voucher, 10_000 * YUAN, contract=setup.contract)

    assert refusal.value.code == "contract_not_active"
    assert refusal.value.message == "Vouchers pay only for a signed contract still under way."


def test_no_voucher_is_redeemed_once_the_first_milestone_payment_exists(stripe):
    """Vouchers come off the milestones' payments, so they must be redeemed before the first one;
    a provider's request made earlier is refused when the holder confirms it afterwards."""
    setup = redeemable()
    redeem(setup.holder_user, setup.voucher, 10_000 * YUAN, contract=setup.contract)
    request = redeem(setup.provider_user, setup.voucher, 5_000 * YUAN, contract=setup.contract).redemption
    first = setup.contract.milestones.order_by("position").first()

    payment = marketplace_services.milestone_payment_authorise(
        actor=buyer_user_of(setup.contract), contract=setup.contract, milestone_id=first.pk, payment_method=CARD
    )

    # The payment is the milestone's amount less its share of the ¥10,000 redeemed.
    part = 10_000 * YUAN * first.share_bp // 10_000
    assert part > 0
    assert (payment.amount_fen, payment.voucher_fen) == (first.amount_fen - part, part)
    with unchanged(setup.voucher), pytest.raises(RedemptionRefused) as refusal:
        redeem(setup.holder_user, setup.voucher, 1 * YUAN, contract=setup.contract)
    assert refusal.value.code == "payment_started"
    assert refusal.value.message == (
        "Payment of this contract has begun: vouchers must be redeemed before the first payment."
    )
    with unchanged(setup.voucher), pytest.raises(RedemptionRefused) as refusal:
        services.redemption_confirm(actor=setup.holder_user, redemption=request)
    assert refusal.value.code == "payment_started"
    request.refresh_from_db()
    assert request.state == RedemptionState.PENDING
    assert MilestonePayment.objects.filter(contract=setup.contract).count() == 1
    assert_ledger_verifies()
