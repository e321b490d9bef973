"""Pages of milestone payments, for each role: the contract's payments, the buyer's card entry
(Stripe.js only with a publishable key, test cards against localstripe otherwise), the agency's
treasury transfers and refunds; the Content-Security-Policy stays 'self' everywhere but on the
card-entry page with Stripe.js."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from marketplace import services
from marketplace.models import Decision, EntryKind, MilestonePayment, PaymentEntry, PaymentState, StripeEvent
from marketplace.payments import gateway
from marketplace.views.payments import widened_policy
from registry.roles import OrganisationKind, Role
from tests.factories import MembershipFactory, UserFactory
from tests.factories.acceptance import (
    buyer_user_of,
    csv_file,
    deliver,
    gold_labels,
    planned_milestone,
    supplier_user,
)
from tests.factories.marketplace import agency_staff, vendor_staff
from tests.factories.payments import CARD, DECLINING_CARD, enterprise_contract
from tests.factories.registry import OrganisationFactory
from tests.localstripe import free_port

pytestmark = pytest.mark.django_db

STRANGERS = ("other_vendor", "other_buyer", "regulator_elsewhere")
ROLES = ("anonymous", *STRANGERS, "supplier", "buyer", "operator", "regulator_here")


@pytest.fixture(autouse=True)
def _no_publishable_key(settings):
    settings.STRIPE_PUBLISHABLE_KEY = ""


@pytest.fixture
def browse(client):
    """`browse(user)`: the test client signed in as `user` (None: anonymous), reading English."""

    def sign_in(user):
        client.logout()
        if user is not None:
            client.force_login(user)
        client.cookies["django_language"] = "en"
        return client

    return sign_in


def _regulator(scope: str):
    organisation = agency_staff().memberships.get().organisation
    return MembershipFactory(organisation=organisation, role=Role.REGULATOR, scope_region_code=scope).user


def people_of(contract, *, scope_here: str):
    enterprise = OrganisationFactory(kind=OrganisationKind.ENTERPRISE, region_code="330100", verified=True)
    return {
        "anonymous": None,
        "other_vendor": vendor_staff(region_code="330100"),
        "other_buyer": MembershipFactory(organisation=enterprise, role=Role.ENTERPRISE_BUYER).user,
        "regulator_elsewhere": _regulator("650000"),
        "supplier": supplier_user(contract),
        "buyer": buyer_user_of(contract),
        "operator": UserFactory(is_staff=True),
        "regulator_here": _regulator(scope_here),
    }


def accept(plan) -> None:
    """Deliver the gold labels and accept them (what the decision queues on commit is dropped)."""
    delivery = deliver(plan, csv_file(gold_labels()))
    services.delivery_decide(actor=buyer_user_of(plan.contract), delivery=delivery, decision=Decision.ACCEPTED)


@pytest.fixture
def card_plan():
    """An enterprise order's first milestone, planned, nothing paid yet."""
    return planned_milestone(enterprise_contract())


@pytest.fixture
def captured(card_plan):
    """The enterprise milestone held on the Visa test card, accepted and captured."""
    services.milestone_payment_authorise(
        actor=buyer_user_of(card_plan.contract),
        contract=card_plan.contract,
        milestone_id=card_plan.milestone_id,
        payment_method=CARD,
    )
    accept(card_plan)
    payment = services.milestone_payment_capture(milestone_id=card_plan.milestone_id)
    assert payment is not None
    assert payment.state == PaymentState.CAPTURED
    return payment


@pytest.fixture
def treasury_plan():
    """A government contract's first milestone, accepted: the agency may record transfers."""
    plan = planned_milestone()
    accept(plan)
    return plan


def _region_of(contract) -> str:
    return contract.tender.region_id[:2] + "0000"


# --- who sees which page ---------------------------------------------------------------------------

PAGE = {**dict.fromkeys(ROLES, 200), **dict.fromkeys(STRANGERS, 404), "anonymous": 302}
BUYER_ONLY = {**PAGE, "supplier": 403, "operator": 403, "regulator_here": 403}
REFUND_ON_ACTIVE = {**BUYER_ONLY, "operator": 200, "buyer": 409}


@pytest.mark.parametrize("role", ROLES)
def test_contract_payments_page_per_role(browse, card_plan, role):
    contract = card_plan.contract
    user = people_of(contract, scope_here=_region_of(contract))[role]

    response = browse(user).get(reverse("marketplace:contract-payments", args=[contract.pk]))

    assert response.status_code == PAGE[role]
    if role == "anonymous":
        assert response["Location"].startswith(reverse("accounts:login"))
    if response.status_code == 200:
        assert response.context["rows"][0].milestone == card_plan.milestone
        # Only the buyer is offered the card.
        assert (b'data-testid="pay"' in response.content) == (role == "buyer")


@pytest.mark.parametrize("role", ROLES)
def test_card_entry_page_per_role(browse, card_plan, role):
    contract = card_plan.contract
    user = people_of(contract, scope_here=_region_of(contract))[role]

    response = browse(user).get(reverse("marketplace:milestone-pay", args=[contract.pk, card_plan.milestone_id]))

    assert response.status_code == BUYER_ONLY[role]


@pytest.mark.parametrize("role", ROLES)
def test_treasury_transfer_page_per_role(browse, treasury_plan, role):
    contract = treasury_plan.contract
    user = people_of(contract, scope_here=_region_of(contract))[role]

    response = browse(user).get(
        reverse("marketplace:milestone-transfer", args=[contract.pk, treasury_plan.milestone_id])
    )

    assert response.status_code == BUYER_ONLY[role]


@pytest.mark.parametrize("role", ROLES)
def test_refund_page_per_role_on_an_active_contract(browse, captured, role):
    contract = captured.contract
    user = people_of(contract, scope_here=_region_of(contract))[role]

    response = browse(user).get(reverse("marketplace:milestone-refund", args=[contract.pk, captured.milestone_id]))

    assert response.status_code == REFUND_ON_ACTIVE[role]


@pytest.mark.parametrize("role", ["anonymous", "other_buyer", "supplier", "buyer"])
def test_posting_as_someone_else_changes_nothing(browse, card_plan, role):
    contract = card_plan.contract
    user = people_of(contract, scope_here=_region_of(contract))[role]
    url = reverse("marketplace:milestone-pay", args=[contract.pk, card_plan.milestone_id])

    if role == "buyer":  # a milestone of another contract is not found
        url = reverse("marketplace:milestone-pay", args=[contract.pk, planned_milestone().milestone_id])
    response = browse(user).post(url, {"payment_method": CARD})

    assert response.status_code in (302, 403, 404)
    assert response.status_code != 200
    if role != "anonymous":
        assert response.status_code != 302
    assert not MilestonePayment.objects.exists()


def test_the_card_is_not_offered_on_a_government_contract(browse, treasury_plan):
    contract = treasury_plan.contract
    client = browse(buyer_user_of(contract))

    page = client.get(reverse("marketplace:contract-payments", args=[contract.pk]))
    response = client.get(reverse("marketplace:milestone-pay", args=[contract.pk, treasury_plan.milestone_id]))

    assert b'data-testid="transfer"' in page.content
    assert b'data-testid="pay"' not in page.content
    assert response.status_code == 409


def test_the_contract_page_links_the_payments_for_the_parties(browse, card_plan):
    contract = card_plan.contract
    url = reverse("marketplace:contract-detail", args=[contract.pk])

    assert b'data-testid="payments-link"' in browse(buyer_user_of(contract)).get(url).content
    assert b'data-testid="payments-link"' in browse(supplier_user(contract)).get(url).content


# --- Stripe.js and the Content-Security-Policy ---------------------------------------------------


def test_without_a_publishable_key_the_card_page_offers_test_cards_and_keeps_csp_self(browse, card_plan, settings):
    client = browse(buyer_user_of(card_plan.contract))

    response = client.get(reverse("marketplace:milestone-pay", args=[card_plan.contract_id, card_plan.milestone_id]))

    assert response.status_code == 200
    assert b"stripe.com" not in response.content
    assert b"stripe_card.js" not in response.content
    assert response["Content-Security-Policy"] == settings.CONTENT_SECURITY_POLICY
    assert b'value="pm_card_visa"' in response.content
    assert b'value="pm_card_chargeCustomerFail"' in response.content


def test_with_a_publishable_key_only_the_card_page_loads_stripe_js(browse, card_plan, settings):
    settings.STRIPE_PUBLISHABLE_KEY = "pk_test_portal"
    contract = card_plan.contract
    client = browse(buyer_user_of(contract))

    card_page = client.get(reverse("marketplace:milestone-pay", args=[contract.pk, card_plan.milestone_id]))
    payments_page = client.get(reverse("marketplace:contract-payments", args=[contract.pk]))
    contract_page = client.get(reverse("marketplace:contract-detail", args=[contract.pk]))

    assert card_page.status_code == 200
    assert b'src="https://js.stripe.com/v3/"' in card_page.content
    assert b"js/stripe_card.js" in card_page.content
    assert b'data-publishable-key="pk_test_portal"' in card_page.content
    assert b"pm_card_visa" not in card_page.content
    policy = {
        part.split()[0]: part.split()[1:] for part in card_page["Content-Security-Policy"].split(";") if part.strip()
    }
    assert policy["script-src"] == ["'self'", "https://js.stripe.com"]
    assert "https://js.stripe.com" in policy["frame-src"]
    assert policy["connect-src"] == ["'self'", "https://api.stripe.com"]
    assert policy["default-src"] == ["'self'"]
    for other in (payments_page, contract_page):
        assert other["Content-Security-Policy"] == settings.CONTENT_SECURITY_POLICY
        assert b"stripe.com" not in other.content


def test_without_a_secret_key_the_card_page_says_cards_are_not_configured(browse, card_plan, settings):
    settings.STRIPE_SECRET_KEY = ""
    settings.STRIPE_PUBLISHABLE_KEY = "pk_test_portal"  # a publishable key alone does not load Stripe.js
    client = browse(buyer_user_of(card_plan.contract))
    url = reverse("marketplace:milestone-pay", args=[card_plan.contract_id, card_plan.milestone_id])

    page = client.get(url)
    posted = client.post(url, {"payment_method": CARD})

    assert b'data-testid="cards-not-configured"' in page.content
    assert b"stripe.com" not in page.content
    assert page["Content-Security-Policy"] == settings.CONTENT_SECURITY_POLICY
    assert posted.status_code == 200
    assert b'data-testid="cards-not-configured"' in posted.content
    assert not MilestonePayment.objects.exists()


def test_widened_policy_adds_sources_once_and_starts_missing_directives_from_self():
    policy = widened_policy("default-src 'self'; script-src 'self'", {"script-src": ("a", "a"), "frame-src": ("b",)})
    assert policy == "default-src 'self'; script-src 'self' a; frame-src 'self' b"


# --- paying by card against localstripe ------------------------------------------------------------


def test_paying_with_the_visa_test_card_holds_the_amount(browse, card_plan):
    contract = card_plan.contract
    client = browse(buyer_user_of(contract))

    response = client.post(
        reverse("marketplace:milestone-pay", args=[contract.pk, card_plan.milestone_id]), {"payment_method": CARD}
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("marketplace:contract-payments", args=[contract.pk])
    payment = MilestonePayment.objects.get(milestone=card_plan.milestone)
    assert payment.state == PaymentState.AUTHORISED
    assert payment.intent_id.startswith("pi_")
    assert list(payment.entries.values_list("kind", "amount_fen")) == [
        (EntryKind.AUTHORISED, card_plan.milestone.amount_fen)
    ]
    page = client.get(response["Location"])
    row = page.context["rows"][0]
    assert row.totals.held_fen == card_plan.milestone.amount_fen
    assert row.actions == []  # held: nothing more to pay
    assert b'data-kind="authorised"' in page.content


def test_a_declining_card_shows_the_decline_and_writes_a_failed_entry(browse, card_plan):
    contract = card_plan.contract
    client = browse(buyer_user_of(contract))

    response = client.post(
        reverse("marketplace:milestone-pay", args=[contract.pk, card_plan.milestone_id]),
        {"payment_method": DECLINING_CARD},
    )

    assert response.status_code == 400
    assert b"The card was declined" in response.content
    assert b'data-testid="card-form"' in response.content
    payment = MilestonePayment.objects.get(milestone=card_plan.milestone)
    assert payment.state == PaymentState.FAILED
    assert list(payment.entries.values_list("kind", flat=True)) == [EntryKind.FAILED]
    # The buyer may try again.
    page = client.get(reverse("marketplace:contract-payments", args=[contract.pk]))
    assert page.context["rows"][0].actions == ["pay"]


def test_stripe_unreachable_says_so_and_changes_nothing(browse, card_plan, settings):
    settings.STRIPE_API_BASE = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    client = browse(buyer_user_of(card_plan.contract))

    response = client.post(
        reverse("marketplace:milestone-pay", args=[card_plan.contract_id, card_plan.milestone_id]),
        {"payment_method": CARD},
    )

    assert response.status_code == 503
    assert b"not answering, so nothing was changed" in response.content
    assert not MilestonePayment.objects.exists()
    assert not PaymentEntry.objects.exists()


def test_a_card_that_is_not_offered_is_refused(browse, card_plan):
    response = browse(buyer_user_of(card_plan.contract)).post(
        reverse("marketplace:milestone-pay", args=[card_plan.contract_id, card_plan.milestone_id]),
        {"payment_method": "pm_card_mastercard"},
    )
    assert response.status_code == 400
    assert not MilestonePayment.objects.exists()


def test_the_page_says_the_portal_retries_when_stripe_did_not_answer(browse, captured):
    MilestonePayment.objects.filter(pk=captured.pk).update(last_error="The card payment service is not answering.")
    response = browse(buyer_user_of(captured.contract)).get(
        reverse("marketplace:contract-payments", args=[captured.contract_id])
    )
    assert b'data-testid="payment-retrying"' in response.content
    assert b"the portal retries automatically" in response.content


# --- refunds ---------------------------------------------------------------------------------------


def test_an_operator_refunds_part_of_a_captured_payment(browse, captured):
    contract = captured.contract
    client = browse(UserFactory(is_staff=True))
    url = reverse("marketplace:milestone-refund", args=[contract.pk, captured.milestone_id])

    too_much = client.post(url, {"amount": "99999999", "reason": "all of it"})
    response = client.post(url, {"amount": "1,000.00", "reason": "goodwill"})

    assert too_much.status_code == 409
    assert b"can still be refunded" in too_much.content
    assert response.status_code == 302
    captured.refresh_from_db()
    assert captured.state == PaymentState.PARTIALLY_REFUNDED
    assert list(captured.entries.filter(kind=EntryKind.REFUNDED).values_list("amount_fen", "note")) == [
        (1_000_00, "goodwill")
    ]
    page = client.get(reverse("marketplace:contract-payments", args=[contract.pk]))
    assert page.context["rows"][0].totals.refunded_fen == 1_000_00


def test_the_buyer_refunds_on_a_terminated_contract(browse, captured):
    contract = captured.contract
    services.contract_terminate(actor=buyer_user_of(contract), contract=contract, reason="vendor left")
    client = browse(buyer_user_of(contract))

    page = client.get(reverse("marketplace:contract-payments", args=[contract.pk]))
    response = client.post(
        reverse("marketplace:milestone-refund", args=[contract.pk, captured.milestone_id]),
        {"amount": "-1", "reason": "x"},
    )

    assert b'data-testid="refund"' in page.content
    assert response.status_code == 400
    assert b'data-field="amount"' in response.content
    assert not captured.entries.filter(kind=EntryKind.REFUNDED).exists()


# --- treasury transfers ---------------------------------------------------------------------------


def _transfer(client, plan, **data):
    values = {"amount": "1000.00", "transfer_date": timezone.localdate().isoformat(), "voucher_number": "GK-1"}
    values.update(data)
    return client.post(reverse("marketplace:milestone-transfer", args=[plan.contract_id, plan.milestone_id]), values)


def test_the_agency_records_a_treasury_transfer(browse, treasury_plan):
    client = browse(buyer_user_of(treasury_plan.contract))

    response = _transfer(client, treasury_plan, amount="1,000.50", voucher_number="GK-2026-0001")

    assert response.status_code == 302
    payment = MilestonePayment.objects.get(milestone=treasury_plan.milestone)
    assert (payment.method, payment.state) == ("treasury", PaymentState.PENDING)
    entry = payment.entries.get()
    assert (entry.kind, entry.amount_fen, entry.voucher_number, entry.transfer_date) == (
        EntryKind.TREASURY_TRANSFER,
        1_000_50,
        "GK-2026-0001",
        timezone.localdate(),
    )
    page = client.get(response["Location"])
    assert page.context["rows"][0].totals.captured_fen == 1_000_50
    assert b"GK-2026-0001" in page.content


def test_the_rest_of_the_amount_pays_the_milestone(browse, treasury_plan):
    client = browse(buyer_user_of(treasury_plan.contract))
    amount = treasury_plan.milestone.amount_fen

    _transfer(client, treasury_plan, amount="1000", voucher_number="GK-1")
    rest = _transfer(client, treasury_plan, amount=str((amount - 1_000_00) // 100), voucher_number="GK-2")

    assert rest.status_code == 302
    payment = MilestonePayment.objects.get(milestone=treasury_plan.milestone)
    assert payment.state == PaymentState.CAPTURED
    page = client.get(reverse("marketplace:contract-payments", args=[treasury_plan.contract_id]))
    assert page.context["rows"][0].actions == []  # paid in full


@pytest.mark.parametrize(
    ("data", "status", "shown"),
    [
        ({"amount": "-5"}, 400, b"This cannot be negative."),
        ({"amount": "0"}, 400, b"greater than zero"),
        ({"amount": "1.234"}, 400, b"at most two decimals"),
        ({"transfer_date": (timezone.localdate() + timedelta(days=2)).isoformat()}, 400, b"in the future"),
        ({"voucher_number": "   "}, 400, b'data-field="voucher_number"'),
        ({"voucher_number": "GK-0"}, 409, b"already recorded"),
    ],
)
def test_bad_transfers_show_the_error_and_write_nothing(browse, treasury_plan, data, status, shown):
    client = browse(buyer_user_of(treasury_plan.contract))
    assert _transfer(client, treasury_plan, voucher_number="GK-0").status_code == 302
    before = list(PaymentEntry.objects.values_list("pk", flat=True))

    response = _transfer(client, treasury_plan, **data)

    assert response.status_code == status
    assert shown in response.content
    assert b'data-testid="transfer-form"' in response.content
    assert list(PaymentEntry.objects.values_list("pk", flat=True)) == before


# --- queries and admin -----------------------------------------------------------------------------


def test_the_contract_payments_page_reads_a_bounded_number_of_queries(browse, card_plan, django_assert_max_num_queries):
    contract = card_plan.contract
    buyer = buyer_user_of(contract)
    # Every milestone with entries: a declined card, then a hold.
    for milestone in contract.milestones.order_by("position"):
        with pytest.raises(gateway.CardDeclined):
            services.milestone_payment_authorise(
                actor=buyer, contract=contract, milestone_id=milestone.pk, payment_method=DECLINING_CARD
            )
        services.milestone_payment_authorise(
            actor=buyer, contract=contract, milestone_id=milestone.pk, payment_method=CARD
        )
    assert contract.milestones.count() >= 2
    client = browse(buyer)
    url = reverse("marketplace:contract-payments", args=[contract.pk])

    with django_assert_max_num_queries(12):  # 10 today, whatever the number of milestones and entries
        response = client.get(url)

    assert response.status_code == 200
    assert len(response.context["rows"]) == contract.milestones.count()
    assert PaymentEntry.objects.filter(payment__contract=contract).count() == 2 * contract.milestones.count()


def test_admin_shows_payments_read_only_and_events_without_their_payload(client, captured):
    client.force_login(UserFactory(username="payments-root", is_staff=True, is_superuser=True))
    StripeEvent.objects.create(
        event_id="evt_admin",
        type="payment_intent.succeeded",
        api_version="x",
        intent_id=captured.intent_id,
        payload={"data": {"object": {"client_secret": "pi_secret_never_shown"}}},
        received_at=timezone.now(),
    )

    payment_page = client.get(reverse("admin:marketplace_milestonepayment_change", args=[captured.pk]))
    event = StripeEvent.objects.get()
    event_page = client.get(reverse("admin:marketplace_stripeevent_change", args=[event.pk]))
    add_page = client.get(reverse("admin:marketplace_milestonepayment_add"))

    assert payment_page.status_code == 200
    assert captured.intent_id.encode() in payment_page.content
    assert b"released" in payment_page.content or b"captured" in payment_page.content
    assert event_page.status_code == 200
    assert b"evt_admin" in event_page.content
    assert b"pi_secret_never_shown" not in event_page.content
    assert add_page.status_code == 403
