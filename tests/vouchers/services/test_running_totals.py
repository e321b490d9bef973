"""The running totals a redemption's rules read (`VoucherBalance`, `RedeemedOnTarget`,
`RedeemedByHolder`): the writes keep them, and the rules read them rather than the history, both
ways a redemption runs."""

from __future__ import annotations

import pytest
from django.utils import timezone

from tests.factories.vouchers import YUAN, redeemable
from tests.vouchers.services.helpers import assert_ledger_verifies, redeem
from tests.vouchers.services.paths import redemption_path  # noqa: F401 (autouse, both paths)
from vouchers import services
from vouchers.models import Account, RedeemedByHolder, RedeemedOnTarget, VoucherBalance
from vouchers.services._common import RedemptionRefused

pytestmark = pytest.mark.django_db


def kept(setup) -> dict[str, int]:
    balances = dict(VoucherBalance.objects.filter(voucher=setup.voucher).values_list("account", "amount_fen"))
    on_target = RedeemedOnTarget.objects.filter(programme=setup.programme, contract=setup.contract)
    by_holder = RedeemedByHolder.objects.filter(
        holder=setup.voucher.holder, programme=setup.programme, year=timezone.localdate().year
    )
    return {
        "issued": balances.get(Account.ISSUED, 0),
        "redeemed": balances.get(Account.REDEEMED, 0),
        "on_target": sum(on_target.values_list("amount_fen", flat=True)),
        "by_holder": sum(by_holder.values_list("amount_fen", flat=True)),
    }


def test_a_confirmed_redemption_adds_to_every_total_and_a_pending_request_to_none():
    setup = redeemable(amount_fen=50_000 * YUAN)
    assert kept(setup) == {"issued": 50_000 * YUAN, "redeemed": 0, "on_target": 0, "by_holder": 0}

    redeem(setup.holder_user, setup.voucher, 10_000 * YUAN, contract=setup.contract)
    request = redeem(setup.provider_user, setup.voucher, 5_000 * YUAN, contract=setup.contract).redemption

    assert kept(setup) == {
        "issued": 40_000 * YUAN,
        "redeemed": 10_000 * YUAN,
        "on_target": 10_000 * YUAN,
        "by_holder": 10_000 * YUAN,
    }

    services.redemption_confirm(actor=setup.holder_user, redemption=request)

    assert kept(setup) == {
        "issued": 35_000 * YUAN,
        "redeemed": 15_000 * YUAN,
        "on_target": 15_000 * YUAN,
        "by_holder": 15_000 * YUAN,
    }
    assert_ledger_verifies()


def refusal_of(setup) -> str:
    with pytest.raises(RedemptionRefused) as refused:
        redeem(setup.holder_user, setup.voucher, 1 * YUAN, contract=setup.contract)
    return refused.value.code


def test_the_balance_the_rules_read_is_the_running_one():
    """A total set by hand, as no code may: the next redemption follows it, so the rules read the
    running totals and not the history (which still sums to the full face value here)."""
    setup = redeemable()
    VoucherBalance.objects.filter(voucher=setup.voucher, account=Account.ISSUED).update(amount_fen=0)

    assert refusal_of(setup) == "over_balance"


def test_the_coverage_the_rules_read_is_the_running_one():
    setup = redeemable()  # a ¥400,000 contract at 50 %
    RedeemedOnTarget.objects.create(programme=setup.programme, contract=setup.contract, amount_fen=200_000 * YUAN)

    assert refusal_of(setup) == "over_coverage"


def test_the_annual_use_the_rules_read_is_the_running_one():
    setup = redeemable()
    RedeemedByHolder.objects.create(
        holder=setup.voucher.holder,
        programme=setup.programme,
        year=timezone.localdate().year,
        amount_fen=setup.programme.holder_cap_fen,
    )

    assert refusal_of(setup) == "over_cap"
