"""Bad input at redemption (issue 8): every rule of DESIGN §6 refuses with its own code and message
and changes nothing. Redeemed against external orders here (the rules are the same for contracts;
tests/vouchers/services/test_redemption_contracts.py has those only contracts have)."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError

from portal.errors import Conflict, NotFound, PermissionDenied
from registry import services as registry_services
from registry.models import HolderKind
from tests.factories import OrganisationFactory
from tests.factories.talent import valid_resident_id
from tests.factories.vouchers import (
    YUAN,
    evidence_file,
    external_order,
    holder_of,
    holder_staff,
    issued_voucher,
    officer_of,
    open_programme,
    provider_of,
    provider_staff,
    redeemable_order,
    voucher_issued_on,
)
from tests.vouchers.services.helpers import assert_ledger_verifies, no_money_moves, redeem, unchanged
from tests.vouchers.services.paths import redemption_path  # noqa: F401 (autouse, both paths)
from vouchers import selectors, services
from vouchers.codes import display_code, new_code
from vouchers.models import LedgerTransaction, ProviderRule, Redemption, RedemptionState, TransactionKind
from vouchers.services._common import RedemptionRefused

pytestmark = pytest.mark.django_db

NO_VOUCHER = "No voucher with this code can be used here."


@pytest.fixture
def setup():
    """A ¥50,000 voucher, an order of ¥200,000 (the programme covers 50 %: ¥100,000), cap ¥100,000."""
    return redeemable_order()


def refused(setup, amount_fen, *, vouchers=(), **kwargs) -> RedemptionRefused:
    """Redeem as the holder against the setup's order; assert it is refused and changes nothing."""
    kwargs.setdefault("order", setup.order)
    with unchanged(setup.voucher, *vouchers), pytest.raises(RedemptionRefused) as refusal:
        redeem(kwargs.pop("actor", setup.holder_user), kwargs.pop("voucher", setup.voucher), amount_fen, **kwargs)
    return refusal.value


# --- Balance, cap, coverage ------------------------------------------------------------------------


def test_redeeming_more_than_the_balance_is_refused(setup):
    redeem(setup.holder_user, setup.voucher, 30_000 * YUAN, order=setup.order)

    refusal = refused(setup, 20_000 * YUAN + 1)

    assert refusal.code == "over_balance"
    assert refusal.message == "The voucher's balance is 20,000.00 yuan."
    assert refusal.status == 400
    redeem(setup.holder_user, setup.voucher, 20_000 * YUAN, order=setup.order)  # exactly the balance
    assert selectors.voucher_balance_fen(setup.voucher) == 0
    assert_ledger_verifies()


def test_the_holder_cap_spans_the_holders_vouchers_and_starts_again_each_calendar_year():
    """A programme running from December 2024 to the end of 2025 (cap ¥100,000 a year): a
    second voucher is issued only in the new year, and the two together may not pay more than
    the cap in 2025, whatever was used in 2024."""
    programme = open_programme(
        year=2024,
        valid_from=datetime.date(2024, 12, 1),
        valid_until=datetime.date(2025, 12, 31),
        holder_cap_fen=100_000 * YUAN,
    )
    holder_user = holder_staff()
    order = external_order(holder_user, provider_of(provider_staff()), 1_000_000 * YUAN)
    first = voucher_issued_on(programme, holder_user, 100_000 * YUAN, today=datetime.date(2024, 12, 10))
    redeem(holder_user, first, 60_000 * YUAN, order=order, today=datetime.date(2024, 12, 20))

    # A second voucher in 2024 would let the holder pass the cap: refused at approval.
    application = services.application_submit(
        actor=holder_user,
        programme=programme,
        applicant=holder_of(holder_user),
        requested_fen=100_000 * YUAN,
        purpose="第二批标注服务",
        evidence=evidence_file(),
        today=datetime.date(2024, 12, 20),
    )
    with unchanged(first), pytest.raises(ValidationError) as too_much:
        services.application_approve(
            actor=officer_of(programme), application=application, today=datetime.date(2024, 12, 20)
        )
    assert too_much.value.message_dict == {
        "amount_fen": ["The holder's cap allows only 0.00 yuan more from this programme."]
    }
    # In 2025 the cap starts again.
    second = services.application_approve(
        actor=officer_of(programme), application=application, today=datetime.date(2025, 1, 5)
    )
    january = datetime.date(2025, 1, 10)
    redeem(holder_user, first, 40_000 * YUAN, order=order, today=january)
    redeem(holder_user, second, 60_000 * YUAN, order=order, today=january)  # 2025: exactly the cap

    with unchanged(first, second), pytest.raises(RedemptionRefused) as refusal:
        redeem(holder_user, second, 1, order=order, today=january)

    assert refusal.value.code == "over_cap"
    assert refusal.value.message == (
        "The holder may use at most 100,000.00 yuan of this programme in 2025: 0.00 yuan more."
    )
    assert selectors.voucher_balance_fen(second) == 40_000 * YUAN
    assert sorted(Redemption.objects.values_list("year", "amount_fen")) == [
        (2024, 60_000 * YUAN),
        (2025, 40_000 * YUAN),
        (2025, 60_000 * YUAN),
    ]
    assert_ledger_verifies()


def test_redeeming_beyond_the_programmes_share_of_the_order_is_refused():
    setup = redeemable_order(amount_fen=100_000 * YUAN, order_value_fen=150_000 * YUAN)  # 50 %: ¥75,000
    redeem(setup.holder_user, setup.voucher, 50_000 * YUAN, order=setup.order)

    refusal = refused(setup, 25_000 * YUAN + 1)

    assert refusal.code == "over_coverage"
    assert refusal.message == "The programme pays at most 50.00% of this contract or order: 25,000.00 yuan more."
    redeem(setup.holder_user, setup.voucher, 25_000 * YUAN, order=setup.order)
    assert selectors.voucher_balance_fen(setup.voucher) == 25_000 * YUAN
    assert_ledger_verifies()


# --- The voucher and the programme -------------------------------------------------------------


def test_a_voucher_past_its_last_day_is_refused_before_and_after_the_expiry_beat(setup):
    day_after = setup.voucher.valid_until + datetime.timedelta(days=1)

    refusal = refused(setup, 1 * YUAN, today=day_after)

    assert refusal.code == "voucher_not_valid"
    assert refusal.message == (
        f"This voucher is valid from {setup.voucher.valid_from.isoformat()} to "
        f"{setup.voucher.valid_until.isoformat()} and is active."
    )
    assert services.vouchers_expire(today=day_after) == 1
    refusal = refused(setup, 1 * YUAN)
    assert refusal.code == "voucher_not_valid"
    assert refusal.message.endswith("and is expired.")


def test_a_cancelled_voucher_is_refused(setup):
    services.voucher_cancel(actor=setup.officer, voucher=setup.voucher, reason="申领材料不实")

    refusal = refused(setup, 1 * YUAN)

    assert refusal.code == "voucher_not_valid"
    assert refusal.message.endswith("and is cancelled.")
    assert selectors.voucher_balance_fen(setup.voucher) == 0


def test_a_paused_programme_redeems_nothing_until_it_reopens(setup):
    services.programme_pause(actor=setup.officer, programme=setup.programme)

    refusal = refused(setup, 1 * YUAN)

    assert refusal.code == "programme_not_open"
    assert refusal.message == "The programme is paused: vouchers cannot be redeemed now."
    services.programme_open(actor=setup.officer, programme=setup.programme)
    assert redeem(setup.holder_user, setup.voucher, 1 * YUAN, order=setup.order).redemption.state == "confirmed"


def test_a_closed_programmes_vouchers_are_cancelled_and_refused(setup):
    services.programme_close(actor=setup.officer, programme=setup.programme)

    refusal = refused(setup, 1 * YUAN)

    assert refusal.code == "voucher_not_valid"
    assert refusal.message.endswith("and is cancelled.")
    assert selectors.voucher_balance_fen(setup.voucher) == 0


# --- The provider ----------------------------------------------------------------------------------


def test_a_provider_outside_the_programmes_region_is_refused(setup):
    elsewhere = provider_of(provider_staff(region_code="340100"))  # Hefei; the programme pays Sichuan
    order = external_order(setup.holder_user, elsewhere)

    refusal = refused(setup, 1 * YUAN, order=order)

    assert refusal.code == "provider_not_eligible"
    assert refusal.message == f"This programme does not pay {elsewhere.name}."


def test_an_unverified_provider_is_refused(setup):
    unverified = OrganisationFactory(region_code="510100", verified=False)
    order = external_order(setup.holder_user, unverified)

    assert refused(setup, 1 * YUAN, order=order).code == "provider_not_eligible"


def test_a_list_programme_pays_only_its_listed_providers():
    listed = provider_of(provider_staff(region_code="340100"))
    setup = redeemable_order(provider_rule=ProviderRule.LIST, provider_credit_codes=[listed.credit_code])

    refusal = refused(setup, 1 * YUAN)  # the setup's provider (Chengdu) is not on the list

    assert refusal.code == "provider_not_eligible"
    assert refusal.message == f"This programme does not pay {setup.order.provider.name}."
    listed_order = external_order(setup.holder_user, listed)
    assert redeem(setup.holder_user, setup.voucher, 1 * YUAN, order=listed_order).redemption.provider == listed


# --- Related parties (registry.related_parties) ---------------------------------------------------


def test_a_provider_with_a_declared_relation_is_refused(setup):
    holder = holder_of(setup.holder_user)
    registry_services.relation_declare(
        actor=setup.holder_user, organisation=holder, related_organisation=setup.order.provider, nature="同一实际控制人"
    )

    refusal = refused(setup, 1 * YUAN)

    assert refusal.code == "related_party"
    assert refusal.message == "The holder and the provider are related parties: a voucher cannot pay between them."


def test_a_provider_with_the_holders_legal_representative_is_refused(setup, operator):
    representative = valid_resident_id(808, region_code="440305", born="19800808")
    for user, organisation in (
        (setup.holder_user, holder_of(setup.holder_user)),
        (setup.provider_user, setup.order.provider),
    ):
        registry_services.organisation_update_profile(
            actor=user,
            organisation=organisation,
            legal_representative="陈立",
            legal_representative_id_number=representative,
        )
        # A new legal representative sends it back to the operators, who verify it again.
        registry_services.organisation_verify(actor=operator, organisation=organisation)

    assert refused(setup, 1 * YUAN).code == "related_party"


@pytest.mark.parametrize(("share_bp", "related"), [(500, True), (499, False)])
def test_a_provider_the_holder_owns_five_percent_of_is_refused(setup, share_bp, related):
    holder = holder_of(setup.holder_user)
    registry_services.organisation_set_shareholders(
        actor=setup.provider_user,
        organisation=setup.order.provider,
        shareholders=[
            registry_services.ShareholderInput(
                holder_kind=HolderKind.ORGANISATION, name=holder.name, share_bp=share_bp, credit_code=holder.credit_code
            )
        ],
    )

    if related:
        assert refused(setup, 1 * YUAN).code == "related_party"
    else:  # 4.99 %: not a significant holding
        assert redeem(setup.holder_user, setup.voucher, 1 * YUAN, order=setup.order).redemption.state == "confirmed"


# --- Bad amounts, codes and keys ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        (-100, "The amount must be more than zero."),
        (0, "The amount must be more than zero."),
        (True, "Give the amount in fen as a whole number."),
        (False, "Give the amount in fen as a whole number."),
        ("100", "Give the amount in fen as a whole number."),
        (100.0, "Give the amount in fen as a whole number."),
        (1.5, "Give the amount in fen as a whole number."),
        (None, "Give the amount in fen as a whole number."),
    ],
)
def test_an_amount_that_is_not_a_positive_whole_number_of_fen_is_refused(setup, amount, message):
    with unchanged(setup.voucher), pytest.raises(ValidationError) as refusal:
        redeem(setup.holder_user, setup.voucher, amount, order=setup.order)

    assert refusal.value.message_dict == {"amount_fen": [message]}


def test_unknown_and_other_holders_codes_get_the_same_answer(setup):
    other_holders = issued_voucher(setup.programme, holder_staff(), 10_000 * YUAN)
    codes = {
        "unknown": new_code(),
        "another holder's": other_holders.code,
        "another holder's, as displayed": display_code(other_holders.code).lower(),
        "not a code": "not-a-code",
    }
    answers = {}
    for name, code in codes.items():
        with unchanged(setup.voucher, other_holders), pytest.raises(NotFound) as refusal:
            redeem(setup.holder_user, setup.voucher, 1 * YUAN, order=setup.order, code=code)
        answers[name] = (refusal.value.status, refusal.value.message, refusal.value.fields)

    assert answers == dict.fromkeys(codes, (404, NO_VOUCHER, {}))


def test_someone_with_no_part_in_the_order_learns_nothing_from_a_right_code(setup):
    stranger = holder_staff()

    with unchanged(setup.voucher), pytest.raises(NotFound) as refusal:
        redeem(stranger, setup.voucher, 1 * YUAN, order=setup.order)

    assert refusal.value.message == NO_VOUCHER


def test_an_unknown_order_gets_the_same_answer_as_an_unknown_code(setup):
    with unchanged(setup.voucher), pytest.raises(NotFound) as refusal:
        services.voucher_redeem(
            actor=setup.holder_user, code=setup.voucher.code, amount_fen=1 * YUAN, order_id=setup.order.pk + 1_000
        )

    assert refusal.value.message == NO_VOUCHER


@pytest.mark.parametrize("key", ["k" * 256, "ключ", "tab\there"])
def test_a_malformed_idempotency_key_is_refused(setup, key):
    with unchanged(setup.voucher), pytest.raises(ValidationError) as refusal:
        redeem(setup.holder_user, setup.voucher, 1 * YUAN, order=setup.order, key=key)

    assert refusal.value.message_dict == {"Idempotency-Key": ["The key must be 1 to 255 printable ASCII characters."]}


# --- Replays ---------------------------------------------------------------------------------------


def test_a_replayed_request_returns_the_first_redemption_and_moves_money_once(setup):
    first = redeem(setup.holder_user, setup.voucher, 10_000 * YUAN, order=setup.order, key="pay-0001")

    with unchanged(setup.voucher):
        again = redeem(setup.holder_user, setup.voucher, 10_000 * YUAN, order=setup.order, key="pay-0001")

    assert not first.replayed
    assert again.replayed
    assert again.redemption.pk == first.redemption.pk
    assert Redemption.objects.count() == 1
    assert LedgerTransaction.objects.filter(kind=TransactionKind.REDEEM).count() == 1
    assert selectors.voucher_balance_fen(setup.voucher) == 40_000 * YUAN
    # The rules do not run again for a replay: the balance used up since does not matter.
    redeem(setup.holder_user, setup.voucher, 40_000 * YUAN, order=setup.order, key="pay-0002")
    assert redeem(setup.holder_user, setup.voucher, 10_000 * YUAN, order=setup.order, key="pay-0001").replayed
    assert_ledger_verifies()


@pytest.mark.parametrize("change", ["amount", "order"])
def test_the_same_key_for_another_request_is_a_conflict(setup, change):
    redeem(setup.holder_user, setup.voucher, 10_000 * YUAN, order=setup.order, key="pay-0001")
    other_order = external_order(setup.holder_user, setup.order.provider)
    amount, order = (20_000 * YUAN, setup.order) if change == "amount" else (10_000 * YUAN, other_order)

    with unchanged(setup.voucher), pytest.raises(Conflict) as conflict:
        redeem(setup.holder_user, setup.voucher, amount, order=order, key="pay-0001")

    assert conflict.value.status == 409
    assert conflict.value.message == "This Idempotency-Key was already used for a different redemption."
    assert conflict.value.fields == {"Idempotency-Key": ["Already used with another request."]}


def test_a_key_belongs_to_the_user_who_sent_it(setup):
    redeem(setup.holder_user, setup.voucher, 10_000 * YUAN, order=setup.order, key="pay-0001")

    request = redeem(setup.provider_user, setup.voucher, 5_000 * YUAN, order=setup.order, key="pay-0001")

    assert not request.replayed
    assert Redemption.objects.count() == 2


# --- The provider's request and the holder's confirmation -------------------------------------


def test_a_providers_request_moves_no_money_until_the_holder_confirms(setup):
    with no_money_moves(setup.voucher):
        request = redeem(setup.provider_user, setup.voucher, 20_000 * YUAN, order=setup.order).redemption

    assert request.state == RedemptionState.PENDING
    assert request.confirmed_by is None

    # The provider cannot confirm its own request.
    with unchanged(setup.voucher), pytest.raises(PermissionDenied):
        services.redemption_confirm(actor=setup.provider_user, redemption=request)

    confirmed = services.redemption_confirm(actor=setup.holder_user, redemption=request)

    assert confirmed.state == RedemptionState.CONFIRMED
    assert confirmed.confirmed_by == setup.holder_user
    assert selectors.voucher_balance_fen(setup.voucher) == 30_000 * YUAN
    assert LedgerTransaction.objects.get(kind=TransactionKind.REDEEM).redemption == request
    with unchanged(setup.voucher), pytest.raises(Conflict):
        services.redemption_confirm(actor=setup.holder_user, redemption=request)
    assert_ledger_verifies()


def test_the_rules_run_again_at_confirmation(setup):
    request = redeem(setup.provider_user, setup.voucher, 20_000 * YUAN, order=setup.order).redemption
    redeem(setup.holder_user, setup.voucher, 40_000 * YUAN, order=setup.order)  # the balance is used meanwhile

    with unchanged(setup.voucher), pytest.raises(RedemptionRefused) as refusal:
        services.redemption_confirm(actor=setup.holder_user, redemption=request)

    assert refusal.value.code == "over_balance"
    assert refusal.value.message == "The voucher's balance is 10,000.00 yuan."
    request.refresh_from_db()
    assert request.state == RedemptionState.PENDING
    services.redemption_decline(actor=setup.holder_user, redemption=request)
    request.refresh_from_db()
    assert request.state == RedemptionState.DECLINED
    assert selectors.voucher_balance_fen(setup.voucher) == 10_000 * YUAN
    assert_ledger_verifies()


def test_a_request_confirmed_after_the_programme_paused_is_refused(setup):
    request = redeem(setup.provider_user, setup.voucher, 20_000 * YUAN, order=setup.order).redemption
    services.programme_pause(actor=setup.officer, programme=setup.programme)

    with unchanged(setup.voucher), pytest.raises(RedemptionRefused) as refusal:
        services.redemption_confirm(actor=setup.holder_user, redemption=request)

    assert refusal.value.code == "programme_not_open"
