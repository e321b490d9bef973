"""`manage.py verify_voucher_ledger`: quiet and successful on books the services kept; for each kind
of corruption written straight into the rows, a failure (CommandError, exit status 1) whose stderr
names the rule broken."""

from __future__ import annotations

import datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db.models import F
from django.utils import timezone

from registry import services as registry_services
from tests.factories.vouchers import (
    YUAN,
    evidence_file,
    external_order,
    holder_of,
    issued_voucher,
    officer,
    open_programme,
    redeemable_order,
)
from tests.vouchers.services.helpers import redeem
from vouchers import ledger, services, totals
from vouchers.models import (
    Account,
    ClaimState,
    ExternalOrder,
    LedgerEntry,
    Programme,
    RedeemedByHolder,
    RedeemedOnTarget,
    Redemption,
    RedemptionState,
    SettlementClaim,
    TransactionKind,
    Voucher,
    VoucherBalance,
)

pytestmark = pytest.mark.django_db


def verify(*args: str) -> str:
    out = StringIO()
    call_command("verify_voucher_ledger", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def violations(*args: str) -> tuple[list[str], str]:
    """The rules the failing command names on stderr, and its error."""
    err = StringIO()
    with pytest.raises(CommandError) as failure:
        call_command("verify_voucher_ledger", *args, stdout=StringIO(), stderr=err)
    return [line.split(":", 1)[0] for line in err.getvalue().splitlines()], str(failure.value)


@pytest.fixture
def books():
    """A programme whose holder redeemed ¥30,000 of a ¥50,000 voucher against an order of
    ¥200,000 (covered at 50 %), with a claim awaiting disbursement."""
    setup = redeemable_order()
    setup.redemption = redeem(setup.holder_user, setup.voucher, 30_000 * YUAN, order=setup.order).redemption
    setup.claim = services.claim_submit(actor=setup.holder_user, redemption=setup.redemption, evidence=evidence_file())
    services.claim_approve(actor=setup.officer, claim=setup.claim)
    return setup


def test_books_kept_by_the_services_verify(books):
    # Every kind of movement: fund, issue, redeem, settle, expire, cancel, and a pending request.
    services.claim_disburse(
        actor=books.officer, claim=books.claim, transfer_number="GK-1", transferred_on=timezone.localdate()
    )
    redeem(books.provider_user, books.voucher, 1_000 * YUAN, order=books.order)
    other = issued_voucher(books.programme, books.holder_user, 1 * YUAN)
    services.voucher_cancel(actor=books.officer, voucher=other, reason="重复发放")
    services.vouchers_expire(today=books.voucher.valid_until + datetime.timedelta(days=1))

    assert verify() == "voucher ledger verified: every invariant holds\n"
    assert verify("--all") == "voucher ledger verified: every invariant holds\n"


def _unbalanced(books) -> None:
    LedgerEntry.objects.filter(transaction__kind=TransactionKind.REDEEM, account=Account.REDEEMED).update(
        amount_fen=F("amount_fen") - 1
    )


def _voucher_balance(books) -> None:
    Voucher.objects.filter(pk=books.voucher.pk).update(face_fen=F("face_fen") + 100)


def _settled_without_settle_transaction(books) -> None:
    SettlementClaim.objects.filter(pk=books.claim.pk).update(state=ClaimState.SETTLED)


def _over_cap(books) -> None:
    Programme.objects.filter(pk=books.programme.pk).update(holder_cap_fen=20_000 * YUAN)


def _over_coverage(books) -> None:
    ExternalOrder.objects.filter(pk=books.order.pk).update(value_fen=50_000 * YUAN)  # 50 %: ¥25,000


def _second_programme(books) -> None:
    """A programme of another Shenzhen authority pays a second order of the holder, which is then
    made to point at the first order."""
    same_region = open_programme(officer("440300"), name="深圳市算力券")
    voucher = issued_voucher(same_region, books.holder_user, 10_000 * YUAN)
    other_order = external_order(books.holder_user, books.order.provider)
    second = redeem(books.holder_user, voucher, 10_000 * YUAN, order=other_order).redemption
    Redemption.objects.filter(pk=second.pk).update(order=books.order)


def _related_party(books) -> None:
    registry_services.relation_declare(
        actor=books.holder_user,
        organisation=holder_of(books.holder_user),
        related_organisation=books.order.provider,
        nature="同一实际控制人（事后申报）",
    )


def _running_balance(books) -> None:
    VoucherBalance.objects.filter(voucher=books.voucher, account=Account.ISSUED).update(amount_fen=F("amount_fen") + 1)


def _budget_changed(books) -> None:
    Programme.objects.filter(pk=books.programme.pk).update(budget_fen=10 * YUAN)


@pytest.mark.parametrize(
    ("corrupt", "rule"),
    [
        (_unbalanced, "unbalanced_transaction"),
        (_voucher_balance, "voucher_balance"),
        (_settled_without_settle_transaction, "claim_booking"),
        (_over_cap, "holder_cap"),
        (_over_coverage, "coverage"),
        (_second_programme, "second_programme"),
        (_related_party, "related_party"),
        (_budget_changed, "funding"),
        (_running_balance, "running_total"),
    ],
)
def test_each_kind_of_corruption_fails_naming_its_rule_first(books, corrupt, rule):
    verify()
    corrupt(books)

    named, error = violations()

    assert named == [rule]
    assert error == "voucher ledger: a violation(s) found"


def test_a_redemption_with_no_booking_is_named(books):
    """A confirmed redemption written without its ledger transaction: the voucher's balance no
    longer adds up either, and --all lists every rule it breaks."""
    Redemption.objects.create(
        voucher=books.voucher,
        programme=books.programme,
        holder=books.voucher.holder,
        provider=books.order.provider,
        order=books.order,
        amount_fen=1_000 * YUAN,
        state=RedemptionState.CONFIRMED,
        year=timezone.localdate().year,
        requested_by=books.holder_user,
        requested_at=timezone.now(),
    )

    first, _error = violations()
    named, error = violations("--all")

    assert first == ["voucher_balance"]
    assert "redemption_booking" in named
    # and the running totals, which only the services add to
    assert set(named) == {"voucher_balance", "redeemed_account", "redemption_booking", "running_total"}
    assert error == f"voucher ledger: {len(named)} violation(s) found"


def test_a_claim_and_redemption_marked_settled_without_the_transaction_are_named(books):
    SettlementClaim.objects.filter(pk=books.claim.pk).update(state=ClaimState.SETTLED)
    Redemption.objects.filter(pk=books.redemption.pk).update(state=RedemptionState.SETTLED)

    named, _error = violations("--all")

    assert {"claim_booking", "redeemed_account"} <= set(named)


def test_the_running_totals_rebuilt_from_the_rows_are_the_ones_the_services_kept(books):
    """What the scale data set's loader does (rebuild from the rows) gives what every posting and
    confirmation added up, row for row."""
    redeem(books.provider_user, books.voucher, 1_000 * YUAN, order=books.order)  # pending: counts nothing
    services.claim_disburse(
        actor=books.officer, claim=books.claim, transfer_number="GK-2", transferred_on=timezone.localdate()
    )
    kept = running_totals()
    assert kept[0]  # balances of the voucher's issued, redeemed and settled accounts
    assert kept[1] == [(books.programme.pk, None, books.order.pk, 30_000 * YUAN)]
    assert kept[2] == [(books.voucher.holder_id, books.programme.pk, timezone.localdate().year, 30_000 * YUAN)]

    ledger.rebuild_balances()
    totals.rebuild()

    assert running_totals() == kept
    assert verify() == "voucher ledger verified: every invariant holds\n"


def running_totals() -> list[list[tuple]]:
    return [
        sorted(VoucherBalance.objects.values_list("voucher", "account", "amount_fen")),
        sorted(RedeemedOnTarget.objects.values_list("programme", "contract", "order", "amount_fen")),
        sorted(RedeemedByHolder.objects.values_list("holder", "programme", "year", "amount_fen")),
    ]
