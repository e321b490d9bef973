"""The vouchers' demo data (vouchers.demo, loaded by seed_demo): programmes of several authorities in
several regions, every state of programme, application, voucher, redemption and claim, eligible
holders and providers, a ledger that verifies, the enterprise contract still payable by card less
the voucher's part, and a second run that creates nothing."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import F
from django.test import override_settings
from django.utils import translation

from marketplace import services as marketplace_services
from marketplace.demo_acceptance import ENTERPRISE_TENDER
from marketplace.models import Contract, MilestonePayment, PaymentState
from marketplace.selectors.payments import milestone_voucher_fen
from marketplace.services._common import SUPPLIER_KINDS
from portal.accounts.models import User
from portal.audit.models import AuditEntry
from portal.audit.selectors import audit_chain_report
from portal.management.commands.seed_demo import DEMO_PASSWORD, DEMO_USERS
from registry.models import Membership, Organisation
from registry.related_parties import are_related
from registry.roles import OrganisationKind
from tests.factories.payments import CARD
from vouchers import demo, selectors, services
from vouchers.models import (
    Account,
    Application,
    ApplicationState,
    ClaimState,
    ExternalOrder,
    LedgerEntry,
    LedgerTransaction,
    Programme,
    ProgrammeKind,
    ProgrammeState,
    ProviderRule,
    Redemption,
    RedemptionState,
    SettlementClaim,
    TransactionKind,
    Voucher,
    VoucherState,
)
from vouchers.services._common import RedemptionRefused

MODELS = (
    Organisation,
    Membership,
    User,
    Programme,
    Application,
    Voucher,
    ExternalOrder,
    Redemption,
    SettlementClaim,
    LedgerTransaction,
    LedgerEntry,
    AuditEntry,
)


def _counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


def _demo_users() -> dict[str, User]:
    return {user.username: user for user in User.objects.filter(username__in=DEMO_USERS)}


def _organisation(name: str) -> Organisation:
    return Organisation.objects.get(name=name)


def _vouchers():
    return selectors.with_balance(Voucher.objects.select_related("programme", "holder"))


@pytest.fixture(scope="module")
def _seeded_once(django_db_setup, django_db_blocker, tmp_path_factory):
    """seed_demo once for the module, in a transaction rolled back at its end; each test runs in a
    savepoint inside it (pytest-django's `db`)."""
    demo_settings = override_settings(
        DEMO_DATA_ALLOWED=True,
        MEDIA_ROOT=tmp_path_factory.mktemp("media"),
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
    )
    with django_db_blocker.unblock(), demo_settings, translation.override("en"), transaction.atomic():
        call_command("seed_demo", stdout=StringIO())
        yield
        transaction.set_rollback(True)


@pytest.fixture
def seeded(_seeded_once, db, settings, tmp_path):
    settings.DEMO_DATA_ALLOWED = True
    settings.MEDIA_ROOT = tmp_path / "media"


def test_seeding_again_creates_nothing(seeded):
    before = _counts()

    call_command("seed_demo", stdout=StringIO())
    again = demo.seed_vouchers(users=_demo_users())

    assert again == 0
    assert _counts() == before
    assert before["Programme"] == 7
    assert before["SettlementClaim"] == 7
    assert audit_chain_report().ok


def test_programmes_of_four_authorities_in_four_regions_in_every_state(seeded):
    programmes = Programme.objects.select_related("authority")

    assert {p.authority.name for p in programmes} == {demo.LANGFANG, demo.BEIJING, demo.YANGZHOU, demo.SHENZHEN}
    assert {p.authority.region_id for p in programmes} == {"131000", "110000", "321000", "440300"}
    assert {p.authority.kind for p in programmes} == {OrganisationKind.VOUCHER_AUTHORITY}
    assert all(p.authority.verified for p in programmes)
    assert {p.kind for p in programmes} == set(ProgrammeKind.values)
    # The demo officer's own authority shows every state.
    langfang = programmes.filter(authority__name=demo.LANGFANG)
    assert set(langfang.values_list("state", flat=True)) == set(ProgrammeState.values)
    compute = langfang.get(state=ProgrammeState.OPEN)
    assert (compute.kind, compute.coverage_bp, compute.holder_cap_fen) == (ProgrammeKind.COMPUTE, 5_000, 100_000_000)
    assert {p.provider_rule for p in programmes} == set(ProviderRule.values)
    # Only a draft was never funded.
    for programme in programmes:
        funded = selectors.programme_balances(programme)[Account.FUNDING]
        assert funded == (0 if programme.state == ProgrammeState.DRAFT else -programme.budget_fen)


def test_applications_in_every_state(seeded):
    applications = Application.objects.all()

    assert set(applications.values_list("state", flat=True)) == set(ApplicationState.values)
    assert all(a.review_note for a in applications.filter(state=ApplicationState.REJECTED))
    assert all(hasattr(a, "voucher") for a in applications.filter(state=ApplicationState.APPROVED))
    lowered = applications.filter(state=ApplicationState.APPROVED, approved_fen__lt=F("requested_fen"))
    assert lowered.exists()  # approved for less than asked
    assert applications.filter(state=ApplicationState.SUBMITTED, programme__authority__name=demo.LANGFANG).exists()


def test_vouchers_in_every_state_with_the_expired_balance_returned(seeded):
    vouchers = list(_vouchers())
    active = [v for v in vouchers if v.state == VoucherState.ACTIVE]

    assert {v.state for v in vouchers} == set(VoucherState.values)
    assert any(v.balance_fen == v.face_fen and v.redeemed_fen == 0 for v in active)  # full balance
    assert any(0 < v.balance_fen < v.face_fen for v in active)  # partly redeemed
    assert any(v.balance_fen == 0 and v.redeemed_fen == v.face_fen for v in active)  # fully redeemed
    (expired,) = [v for v in vouchers if v.state == VoucherState.EXPIRED]
    assert expired.programme.state == ProgrammeState.CLOSED
    assert expired.valid_until.year == expired.programme.year < expired.issued_at.year + 1
    returned = LedgerTransaction.objects.get(voucher=expired, kind=TransactionKind.EXPIRE)
    assert expired.balance_fen == 0
    assert 0 < returned.entries.get(account=Account.BUDGET).amount_fen == expired.face_fen - expired.redeemed_fen
    (cancelled,) = [v for v in vouchers if v.state == VoucherState.CANCELLED]
    assert cancelled.cancellation_reason
    assert cancelled.programme.state == ProgrammeState.PAUSED
    assert LedgerTransaction.objects.filter(voucher=cancelled, kind=TransactionKind.CANCEL).exists()


def test_redemptions_in_every_state_and_one_on_the_enterprise_contract_before_payment(seeded):
    redemptions = Redemption.objects.select_related("holder", "provider", "requested_by", "contract")
    buyer, vendor, vendor2 = (User.objects.get(username=name) for name in ("buyer", "vendor", "vendor2"))

    assert set(redemptions.values_list("state", flat=True)) == set(RedemptionState.values)
    on_contract = redemptions.get(contract__isnull=False)
    assert on_contract.contract.tender.title == ENTERPRISE_TENDER
    assert on_contract.state == RedemptionState.CONFIRMED
    assert on_contract.requested_by == buyer
    assert buyer.memberships.filter(organisation=on_contract.holder).exists()
    assert vendor.memberships.filter(organisation=on_contract.provider).exists()
    assert not MilestonePayment.objects.filter(contract=on_contract.contract).exists()
    pending = redemptions.get(state=RedemptionState.PENDING)
    assert pending.requested_by == vendor2
    assert pending.confirmed_by is None
    assert pending.holder == on_contract.holder  # the buyer confirms it
    assert redemptions.get(state=RedemptionState.DECLINED).requested_by == vendor2
    on_orders = redemptions.filter(order__isnull=False, state__in=selectors.USED_STATES)
    assert on_orders.filter(state=RedemptionState.CONFIRMED).exists()
    assert on_orders.filter(state=RedemptionState.SETTLED).exists()
    # Confirmed after a provider's request: by the holder's staff.
    asked = redemptions.filter(state__in=selectors.USED_STATES, requested_by__in=[vendor, vendor2])
    assert asked.count() == 2
    assert all(r.confirmed_by.memberships.filter(organisation=r.holder).exists() for r in asked)


def test_claims_in_every_state(seeded):
    claims = SettlementClaim.objects.select_related("redemption")

    assert set(claims.values_list("state", flat=True)) == set(ClaimState.values)
    for claim in claims.filter(state=ClaimState.SETTLED):
        assert claim.transfer_number
        assert claim.transferred_on
        assert claim.redemption.state == RedemptionState.SETTLED
        assert LedgerTransaction.objects.filter(claim=claim, kind=TransactionKind.SETTLE).exists()
    assert all(claim.review_note for claim in claims.filter(state=ClaimState.REJECTED))
    # Providers claim too: the demo vendors see their own claims.
    vendor = User.objects.get(username="vendor")
    assert selectors.claims_visible_to(user=vendor).filter(claimant__memberships__user=vendor).exists()


def test_holders_and_providers_are_eligible_and_unrelated(seeded):
    for voucher in _vouchers():
        programme, holder = voucher.programme, voucher.holder
        assert holder.verified
        assert holder.kind in programme.holder_kinds
        assert holder.region_id.startswith(programme.holder_region.subtree_prefix)
    for redemption in Redemption.objects.select_related("programme__provider_region", "holder", "provider"):
        programme, provider = redemption.programme, redemption.provider
        assert provider.verified
        assert provider.kind in SUPPLIER_KINDS
        if programme.provider_rule == ProviderRule.LIST:
            assert programme.providers.filter(pk=provider.pk).exists()
        else:
            assert provider.kind == OrganisationKind.VENDOR
            assert provider.region_id.startswith(programme.provider_region.subtree_prefix)
        assert not are_related(redemption.holder, provider)


def test_the_ledger_verifies_and_every_step_is_audited(seeded):
    out = StringIO()

    call_command("verify_voucher_ledger", "--all", stdout=out)

    assert "every invariant holds" in out.getvalue()
    actions = set(AuditEntry.objects.filter(action__startswith="voucher").values_list("action", flat=True))
    assert {
        "voucher_programme.open",
        "voucher_programme.pause",
        "voucher_programme.close",
        "voucher_application.approve",
        "voucher_application.reject",
        "voucher_application.withdraw",
        "voucher.redeem",
        "voucher.redeem_request",
        "voucher.redeem_decline",
        "voucher.expire",
        "voucher.cancel",
        "voucher_claim.reject",
        "voucher_claim.disburse",
    } <= actions
    assert audit_chain_report().ok


def test_the_buyer_pays_the_next_milestone_by_card_less_the_voucher_part(seeded, settings, localstripe):
    settings.STRIPE_SECRET_KEY = "sk_test_portal"
    settings.STRIPE_API_BASE = localstripe
    settings.STRIPE_MAX_NETWORK_RETRIES = 0
    contract = Contract.objects.get(tender__title=ENTERPRISE_TENDER)
    milestone = contract.milestones.order_by("position")[1]  # the one with a scored delivery
    part = milestone_voucher_fen(milestone)
    buyer = User.objects.get(username="buyer")
    assert 0 < part < milestone.amount_fen

    payment = marketplace_services.milestone_payment_authorise(
        actor=buyer, contract=contract, milestone_id=milestone.pk, payment_method=CARD
    )

    assert payment.state == PaymentState.AUTHORISED
    assert (payment.amount_fen, payment.voucher_fen) == (milestone.amount_fen - part, part)
    voucher = Redemption.objects.get(contract=contract).voucher
    with pytest.raises(RedemptionRefused) as refused:  # vouchers come before the first payment
        services.voucher_redeem(actor=buyer, code=voucher.code, contract_id=contract.pk, amount_fen=100)
    assert refused.value.code == "payment_started"


def test_the_demo_sign_ins_each_see_their_side(seeded):
    officer, buyer, vendor, vendor2 = (
        User.objects.get(username=name) for name in ("officer", "buyer", "vendor", "vendor2")
    )
    holder = User.objects.get(username="holder-langfang")

    assert set(selectors.programmes_run_by(user=officer).values_list("state", flat=True)) == set(ProgrammeState.values)
    assert selectors.application_queue(user=officer).exists()
    assert set(selectors.claim_queue(user=officer).values_list("state", flat=True)) == {
        ClaimState.SUBMITTED,
        ClaimState.APPROVED,
    }
    assert {v.state for v in selectors.vouchers_held_by(user=holder)} == set(VoucherState.values)
    assert selectors.vouchers_held_by(user=buyer).filter(redemptions__contract__isnull=False).exists()
    awaiting = selectors.redemptions_visible_to(user=buyer).filter(state=RedemptionState.PENDING)
    assert awaiting.count() == 1
    assert selectors.redemptions_received(user=vendor).filter(contract__isnull=False).exists()
    assert selectors.redemptions_received(user=vendor2).filter(state=RedemptionState.PENDING).exists()
    # The extra officers and the Langfang holder sign in with the demo password; nobody else added.
    for username, staff in demo.STAFF.items():
        user = User.objects.get(username=username)
        assert user.check_password(DEMO_PASSWORD) is staff.signs_in
        assert user.has_usable_password() is staff.signs_in
        assert user.username not in DEMO_USERS
    for username in ("officer-beijing", "officer-yangzhou", "officer-shenzhen"):
        user = User.objects.get(username=username)
        (authority,) = selectors.officer_authorities(user)
        assert selectors.programmes_run_by(user=user).filter(authority=authority).exists()
