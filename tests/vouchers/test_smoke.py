"""The voucher flow end to end through the services: apply, approve, redeem, pay, claim, settle."""

import pytest

from vouchers import selectors, services
from vouchers.models import Account, RedemptionState
from tests.factories.vouchers import YUAN, redeemable

pytestmark = pytest.mark.django_db


def test_a_voucher_redeemed_against_a_contract_moves_money_in_the_ledger():
    setup = redeemable()
    assert selectors.voucher_balance_fen(setup.voucher) == 50_000 * YUAN
    outcome = services.voucher_redeem(
        actor=setup.holder_user,
        code=str(setup.voucher),
        contract_id=setup.contract.pk,
        amount_fen=20_000 * YUAN,
        idempotency_key="k1",
    )
    assert outcome.redemption.state == RedemptionState.CONFIRMED
    assert selectors.voucher_balance_fen(setup.voucher) == 30_000 * YUAN
    again = services.voucher_redeem(
        actor=setup.holder_user,
        code=setup.voucher.code.lower(),
        contract_id=setup.contract.pk,
        amount_fen=20_000 * YUAN,
        idempotency_key="k1",
    )
    assert again.replayed and again.redemption.pk == outcome.redemption.pk
    balances = selectors.programme_balances(setup.programme)
    assert balances[Account.REDEEMED] == 20_000 * YUAN
    assert sum(balances.values()) == 0
    assert selectors.contract_voucher_fen(setup.contract) == 20_000 * YUAN
    from vouchers.verification import ledger_violations

    assert list(ledger_violations()) == []
