"""A property test: any sequence of approvals, redemptions (by the holder, or requested by the
provider), confirmations, declines, cancellations, expiry and settlements, run through the
services, leaves every ledger transaction balanced and `ledger_violations()` empty; and every
call succeeds or is refused exactly as a plain-Python model of the rules of DESIGN §6 says.

The programme, two holders and their orders are made once; each example runs in a savepoint
rolled back at its end, so examples never see each other's data.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from portal.errors import Conflict, DomainError
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
)
from tests.vouchers.services.helpers import assert_ledger_verifies, redeem
from vouchers import selectors, services
from vouchers.models import Redemption, RedemptionState, Voucher

BUDGET = 150_000 * YUAN
CAP = 50_000 * YUAN
COVERAGE_BP = 5_000
ORDER_VALUES = (60_000 * YUAN, 200_000 * YUAN)  # covered up to ¥30,000 and ¥100,000

pytestmark = pytest.mark.django_db


@dataclass
class World:
    programme: object
    officer: object
    holders: list  # holder staff users
    provider: object  # the provider's staff user
    orders: list  # per holder: its two orders


@pytest.fixture
def world():
    programme = open_programme(budget_fen=BUDGET, holder_cap_fen=CAP, coverage_bp=COVERAGE_BP)
    provider_user = provider_staff()
    holders = [holder_staff(), holder_staff()]
    orders = [[external_order(user, provider_of(provider_user), value) for value in ORDER_VALUES] for user in holders]
    return World(programme, officer_of(programme), holders, provider_user, orders)


# --- The model -----------------------------------------------------------------------------------


@dataclass
class ModelVoucher:
    row: Voucher
    holder: int
    balance: int
    active: bool = True


@dataclass
class ModelRedemption:
    row: Redemption
    voucher: int
    order: tuple[int, int]
    amount: int
    state: str


@dataclass
class Model:
    budget_left: int = BUDGET
    issued_to: list[int] = field(default_factory=lambda: [0, 0])
    vouchers: list[ModelVoucher] = field(default_factory=list)
    redemptions: list[ModelRedemption] = field(default_factory=list)

    def used(self, *, holder: int, order: int | None = None) -> int:
        return sum(
            r.amount
            for r in self.redemptions
            if r.state in (RedemptionState.CONFIRMED, RedemptionState.SETTLED)
            and r.order[0] == holder
            and (order is None or r.order[1] == order)
        )

    def refusal(self, voucher: ModelVoucher, order: int, amount: int) -> str | None:
        """The code the first broken rule answers, in check_rules' order; None if all hold."""
        holder = voucher.holder
        if not voucher.active:
            return "voucher_not_valid"
        if amount > voucher.balance:
            return "over_balance"
        if self.used(holder=holder, order=order) + amount > ORDER_VALUES[order] * COVERAGE_BP // 10_000:
            return "over_coverage"
        if self.used(holder=holder) + amount > CAP:
            return "over_cap"
        return None


def refused_code(call) -> str | None:
    """Run a service call: None if it succeeds, else the refusal's code ("over_balance",
    "conflict"…; "invalid" for a ValidationError)."""
    try:
        call()
    except DomainError as error:
        return getattr(error, "code", type(error).__name__)
    except ValidationError:
        return "invalid"
    return None


# --- Operations ----------------------------------------------------------------------------------

amounts = st.integers(1, 40).map(lambda k: k * 1_000 * YUAN) | st.integers(1, 40_000 * YUAN)
approvals = st.tuples(st.just("approve"), st.integers(0, 1), st.integers(1, 60).map(lambda k: k * 1_000 * YUAN))
redemptions = st.tuples(st.just("redeem"), st.integers(0, 9), st.integers(0, 1), amounts, st.booleans())
operations = st.tuples(
    st.lists(approvals, min_size=1, max_size=3),  # a few vouchers first, so that most steps use one
    st.lists(
        st.one_of(  # redemptions first: hypothesis draws the first branches more often
            redemptions,
            redemptions,
            st.tuples(st.just("confirm"), st.integers(0, 9)),
            redemptions,
            st.tuples(st.just("settle"), st.integers(0, 9)),
            st.tuples(st.just("confirm"), st.integers(0, 9)),
            st.tuples(st.just("decline"), st.integers(0, 9)),
            st.tuples(st.just("cancel"), st.integers(0, 9)),
            approvals,
            st.tuples(st.just("expire")),
        ),
        min_size=3,
        max_size=10,
    ),
).map(lambda parts: parts[0] + parts[1])


def approve(world: World, model: Model, holder: int, amount: int) -> None:
    user = world.holders[holder]
    submit = {
        "actor": user,
        "programme": world.programme,
        "applicant": holder_of(user),
        "requested_fen": amount,
        "purpose": "标注服务",
        "evidence": evidence_file(),
    }
    if amount > CAP:  # nobody may ask for more than the cap
        assert refused_code(lambda: services.application_submit(**submit)) == "invalid"
        event("approve: over the cap asked")
        return
    application = services.application_submit(**submit)
    fits = amount <= model.budget_left and model.issued_to[holder] + amount <= CAP
    try:
        voucher = services.application_approve(actor=world.officer, application=application)
    except ValidationError:
        assert not fits
        event("approve: over the budget or the cap")
        services.application_withdraw(actor=user, application=application)
        return
    assert fits
    model.budget_left -= amount
    model.issued_to[holder] += amount
    model.vouchers.append(ModelVoucher(row=voucher, holder=holder, balance=amount))


def redeem_op(world: World, model: Model, index: int, order: int, amount: int, by_provider: bool) -> None:
    if not model.vouchers:
        return
    voucher = model.vouchers[index % len(model.vouchers)]
    expected = model.refusal(voucher, order, amount)
    actor = world.provider if by_provider else world.holders[voucher.holder]
    outcome = {}
    code = refused_code(
        lambda: outcome.update(redemption=redeem(actor, voucher.row, amount, order=world.orders[voucher.holder][order]))
    )
    event(f"redeem: {code or 'redeemed'}")
    assert code == expected
    if code is not None:
        return
    redemption = outcome["redemption"].redemption
    state = RedemptionState.PENDING if by_provider else RedemptionState.CONFIRMED
    assert redemption.state == state
    model.redemptions.append(
        ModelRedemption(
            row=redemption,
            voucher=model.vouchers.index(voucher),
            order=(voucher.holder, order),
            amount=amount,
            state=state,
        )
    )
    if not by_provider:
        voucher.balance -= amount


def confirm(world: World, model: Model, index: int) -> None:
    if not model.redemptions:
        return
    redemption = model.redemptions[index % len(model.redemptions)]
    voucher = model.vouchers[redemption.voucher]
    holder_user = world.holders[voucher.holder]
    if redemption.state != RedemptionState.PENDING:
        assert refused_code(lambda: services.redemption_confirm(actor=holder_user, redemption=redemption.row)) == (
            "conflict"
        )
        event(f"confirm: {redemption.state}, a conflict")
        return
    expected = model.refusal(voucher, redemption.order[1], redemption.amount)
    code = refused_code(lambda: services.redemption_confirm(actor=holder_user, redemption=redemption.row))
    event(f"confirm: {code or 'confirmed'}")
    assert code == expected
    if code is None:
        redemption.state = RedemptionState.CONFIRMED
        voucher.balance -= redemption.amount


def decline(world: World, model: Model, index: int) -> None:
    if not model.redemptions:
        return
    redemption = model.redemptions[index % len(model.redemptions)]
    holder_user = world.holders[model.vouchers[redemption.voucher].holder]
    code = refused_code(lambda: services.redemption_decline(actor=holder_user, redemption=redemption.row))
    if redemption.state == RedemptionState.PENDING:
        assert code is None
        redemption.state = RedemptionState.DECLINED
    else:
        assert code == "conflict"


def end(model: Model, voucher: ModelVoucher) -> None:
    model.budget_left += voucher.balance
    voucher.balance = 0
    voucher.active = False
    index = model.vouchers.index(voucher)
    for redemption in model.redemptions:
        if redemption.voucher == index and redemption.state == RedemptionState.PENDING:
            redemption.state = RedemptionState.DECLINED


def cancel(world: World, model: Model, index: int) -> None:
    if not model.vouchers:
        return
    voucher = model.vouchers[index % len(model.vouchers)]
    code = refused_code(lambda: services.voucher_cancel(actor=world.officer, voucher=voucher.row, reason="作废"))
    if voucher.active:
        assert code is None
        end(model, voucher)
    else:
        assert code == "conflict"


def expire(world: World, model: Model) -> None:
    day_after = world.programme.valid_until + datetime.timedelta(days=1)
    active = [voucher for voucher in model.vouchers if voucher.active]
    assert services.vouchers_expire(today=day_after) == len(active)
    for voucher in active:
        end(model, voucher)


def settle(world: World, model: Model, index: int) -> None:
    if not model.redemptions:
        return
    redemption = model.redemptions[index % len(model.redemptions)]
    holder_user = world.holders[model.vouchers[redemption.voucher].holder]
    if redemption.state != RedemptionState.CONFIRMED:
        with pytest.raises(Conflict):
            services.claim_submit(actor=holder_user, redemption=redemption.row, evidence=evidence_file())
        return
    claim = services.claim_submit(actor=holder_user, redemption=redemption.row, evidence=evidence_file())
    services.claim_approve(actor=world.officer, claim=claim)
    services.claim_disburse(
        actor=world.officer, claim=claim, transfer_number=f"GK-{claim.pk}", transferred_on=timezone.localdate()
    )
    redemption.state = RedemptionState.SETTLED
    redemption.row.refresh_from_db()


def run(world: World, steps) -> None:
    model = Model()
    handlers = {
        "approve": approve,
        "redeem": redeem_op,
        "confirm": confirm,
        "decline": decline,
        "cancel": cancel,
        "expire": expire,
        "settle": settle,
    }
    for name, *arguments in steps:
        handlers[name](world, model, *arguments)
        assert [selectors.voucher_balance_fen(v.row) for v in model.vouchers] == [v.balance for v in model.vouchers]
        assert selectors.budget_available_fen(world.programme) == model.budget_left
        assert list(Redemption.objects.order_by("pk").values_list("state", flat=True)) == [
            r.state for r in model.redemptions
        ]
    assert_ledger_verifies()


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=operations)
def test_any_sequence_of_services_keeps_the_ledger_verified_and_the_rules_exact(world, steps):
    with transaction.atomic():
        run(world, steps)
        transaction.set_rollback(True)
