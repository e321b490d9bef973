"""What each service writes to the double-entry ledger: opening funds the budget, approval issues,
redemption moves issued to redeemed, settlement redeemed to settled (test_settlement.py), expiry
and cancellation return the unused balance to the budget, closing a programme cancels its vouchers
and rejects its open applications. Balances are sums of entries."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from portal.errors import Conflict, PermissionDenied
from tests.factories.vouchers import (
    YUAN,
    authority_of,
    evidence_file,
    external_order,
    holder_of,
    holder_staff,
    issued_voucher,
    officer,
    officer_of,
    open_programme,
    programme_spec,
    provider_of,
    provider_staff,
    redeemable_order,
)
from tests.vouchers.services.helpers import assert_ledger_verifies, redeem, unchanged
from vouchers import ledger, selectors, services
from vouchers.codes import normalise_code
from vouchers.models import (
    Account,
    ApplicationState,
    LedgerEntry,
    LedgerTransaction,
    ProgrammeState,
    RedemptionState,
    TransactionKind,
    VoucherState,
)

pytestmark = pytest.mark.django_db

BUDGET = 1_000_000 * YUAN


def entries(transaction: LedgerTransaction) -> list[tuple[str, int, int | None]]:
    return sorted(transaction.entries.values_list("account", "amount_fen", "voucher"))


def balances(programme) -> dict[str, int]:
    return {account: total for account, total in selectors.programme_balances(programme).items() if total}


def apply(programme, holder_user, amount_fen):
    return services.application_submit(
        actor=holder_user,
        programme=programme,
        applicant=holder_of(holder_user),
        requested_fen=amount_fen,
        purpose="采购标注服务",
        evidence=evidence_file(),
    )


def test_opening_a_draft_funds_its_budget_once():
    actor = officer()
    draft = services.programme_create(actor=actor, authority=authority_of(actor), spec=programme_spec())
    assert not LedgerTransaction.objects.exists()

    programme = services.programme_open(actor=actor, programme=draft)

    fund = LedgerTransaction.objects.get()
    assert (fund.kind, fund.programme, fund.created_by) == (TransactionKind.FUND, programme, actor)
    assert entries(fund) == [(Account.BUDGET, BUDGET, None), (Account.FUNDING, -BUDGET, None)]
    assert selectors.budget_available_fen(programme) == BUDGET
    # Pausing and reopening does not fund it again.
    services.programme_pause(actor=actor, programme=programme)
    services.programme_open(actor=actor, programme=programme)
    assert LedgerTransaction.objects.count() == 1
    assert_ledger_verifies()


def test_approval_issues_the_voucher_out_of_the_budget():
    programme = open_programme()
    holder_user = holder_staff()

    voucher = issued_voucher(programme, holder_user, 30_000 * YUAN)

    issue = LedgerTransaction.objects.get(kind=TransactionKind.ISSUE)
    assert issue.voucher == voucher
    assert entries(issue) == [(Account.BUDGET, -30_000 * YUAN, None), (Account.ISSUED, 30_000 * YUAN, voucher.pk)]
    assert (voucher.face_fen, voucher.state, voucher.holder) == (30_000 * YUAN, "active", holder_of(holder_user))
    assert normalise_code(voucher.code) == voucher.code
    assert (voucher.valid_from, voucher.valid_until) == (timezone.localdate(), programme.valid_until)
    assert selectors.voucher_balance_fen(voucher) == 30_000 * YUAN
    assert balances(programme) == {
        Account.FUNDING: -BUDGET,
        Account.BUDGET: BUDGET - 30_000 * YUAN,
        Account.ISSUED: 30_000 * YUAN,
    }
    assert_ledger_verifies()


def test_issued_never_exceeds_the_budget():
    programme = open_programme(budget_fen=100_000 * YUAN, holder_cap_fen=100_000 * YUAN)
    issued_voucher(programme, holder_staff(), 80_000 * YUAN)
    application = apply(programme, holder_staff(), 30_000 * YUAN)
    reviewer = officer_of(programme)

    with unchanged(), pytest.raises(ValidationError) as refusal:
        services.application_approve(actor=reviewer, application=application)
    assert refusal.value.message_dict == {"amount_fen": ["Only 20,000.00 yuan of the budget is left."]}
    with unchanged(), pytest.raises(ValidationError) as refusal:
        services.application_approve(actor=reviewer, application=application, amount_fen=30_000 * YUAN + 1)
    assert refusal.value.message_dict == {"amount_fen": ["You cannot approve more than was asked for."]}
    application.refresh_from_db()
    assert application.state == ApplicationState.SUBMITTED

    voucher = services.application_approve(actor=reviewer, application=application, amount_fen=20_000 * YUAN)

    assert voucher.face_fen == 20_000 * YUAN
    assert selectors.budget_available_fen(programme) == 0
    assert_ledger_verifies()


def test_a_redemption_moves_the_amount_from_issued_to_redeemed():
    setup = redeemable_order()

    redemption = redeem(setup.holder_user, setup.voucher, 12_345_67, order=setup.order).redemption

    booking = LedgerTransaction.objects.get(kind=TransactionKind.REDEEM)
    assert (booking.redemption, booking.voucher, booking.created_by) == (redemption, setup.voucher, setup.holder_user)
    assert entries(booking) == [
        (Account.ISSUED, -12_345_67, setup.voucher.pk),
        (Account.REDEEMED, 12_345_67, setup.voucher.pk),
    ]
    assert selectors.voucher_balance_fen(setup.voucher) == 50_000 * YUAN - 12_345_67
    assert_ledger_verifies()


def test_expiry_returns_the_unused_balance_to_the_budget_once():
    setup = redeemable_order()
    redeem(setup.holder_user, setup.voucher, 20_000 * YUAN, order=setup.order)
    request = redeem(setup.provider_user, setup.voucher, 5_000 * YUAN, order=setup.order).redemption
    last_day = setup.voucher.valid_until

    assert services.vouchers_expire(today=last_day) == 0  # still valid on its last day
    assert services.vouchers_expire(today=last_day + datetime.timedelta(days=1)) == 1

    setup.voucher.refresh_from_db()
    assert setup.voucher.state == VoucherState.EXPIRED
    assert setup.voucher.ended_at is not None
    expire = LedgerTransaction.objects.get(kind=TransactionKind.EXPIRE)
    assert expire.created_by is None  # the beat
    assert entries(expire) == [
        (Account.BUDGET, 30_000 * YUAN, None),
        (Account.ISSUED, -30_000 * YUAN, setup.voucher.pk),
    ]
    assert selectors.voucher_balance_fen(setup.voucher) == 0
    assert selectors.budget_available_fen(setup.programme) == BUDGET - 20_000 * YUAN
    request.refresh_from_db()
    assert request.state == RedemptionState.DECLINED  # a request the holder never confirmed
    with unchanged(setup.voucher):
        assert services.vouchers_expire(today=last_day + datetime.timedelta(days=2)) == 0
    assert_ledger_verifies()


def test_cancellation_returns_the_balance_and_is_for_officers_with_a_reason():
    setup = redeemable_order()
    redeem(setup.holder_user, setup.voucher, 10_000 * YUAN, order=setup.order)
    with unchanged(setup.voucher), pytest.raises(PermissionDenied):
        services.voucher_cancel(actor=setup.holder_user, voucher=setup.voucher, reason="不再需要")
    with unchanged(setup.voucher), pytest.raises(ValidationError):
        services.voucher_cancel(actor=setup.officer, voucher=setup.voucher, reason=" ")

    services.voucher_cancel(actor=setup.officer, voucher=setup.voucher, reason="申领材料不实")

    setup.voucher.refresh_from_db()
    assert (setup.voucher.state, setup.voucher.cancellation_reason) == (VoucherState.CANCELLED, "申领材料不实")
    cancel = LedgerTransaction.objects.get(kind=TransactionKind.CANCEL)
    assert entries(cancel) == [
        (Account.BUDGET, 40_000 * YUAN, None),
        (Account.ISSUED, -40_000 * YUAN, setup.voucher.pk),
    ]
    assert selectors.budget_available_fen(setup.programme) == BUDGET - 10_000 * YUAN
    with unchanged(setup.voucher), pytest.raises(Conflict):
        services.voucher_cancel(actor=setup.officer, voucher=setup.voucher, reason="再次作废")
    assert_ledger_verifies()


def test_closing_a_programme_cancels_its_vouchers_and_rejects_its_open_applications():
    setup = redeemable_order()
    redemption = redeem(setup.holder_user, setup.voucher, 15_000 * YUAN, order=setup.order).redemption
    used_up_holder = holder_staff()
    used_up = issued_voucher(setup.programme, used_up_holder, 10_000 * YUAN)
    used_up_order = external_order(used_up_holder, provider_of(provider_staff()))
    redeem(used_up_holder, used_up, 10_000 * YUAN, order=used_up_order)
    waiting = apply(setup.programme, holder_staff(), 10_000 * YUAN)

    services.programme_close(actor=setup.officer, programme=setup.programme)

    setup.programme.refresh_from_db()
    waiting.refresh_from_db()
    assert setup.programme.state == ProgrammeState.CLOSED
    assert (waiting.state, waiting.review_note) == (ApplicationState.REJECTED, "The programme was closed.")
    for voucher in (setup.voucher, used_up):
        voucher.refresh_from_db()
        assert voucher.state == VoucherState.CANCELLED
        assert selectors.voucher_balance_fen(voucher) == 0
    # Only the unused ¥35,000 comes back: a voucher with nothing left books nothing.
    cancel = LedgerTransaction.objects.get(kind=TransactionKind.CANCEL)
    assert cancel.voucher == setup.voucher
    assert entries(cancel)[0] == (Account.BUDGET, 35_000 * YUAN, None)
    assert balances(setup.programme) == {
        Account.FUNDING: -BUDGET,
        Account.BUDGET: BUDGET - 25_000 * YUAN,
        Account.REDEEMED: 25_000 * YUAN,
    }
    # A closed programme takes no applications, but what was redeemed is still settled.
    with pytest.raises(Conflict):
        apply(setup.programme, holder_staff(), 1_000 * YUAN)
    claim = services.claim_submit(actor=setup.holder_user, redemption=redemption, evidence=evidence_file())
    services.claim_approve(actor=setup.officer, claim=claim)
    services.claim_disburse(
        actor=setup.officer, claim=claim, transfer_number="GK-9", transferred_on=timezone.localdate()
    )
    assert selectors.programme_balances(setup.programme)[Account.SETTLED] == 15_000 * YUAN
    assert_ledger_verifies()


@pytest.mark.parametrize(
    "amounts",
    [[-100, 99], [100], [-100, 100, 0], [0, 0], []],
    ids=["unbalanced", "one leg", "a zero leg", "zeros", "nothing"],
)
def test_the_ledger_refuses_a_posting_that_does_not_balance(amounts):
    programme = open_programme()
    before = (LedgerTransaction.objects.count(), LedgerEntry.objects.count())

    with pytest.raises(ledger.UnbalancedPosting):
        ledger.post(
            programme_id=programme.pk,
            kind=TransactionKind.ISSUE,
            legs=[ledger.Leg(Account.BUDGET, amount) for amount in amounts],
        )

    assert (LedgerTransaction.objects.count(), LedgerEntry.objects.count()) == before
