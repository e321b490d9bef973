"""Races on PostgreSQL, in real threads each with its own connection (tests/races.py): redemptions
of one voucher never pass its balance, a retried request is one redemption, a holder's vouchers
together never pass the annual cap, and two approvals never issue more than the budget."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError

from tests.factories.vouchers import (
    YUAN,
    evidence_file,
    external_order,
    holder_of,
    holder_staff,
    officer_of,
    open_programme,
    provider_of,
    provider_staff,
    redeemable,
    redeemable_order,
    voucher_issued_on,
)
from tests.races import run_together
from tests.vouchers.services.helpers import assert_ledger_verifies, in_english, redeem
from vouchers import selectors, services
from vouchers.models import Redemption, RedemptionState, Voucher
from vouchers.services import RedeemOutcome
from vouchers.services._common import RedemptionRefused

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_sixteen_concurrent_redemptions_of_a_voucher_covering_five_succeed_exactly_five_times():
    setup = redeemable(amount_fen=50_000 * YUAN)

    outcomes = run_together(
        *[
            in_english(lambda: redeem(setup.holder_user, setup.voucher, 10_000 * YUAN, contract=setup.contract))
            for _ in range(16)
        ]
    )

    succeeded = [outcome for outcome in outcomes if isinstance(outcome, RedeemOutcome)]
    refused = [outcome for outcome in outcomes if not isinstance(outcome, RedeemOutcome)]
    assert len(succeeded) == 5
    assert all(isinstance(refusal, RedemptionRefused) for refusal in refused), refused
    assert {refusal.code for refusal in refused} == {"over_balance"}
    assert len(refused) == 11
    assert selectors.voucher_balance_fen(setup.voucher) == 0
    assert Redemption.objects.filter(state=RedemptionState.CONFIRMED).count() == 5
    assert selectors.contract_voucher_fen(setup.contract) == 50_000 * YUAN
    assert_ledger_verifies()


def test_eight_concurrent_retries_with_one_key_make_one_redemption():
    setup = redeemable_order()

    outcomes = run_together(
        *[
            in_english(
                lambda: redeem(setup.holder_user, setup.voucher, 10_000 * YUAN, order=setup.order, key="retry-7f3a")
            )
            for _ in range(8)
        ]
    )

    assert all(isinstance(outcome, RedeemOutcome) for outcome in outcomes), outcomes
    assert {outcome.redemption.pk for outcome in outcomes} == {Redemption.objects.get().pk}
    assert [outcome.replayed for outcome in outcomes].count(False) == 1
    assert selectors.voucher_balance_fen(setup.voucher) == 40_000 * YUAN
    assert_ledger_verifies()


def test_two_vouchers_of_one_holder_redeemed_at_once_never_pass_the_annual_cap():
    """A voucher left from 2024 (¥60,000 unused) and one of 2025 (¥100,000), cap ¥100,000 a year:
    ¥60,000 from each at the same moment, on two different orders (so only the holder's vouchers
    are shared), and only one passes."""
    programme = open_programme(
        year=2024,
        valid_from=datetime.date(2024, 12, 1),
        valid_until=datetime.date(2025, 12, 31),
        holder_cap_fen=100_000 * YUAN,
    )
    holder_user = holder_staff()
    provider = provider_of(provider_staff())
    orders = [external_order(holder_user, provider, 1_000_000 * YUAN) for _ in range(2)]
    old = voucher_issued_on(programme, holder_user, 100_000 * YUAN, today=datetime.date(2024, 12, 10))
    redeem(holder_user, old, 40_000 * YUAN, order=orders[0], today=datetime.date(2024, 12, 20))
    new = voucher_issued_on(programme, holder_user, 100_000 * YUAN, today=datetime.date(2025, 1, 5))
    january = datetime.date(2025, 1, 10)

    outcomes = run_together(
        in_english(lambda: redeem(holder_user, old, 60_000 * YUAN, order=orders[0], today=january)),
        in_english(lambda: redeem(holder_user, new, 60_000 * YUAN, order=orders[1], today=january)),
    )

    assert sorted(type(outcome).__name__ for outcome in outcomes) == ["RedeemOutcome", "RedemptionRefused"]
    refusal = next(outcome for outcome in outcomes if isinstance(outcome, RedemptionRefused))
    assert refusal.code == "over_cap"
    used_2025 = sum(Redemption.objects.filter(year=2025).values_list("amount_fen", flat=True))
    assert used_2025 == 60_000 * YUAN
    assert_ledger_verifies()


def test_two_approvals_for_the_last_of_the_budget_issue_it_once():
    programme = open_programme(budget_fen=100_000 * YUAN, holder_cap_fen=100_000 * YUAN)
    reviewer = officer_of(programme)
    applications = []
    for _ in range(2):
        user = holder_staff()
        applications.append(
            services.application_submit(
                actor=user,
                programme=programme,
                applicant=holder_of(user),
                requested_fen=60_000 * YUAN,
                purpose="标注服务",
                evidence=evidence_file(),
            )
        )

    outcomes = run_together(
        *[
            in_english(
                lambda application=application: services.application_approve(actor=reviewer, application=application)
            )
            for application in applications
        ]
    )

    assert sorted(type(outcome).__name__ for outcome in outcomes) == ["ValidationError", "Voucher"]
    refusal = next(outcome for outcome in outcomes if isinstance(outcome, ValidationError))
    assert refusal.message_dict == {"amount_fen": ["Only 40,000.00 yuan of the budget is left."]}
    assert Voucher.objects.count() == 1
    assert selectors.budget_available_fen(programme) == 40_000 * YUAN
    assert_ledger_verifies()
