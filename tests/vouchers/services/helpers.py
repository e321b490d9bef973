"""Assertions the voucher service tests share: a refused call changes nothing, and the ledger
verifies."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db.models import Count, Q, Sum
from django.utils import translation

from vouchers import selectors, services
from vouchers.models import LedgerEntry, LedgerTransaction, Redemption, SettlementClaim, Voucher
from vouchers.verification import ledger_violations


def snapshot(*vouchers: Voucher) -> dict[str, object]:
    return {
        "transactions": LedgerTransaction.objects.count(),
        "entries": LedgerEntry.objects.count(),
        "redemptions": list(Redemption.objects.order_by("pk").values_list("pk", "state")),
        "claims": list(SettlementClaim.objects.order_by("pk").values_list("pk", "state")),
        "vouchers": list(Voucher.objects.order_by("pk").values_list("pk", "state")),
        "balances": [selectors.voucher_balance_fen(voucher) for voucher in vouchers],
    }


@contextmanager
def unchanged(*vouchers: Voucher) -> Iterator[None]:
    """The block (a refused call inside `pytest.raises`) leaves the ledger, the redemptions, the
    claims and the vouchers' states and balances as they were."""
    before = snapshot(*vouchers)
    yield
    assert snapshot(*vouchers) == before


@contextmanager
def no_money_moves(*vouchers: Voucher) -> Iterator[None]:
    """The block (which may add requests or claims) writes nothing to the ledger."""
    keys = ("transactions", "entries", "balances")
    before = snapshot(*vouchers)
    yield
    after = snapshot(*vouchers)
    assert {key: after[key] for key in keys} == {key: before[key] for key in keys}


def assert_ledger_verifies() -> None:
    assert [str(violation) for violation in ledger_violations()] == []
    unbalanced = LedgerTransaction.objects.annotate(total=Sum("entries__amount_fen"), legs=Count("entries")).filter(
        Q(legs__lt=2) | ~Q(total=0)
    )
    assert not unbalanced.exists()


def redeem(actor, voucher: Voucher, amount_fen, *, contract=None, order=None, key: str = "", today=None, code=None):
    """`voucher_redeem` against a contract or an order (objects, not ids); returns the outcome."""
    return services.voucher_redeem(
        actor=actor,
        code=voucher.code if code is None else code,
        amount_fen=amount_fen,
        contract_id=contract.pk if contract is not None else None,
        order_id=order.pk if order is not None else None,
        idempotency_key=key,
        today=today,
    )


def in_english(call):
    """`call` for another thread (tests.races.run_together): the language the test activated is
    the test thread's alone."""

    def run():
        with translation.override("en"):
            return call()

    return run
