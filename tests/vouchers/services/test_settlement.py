"""Settlement (兑付): a claim waits for the contract to be fully paid (its milestones' payments being
their amounts less the vouchers' parts), is reviewed, and once disbursed writes the redemption off
(redeemed -> settled in the ledger)."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from marketplace import services as marketplace_services
from marketplace.models import ContractState, PaymentState
from marketplace.selectors.payments import contract_fully_paid
from portal.errors import Conflict, PermissionDenied
from tests.factories.acceptance import buyer_user_of
from tests.factories.payments import CARD
from tests.factories.vouchers import YUAN, evidence_file, holder_of, holder_staff, redeemable, redeemable_order
from tests.vouchers.services.helpers import assert_ledger_verifies, no_money_moves, redeem, unchanged
from vouchers import selectors, services
from vouchers.models import (
    Account,
    ClaimState,
    LedgerTransaction,
    RedemptionState,
    SettlementClaim,
    TransactionKind,
)

pytestmark = pytest.mark.django_db

NOT_PAID = "Settlement is claimed after the contract is fully paid; it is not yet."


def test_a_contract_claim_waits_until_every_milestone_is_paid_less_its_voucher_part(
    stripe, django_capture_on_commit_callbacks
):
    setup = redeemable()  # ¥400,000 in two milestones; a ¥50,000 voucher
    redemption = redeem(setup.holder_user, setup.voucher, 50_000 * YUAN, contract=setup.contract).redemption
    buyer = buyer_user_of(setup.contract)
    milestones = list(setup.contract.milestones.order_by("position"))
    assert len(milestones) == 2
    voucher_parts = [50_000 * YUAN * m.share_bp // 10_000 for m in milestones]
    assert sum(voucher_parts) == 50_000 * YUAN

    with unchanged(setup.voucher), pytest.raises(Conflict) as refusal:
        services.claim_submit(actor=setup.holder_user, redemption=redemption, evidence=evidence_file())
    assert refusal.value.message == NOT_PAID

    payments = []
    for milestone, voucher_part in zip(milestones, voucher_parts, strict=True):
        payment = marketplace_services.milestone_payment_authorise(
            actor=buyer, contract=setup.contract, milestone_id=milestone.pk, payment_method=CARD
        )
        # What the vouchers pay comes off each milestone, in proportion to its amount.
        assert (payment.voucher_fen, payment.amount_fen) == (voucher_part, milestone.amount_fen - voucher_part)
        payments.append(payment)
        assert not contract_fully_paid(setup.contract)  # authorised (held) is not paid
        with unchanged(setup.voucher), pytest.raises(Conflict):
            services.claim_submit(actor=setup.holder_user, redemption=redemption, evidence=evidence_file())
        with django_capture_on_commit_callbacks(execute=True):
            marketplace_services.contract_milestone_meet(
                actor=buyer, contract=setup.contract, milestone_id=milestone.pk
            )

    for payment in payments:
        payment.refresh_from_db()
        assert payment.state == PaymentState.CAPTURED
    setup.contract.refresh_from_db()
    assert setup.contract.state == ContractState.COMPLETED
    assert contract_fully_paid(setup.contract)
    assert sum(p.amount_fen for p in payments) + redemption.amount_fen == setup.contract.value_fen
    assert marketplace_services.payments_reconcile() == []

    claim = services.claim_submit(actor=setup.provider_user, redemption=redemption, evidence=evidence_file())
    services.claim_approve(actor=setup.officer, claim=claim)
    services.claim_disburse(
        actor=setup.officer, claim=claim, transfer_number="GK2025-000123", transferred_on=timezone.localdate()
    )

    claim.refresh_from_db()
    redemption.refresh_from_db()
    assert claim.claimant == setup.contract.supplier
    assert (claim.state, redemption.state) == (ClaimState.SETTLED, RedemptionState.SETTLED)
    assert selectors.programme_balances(setup.programme)[Account.SETTLED] == 50_000 * YUAN
    assert_ledger_verifies()


@pytest.fixture
def redeemed():
    """A ¥30,000 redemption of a ¥50,000 voucher against an external order."""
    setup = redeemable_order()
    setup.redemption = redeem(setup.holder_user, setup.voucher, 30_000 * YUAN, order=setup.order).redemption
    return setup


def test_an_order_claim_is_reviewed_rejected_claimed_again_approved_and_disbursed(redeemed):
    setup = redeemed
    with no_money_moves(setup.voucher):
        claim = services.claim_submit(
            actor=setup.holder_user, redemption=setup.redemption, evidence=evidence_file(), note="已付清"
        )
    assert (claim.state, claim.claimant) == (ClaimState.SUBMITTED, holder_of(setup.holder_user))
    assert len(claim.evidence_sha256) == 64

    # One live claim per redemption.
    with unchanged(setup.voucher), pytest.raises(Conflict):
        services.claim_submit(actor=setup.provider_user, redemption=setup.redemption, evidence=evidence_file())
    # Rejected with a reason, a new claim may be made.
    with unchanged(setup.voucher), pytest.raises(ValidationError):
        services.claim_reject(actor=setup.officer, claim=claim, reason="  ")
    services.claim_reject(actor=setup.officer, claim=claim, reason="付款凭证不清晰")
    claim.refresh_from_db()
    assert (claim.state, claim.review_note) == (ClaimState.REJECTED, "付款凭证不清晰")
    with unchanged(setup.voucher), pytest.raises(Conflict):
        services.claim_approve(actor=setup.officer, claim=claim)
    again = services.claim_submit(actor=setup.provider_user, redemption=setup.redemption, evidence=evidence_file())

    # Disbursed only once approved, by an officer, with a transfer not dated in the future.
    with unchanged(setup.voucher), pytest.raises(Conflict):
        services.claim_disburse(
            actor=setup.officer, claim=again, transfer_number="GK-1", transferred_on=timezone.localdate()
        )
    with unchanged(setup.voucher), pytest.raises(PermissionDenied):
        services.claim_approve(actor=setup.holder_user, claim=again)
    services.claim_approve(actor=setup.officer, claim=again, note="材料齐全")
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    with unchanged(setup.voucher), pytest.raises(ValidationError) as refusal:
        services.claim_disburse(actor=setup.officer, claim=again, transfer_number="GK-1", transferred_on=tomorrow)
    assert refusal.value.message_dict == {"transferred_on": ["The transfer date cannot be in the future."]}
    with unchanged(setup.voucher), pytest.raises(ValidationError):
        services.claim_disburse(actor=setup.officer, claim=again, transfer_number="", transferred_on=tomorrow)
    before = selectors.programme_balances(setup.programme)

    services.claim_disburse(
        actor=setup.officer, claim=again, transfer_number="GK2025-000456", transferred_on=timezone.localdate()
    )

    again.refresh_from_db()
    setup.redemption.refresh_from_db()
    assert again.state == ClaimState.SETTLED
    assert (again.transfer_number, again.transferred_on) == ("GK2025-000456", timezone.localdate())
    assert setup.redemption.state == RedemptionState.SETTLED
    settle = LedgerTransaction.objects.get(kind=TransactionKind.SETTLE)
    assert (settle.claim, settle.redemption) == (again, setup.redemption)
    assert sorted(settle.entries.values_list("account", "amount_fen")) == [
        (Account.REDEEMED, -30_000 * YUAN),
        (Account.SETTLED, 30_000 * YUAN),
    ]
    after = selectors.programme_balances(setup.programme)
    assert after[Account.REDEEMED] == before[Account.REDEEMED] - 30_000 * YUAN
    assert after[Account.SETTLED] == before[Account.SETTLED] + 30_000 * YUAN
    assert selectors.voucher_balance_fen(setup.voucher) == 20_000 * YUAN  # settling leaves the balance alone
    # Nothing more to claim or disburse.
    with unchanged(setup.voucher), pytest.raises(Conflict):
        services.claim_submit(actor=setup.holder_user, redemption=setup.redemption, evidence=evidence_file())
    with unchanged(setup.voucher), pytest.raises(Conflict):
        services.claim_disburse(
            actor=setup.officer, claim=again, transfer_number="GK2025-000457", transferred_on=timezone.localdate()
        )
    assert_ledger_verifies()


def test_only_the_holder_or_the_provider_claims_and_only_a_confirmed_redemption(redeemed):
    setup = redeemed
    with unchanged(setup.voucher), pytest.raises(PermissionDenied):
        services.claim_submit(actor=holder_staff(), redemption=setup.redemption, evidence=evidence_file())
    pending = redeem(setup.provider_user, setup.voucher, 1_000 * YUAN, order=setup.order).redemption
    with unchanged(setup.voucher), pytest.raises(Conflict) as refusal:
        services.claim_submit(actor=setup.provider_user, redemption=pending, evidence=evidence_file())
    assert (
        refusal.value.message
        == "Only a confirmed redemption can be settled; this one is awaiting the holder's confirmation."
    )
    with unchanged(setup.voucher), pytest.raises(ValidationError):
        services.claim_submit(actor=setup.provider_user, redemption=setup.redemption, evidence=None)
    assert not SettlementClaim.objects.exists()
