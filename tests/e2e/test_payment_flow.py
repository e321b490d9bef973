"""An enterprise order paid by card, in the browser: the buyer of a signed request-for-quotation
contract opens its payments, holds the second milestone's amount on Stripe's Visa test card (test
mode: no publishable key, so no Stripe.js), then accepts the milestone's scored delivery; the
capture queued on that commit releases the money to the supplier, and the payments page says so.
The database follows: the payment captured, its entries authorised then captured, and the
reconciliation with the Stripe stand-in (localstripe) finds no difference.

The live server runs in this process, so the settings below reach it, and tasks run eagerly here
(tests/conftest.py): the capture queued when the decision commits runs in the live server's thread
before the decision's answer."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from marketplace import services
from marketplace.models import (
    AcceptancePlan,
    AcceptanceReport,
    Contract,
    Decision,
    DeliveryState,
    EntryKind,
    MilestonePayment,
    MilestoneState,
    PaymentState,
)
from marketplace.services.payments import pays_by_card
from portal.money import format_fen
from tests.e2e.session import sign_in
from tests.factories.acceptance import (
    buyer_user_of,
    csv_file,
    deliver,
    first_milestone,
    gold_labels,
    planned_milestone,
)
from tests.factories.payments import enterprise_contract

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _stripe_test_mode(settings, localstripe, tmp_path):
    settings.STRIPE_SECRET_KEY = "sk_test_e2e"
    settings.STRIPE_PUBLISHABLE_KEY = ""  # test cards offered on the page, no Stripe.js
    settings.STRIPE_API_BASE = localstripe
    settings.STRIPE_MAX_NETWORK_RETRIES = 0
    settings.MEDIA_ROOT = tmp_path / "media"  # gold sets and deliveries are files


@pytest.fixture
def english(page, live_server, settings):
    page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": live_server.url}])
    return page


def _second_milestone_planned(contract: Contract) -> AcceptancePlan:
    """The contract's second milestone with an acceptance plan and a gold set, as the buyer sets
    them (`planned_milestone` plans the first)."""
    milestone = contract.milestones.order_by("position")[1]
    buyer = buyer_user_of(contract)
    plan = services.acceptance_plan_set(
        actor=buyer,
        contract=contract,
        milestone_id=milestone.pk,
        kind="classification",
        fmt="csv",
        label_set=["cat", "dog", "bird"],
        lot_size=1_000,
    )
    services.gold_set_upload(actor=buyer, plan=plan, upload=csv_file(gold_labels(), "gold.csv"))
    plan.refresh_from_db()
    return plan


def test_card_hold_then_acceptance_releases_the_payment_in_the_browser(english, live_server):
    page, base = english, live_server.url
    contract = enterprise_contract()
    assert pays_by_card(contract)
    first = planned_milestone(contract).milestone  # planned too, but neither paid nor delivered
    plan = _second_milestone_planned(contract)
    milestone = plan.milestone
    assert milestone.position == 2
    delivery = deliver(plan, csv_file(gold_labels()))  # the supplier delivers the gold labels: scored
    assert delivery.state == DeliveryState.SCORED
    amount = format_fen(milestone.amount_fen)
    buyer = buyer_user_of(contract).username

    # The buyer opens the contract, then its payments: nothing held yet, card payment offered.
    sign_in(page, live_server, buyer)
    page.goto(f"{base}/tenders/contracts/{contract.pk}/")
    page.get_by_test_id("payments-link").click()
    expect(page).to_have_url(f"{base}/tenders/contracts/{contract.pk}/payments/")
    expect(page.get_by_test_id("payment-method")).to_have_attribute("data-method", "card")
    expect(page.get_by_test_id("milestone-payment")).to_have_count(contract.milestones.count())
    section = page.locator(f"[data-testid=milestone-payment][data-milestone='{milestone.pk}']")
    other = page.locator(f"[data-testid=milestone-payment][data-milestone='{first.pk}']")
    expect(section).to_have_attribute("data-state", "pending")
    expect(section.get_by_test_id("payment-state")).to_have_text("not yet authorised")
    expect(section.get_by_test_id("payment-amount")).to_have_text(amount)
    expect(section.get_by_test_id("no-entries")).to_be_visible()

    # Pay by card: the card page offers Stripe's test cards and loads nothing from Stripe.
    section.get_by_test_id("pay").click()
    expect(page).to_have_url(f"{base}/tenders/contracts/{contract.pk}/milestones/{milestone.pk}/pay/")
    expect(page.get_by_test_id("test-mode")).to_be_visible()
    expect(page.get_by_test_id("card-amount")).to_contain_text(f"¥{amount} will be held on the card")
    assert "js.stripe.com" not in page.content()
    expect(page.locator("script[src*='stripe']")).to_have_count(0)
    page.get_by_label("Visa test card").check()
    page.get_by_test_id("pay-submit").click()

    # Back on the payments page: the amount is held, nothing released yet.
    expect(page).to_have_url(f"{base}/tenders/contracts/{contract.pk}/payments/")
    expect(page.locator(".message.success")).to_contain_text("The amount is held on the card")
    expect(section).to_have_attribute("data-state", "authorised")
    expect(section.get_by_test_id("payment-state")).to_have_text("held")
    expect(section.get_by_test_id("held")).to_have_text(amount)
    expect(section.get_by_test_id("released")).to_have_text("0.00")
    expect(section.get_by_test_id("payment-actions")).to_have_count(0)
    expect(section.get_by_test_id("entry-row")).to_have_count(1)
    expect(section.get_by_test_id("entry-row")).to_have_attribute("data-kind", "authorised")
    expect(other).to_have_attribute("data-state", "pending")
    payment = MilestonePayment.objects.get(milestone=milestone)
    assert payment.state == PaymentState.AUTHORISED
    assert payment.intent_id.startswith("pi_")
    assert list(payment.entries.values_list("kind", "amount_fen")) == [(EntryKind.AUTHORISED, milestone.amount_fen)]

    # The buyer accepts the scored delivery from the contract's acceptance page.
    page.goto(f"{base}/tenders/contracts/{contract.pk}/")
    page.get_by_test_id("acceptance-link").click()
    acceptance = page.locator(f"[data-testid=milestone-acceptance][data-milestone='{milestone.pk}']")
    expect(acceptance.get_by_test_id("delivery-row")).to_have_count(1)
    acceptance.get_by_test_id("decide").click()
    expect(page).to_have_url(f"{base}/tenders/deliveries/{delivery.pk}/#decision")
    expect(page.get_by_test_id("proposed")).to_have_attribute("data-proposed", "accepted")
    expect(page.locator("input[name=decision][value=accepted]")).to_be_checked()
    page.get_by_test_id("decide-submit").click()
    expect(page.get_by_test_id("decision-value")).to_have_attribute("data-decision", "accepted")

    # Back on the payments page: released to the supplier, nothing held any more.
    page.goto(f"{base}/tenders/contracts/{contract.pk}/")
    page.get_by_test_id("payments-link").click()
    expect(section).to_have_attribute("data-state", "captured")
    expect(section.get_by_test_id("payment-state")).to_have_text("released to the supplier")
    expect(section.get_by_test_id("held")).to_have_text("0.00")
    expect(section.get_by_test_id("released")).to_have_text(amount)
    expect(section.get_by_test_id("refunded")).to_have_text("0.00")
    expect(section.get_by_test_id("payment-retrying")).to_have_count(0)
    expect(section.get_by_test_id("payment-actions")).to_have_count(0)  # the buyer refunds only once terminated
    rows = section.get_by_test_id("entry-row")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_have_attribute("data-kind", "authorised")
    expect(rows.nth(1)).to_have_attribute("data-kind", "captured")
    expect(rows.nth(1)).to_contain_text(amount)
    expect(other).to_have_attribute("data-state", "pending")
    expect(other.get_by_test_id("pay")).to_be_visible()

    # The database agrees, and so does Stripe.
    milestone.refresh_from_db()
    assert milestone.state == MilestoneState.MET
    assert AcceptanceReport.objects.get(delivery=delivery).decision == Decision.ACCEPTED
    payment.refresh_from_db()
    assert payment.state == PaymentState.CAPTURED
    assert payment.last_error == ""
    assert list(payment.entries.order_by("pk").values_list("kind", "amount_fen", "stripe_id")) == [
        (EntryKind.AUTHORISED, milestone.amount_fen, payment.intent_id),
        (EntryKind.CAPTURED, milestone.amount_fen, payment.intent_id),
    ]
    assert not MilestonePayment.objects.filter(milestone=first).exists()
    assert first_milestone(contract).state == MilestoneState.SCHEDULED
    assert services.payments_reconcile() == []
