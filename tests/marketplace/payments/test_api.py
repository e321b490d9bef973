"""The payments API against localstripe: who may read and do what (a permission matrix per
endpoint), the enterprise order paid by card end to end, a declined card, Stripe not answering,
idempotent retries, refunds never beyond the captured amount, treasury transfers and the cost of
the payments list.

Roles: anonymous, a vendor and an enterprise buyer of other contracts, the contract's supplier and
buyer, an operator and a regulator of another region. Strangers get 404, as for a missing
contract, although the contract's own summary is public."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from marketplace import services
from marketplace.models import Decision, EntryKind, MilestonePayment, PaymentEntry, PaymentState
from marketplace.payments import gateway
from portal.idempotency.models import IdempotencyRecord
from registry.roles import OrganisationKind, Role
from tests.factories import UserFactory
from tests.factories.acceptance import (
    buyer_user_of,
    csv_file,
    deliver,
    gold_labels,
    planned_milestone,
    supplier_user,
)
from tests.factories.marketplace import vendor_staff
from tests.factories.payments import CARD, DECLINING_CARD, enterprise_contract
from tests.factories.registry import MembershipFactory, OrganisationFactory
from tests.localstripe import free_port

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "other_vendor", "supplier", "buyer", "other_buyer", "operator", "regulator_other_region"]
STRANGERS = ("other_vendor", "other_buyer", "regulator_other_region")


def _user(role: str, contract) -> Any:
    if role == "anonymous":
        return None
    if role == "supplier":
        return supplier_user(contract)
    if role == "buyer":
        return buyer_user_of(contract)
    if role == "other_vendor":
        return vendor_staff(region_code="330100")
    if role == "other_buyer":
        enterprise = OrganisationFactory(kind=OrganisationKind.ENTERPRISE, region_code="440300", verified=True)
        return MembershipFactory(organisation=enterprise, role=Role.ENTERPRISE_BUYER).user
    if role == "operator":
        return UserFactory(username="payments-operator", is_staff=True, is_superuser=True)
    # Neither the agencies' tenders (Sichuan) nor the enterprises' (Shenzhen) are in Xinjiang.
    organisation = OrganisationFactory(kind=OrganisationKind.AGENCY, region_code="650000", verified=True)
    return MembershipFactory(organisation=organisation, role=Role.REGULATOR, scope_region_code="650000").user


@pytest.fixture
def as_role(api_client):
    def sign_in(role: str, contract):
        user = _user(role, contract)
        if user is not None:
            api_client.force_authenticate(user)
        return api_client

    return sign_in


def _expected(role: str, *, allowed: tuple[str, ...], ok: int) -> int:
    """Anonymous 401; strangers 404; those in `allowed` `ok`; the contract's other readers 403."""
    if role == "anonymous":
        return 401
    if role in STRANGERS:
        return 404
    return ok if role in allowed else 403


def _url(plan, what: str = "") -> str:
    if not what:
        return f"/api/v1/contracts/{plan.contract_id}/payments/"
    return f"/api/v1/contracts/{plan.contract_id}/milestones/{plan.milestone_id}/payment/{what}/"


def _post(client, url: str, body: dict[str, Any], key: str = "key-1"):
    return client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY=key)


@pytest.fixture
def card_plan():
    return planned_milestone(enterprise_contract())


def _authorised(plan, card: str = CARD) -> MilestonePayment:
    return services.milestone_payment_authorise(
        actor=buyer_user_of(plan.contract), contract=plan.contract, milestone_id=plan.milestone_id, payment_method=card
    )


def _accept(plan, capture_callbacks) -> None:
    """Deliver the gold labels and accept them, running what the decision queues on commit (the
    capture): a test's transaction never commits."""
    delivery = deliver(plan, csv_file(gold_labels()))
    with capture_callbacks(execute=True):
        services.delivery_decide(actor=buyer_user_of(plan.contract), delivery=delivery, decision=Decision.ACCEPTED)


def _captured(plan, capture_callbacks) -> MilestonePayment:
    payment = _authorised(plan)
    _accept(plan, capture_callbacks)
    payment.refresh_from_db()
    assert payment.state == PaymentState.CAPTURED
    return payment


@pytest.fixture
def accepted_government_plan():
    plan = planned_milestone()  # an agency's open tender: paid by treasury transfer
    delivery = deliver(plan, csv_file(gold_labels()))
    services.delivery_decide(actor=buyer_user_of(plan.contract), delivery=delivery, decision=Decision.ACCEPTED)
    return plan


def _transfer(amount_fen: int, voucher: str = "GK-2026-0001") -> dict[str, Any]:
    return {"amount_fen": amount_fen, "transferred_on": timezone.localdate().isoformat(), "voucher_number": voucher}


def _kinds(plan) -> list[str]:
    return list(PaymentEntry.objects.filter(payment__milestone_id=plan.milestone_id).values_list("kind", flat=True))


# --- the permission matrix -------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_who_reads_a_contracts_payments(as_role, role, card_plan):
    _authorised(card_plan)
    client = as_role(role, card_plan.contract)

    response = client.get(_url(card_plan))

    assert response.status_code == _expected(role, allowed=("supplier", "buyer", "operator"), ok=200)
    if response.status_code != 200:
        assert response.json()["code"] in ("not_found", "not_authenticated")
        return
    body = response.json()
    assert body["side"] == {"supplier": "supplier", "buyer": "buyer"}.get(role, "observer")
    first, second = body["milestones"]
    assert (first["milestone"], first["method"], first["state"]) == (card_plan.milestone_id, "card", "authorised")
    assert first["held_fen"] == first["amount_fen"] == card_plan.milestone.amount_fen
    assert [entry["kind"] for entry in first["entries"]] == [EntryKind.AUTHORISED]
    assert (second["payment"], second["state"], second["entries"]) == (None, "pending", [])


@pytest.mark.parametrize("role", ROLES)
def test_only_the_buyers_staff_authorise_a_card(as_role, role, card_plan):
    client = as_role(role, card_plan.contract)

    response = _post(client, _url(card_plan, "authorise"), {"payment_method": CARD})

    assert response.status_code == _expected(role, allowed=("buyer",), ok=201)
    if role == "buyer":
        body = response.json()
        assert (body["milestone"], body["state"], body["held_fen"]) == (
            card_plan.milestone_id,
            "authorised",
            card_plan.milestone.amount_fen,
        )
        payment = MilestonePayment.objects.get(milestone_id=card_plan.milestone_id)
        assert gateway.retrieve_intent(payment.intent_id).status == "requires_capture"
    else:
        assert response.json()["code"] in ("not_found", "not_authenticated", "permission_denied")
        assert not PaymentEntry.objects.exists()


@pytest.mark.parametrize("role", ROLES)
def test_only_an_operator_refunds_on_a_running_contract(as_role, role, card_plan, django_capture_on_commit_callbacks):
    payment = _captured(card_plan, django_capture_on_commit_callbacks)
    client = as_role(role, card_plan.contract)

    response = _post(client, _url(card_plan, "refunds"), {"amount_fen": 1_000, "reason": "重复支付"})

    assert response.status_code == _expected(role, allowed=("operator",), ok=201)
    payment.refresh_from_db()
    if role == "operator":
        body = response.json()
        assert (body["kind"], body["amount_fen"], body["note"]) == (EntryKind.REFUNDED, 1_000, "重复支付")
        assert body["stripe_id"].startswith("re_")
        assert payment.state == PaymentState.PARTIALLY_REFUNDED
    else:
        assert payment.state == PaymentState.CAPTURED
        assert EntryKind.REFUNDED not in _kinds(card_plan)


@pytest.mark.parametrize("role", ROLES)
def test_only_the_agencys_staff_record_treasury_transfers(as_role, role, accepted_government_plan):
    plan = accepted_government_plan
    client = as_role(role, plan.contract)

    response = _post(client, _url(plan, "transfers"), _transfer(1_000))

    assert response.status_code == _expected(role, allowed=("buyer",), ok=201)
    if role == "buyer":
        body = response.json()
        assert (body["kind"], body["amount_fen"], body["voucher_number"]) == (
            EntryKind.TREASURY_TRANSFER,
            1_000,
            "GK-2026-0001",
        )
        assert _kinds(plan) == [EntryKind.TREASURY_TRANSFER]
    else:
        assert not PaymentEntry.objects.exists()


# --- the enterprise order, end to end ------------------------------------------------------------


def test_the_enterprise_order_paid_through_the_api_is_captured_on_acceptance_and_reconciles(
    api_client, card_plan, django_capture_on_commit_callbacks
):
    plan = card_plan
    api_client.force_authenticate(buyer_user_of(plan.contract))

    response = _post(api_client, _url(plan, "authorise"), {"payment_method": CARD})
    assert response.status_code == 201
    assert response.json()["state"] == PaymentState.AUTHORISED

    _accept(plan, django_capture_on_commit_callbacks)

    api_client.force_authenticate(supplier_user(plan.contract))
    row = api_client.get(_url(plan)).json()["milestones"][0]
    amount = plan.milestone.amount_fen
    assert (row["state"], row["milestone_state"]) == (PaymentState.CAPTURED, "met")
    assert (row["held_fen"], row["captured_fen"], row["released_fen"], row["refunded_fen"]) == (0, amount, amount, 0)
    assert row["amount_fen"] + row["voucher_fen"] == row["milestone_amount_fen"] == amount
    assert [(entry["kind"], entry["amount_fen"]) for entry in row["entries"]] == [
        (EntryKind.AUTHORISED, amount),
        (EntryKind.CAPTURED, amount),
    ]
    assert row["last_error"] == ""
    intent = gateway.retrieve_intent(MilestonePayment.objects.get(milestone_id=plan.milestone_id).intent_id)
    assert (intent.status, intent.amount_received_fen) == ("succeeded", amount)
    assert services.payments_reconcile() == []


def test_a_retried_authorisation_replays_the_first_answer_and_holds_once(api_client, card_plan):
    api_client.force_authenticate(buyer_user_of(card_plan.contract))

    first = _post(api_client, _url(card_plan, "authorise"), {"payment_method": CARD}, key="pay-once")
    again = _post(api_client, _url(card_plan, "authorise"), {"payment_method": CARD}, key="pay-once")

    assert (first.status_code, again.status_code) == (201, 201)
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert _kinds(card_plan) == [EntryKind.AUTHORISED]
    # Under another key, a second authorisation is refused by the payment's state.
    third = _post(api_client, _url(card_plan, "authorise"), {"payment_method": CARD}, key="pay-twice")
    assert third.status_code == 409
    assert _kinds(card_plan) == [EntryKind.AUTHORISED]


def test_a_declined_card_answers_402_and_holds_nothing(api_client, card_plan):
    api_client.force_authenticate(buyer_user_of(card_plan.contract))

    response = _post(api_client, _url(card_plan, "authorise"), {"payment_method": DECLINING_CARD})

    assert response.status_code == 402
    assert set(response.json()) == {"code", "message", "fields"}
    assert response.json()["code"] == "card_declined"
    # Under an Idempotency-Key the failure is rolled back with the key, which may be used again.
    assert EntryKind.AUTHORISED not in _kinds(card_plan)
    assert not IdempotencyRecord.objects.exists()

    # Without a key the declined attempt stays on record and the list says why.
    response = api_client.post(_url(card_plan, "authorise"), {"payment_method": DECLINING_CARD}, format="json")
    assert response.status_code == 402
    row = api_client.get(_url(card_plan)).json()["milestones"][0]
    assert (row["state"], [e["kind"] for e in row["entries"]]) == (PaymentState.FAILED, [EntryKind.FAILED])
    assert row["last_error"] == row["entries"][0]["note"] != ""
    assert row["held_fen"] == 0

    # Another card goes through.
    retry = _post(api_client, _url(card_plan, "authorise"), {"payment_method": CARD}, key="key-1")
    assert retry.status_code == 201
    assert retry.json()["state"] == PaymentState.AUTHORISED


def test_stripe_not_answering_answers_503_and_changes_nothing(api_client, card_plan, settings):
    settings.STRIPE_API_BASE = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    api_client.force_authenticate(buyer_user_of(card_plan.contract))

    response = _post(api_client, _url(card_plan, "authorise"), {"payment_method": CARD})

    assert response.status_code == 503
    assert response.json()["code"] == "payments_unavailable"
    assert not MilestonePayment.objects.exists()
    assert not IdempotencyRecord.objects.exists()


def test_bad_input_and_a_milestone_of_another_contract(api_client, card_plan):
    api_client.force_authenticate(buyer_user_of(card_plan.contract))

    response = _post(api_client, _url(card_plan, "authorise"), {"payment_method": "tok_visa"})
    assert response.status_code == 400
    assert "payment_method" in response.json()["fields"]

    other = planned_milestone(enterprise_contract())
    url = f"/api/v1/contracts/{card_plan.contract_id}/milestones/{other.milestone_id}/payment/authorise/"
    assert _post(api_client, url, {"payment_method": CARD}, key="key-2").status_code == 404
    assert not PaymentEntry.objects.exists()


# --- refunds ---------------------------------------------------------------------------------------


def test_a_refund_beyond_what_was_captured_is_refused_and_writes_nothing(
    api_client, card_plan, django_capture_on_commit_callbacks
):
    payment = _captured(card_plan, django_capture_on_commit_callbacks)
    api_client.force_authenticate(_user("operator", card_plan.contract))
    amount = payment.amount_fen

    too_much = _post(api_client, _url(card_plan, "refunds"), {"amount_fen": amount + 1, "reason": "全额退款"})

    assert too_much.status_code == 409
    assert too_much.json()["code"] == "conflict"
    assert _kinds(card_plan) == [EntryKind.AUTHORISED, EntryKind.CAPTURED]

    part = _post(api_client, _url(card_plan, "refunds"), {"amount_fen": 3_000, "reason": "部分退款"}, key="key-2")
    rest = _post(api_client, _url(card_plan, "refunds"), {"amount_fen": amount - 3_000, "reason": "余款"}, key="key-3")
    more = _post(api_client, _url(card_plan, "refunds"), {"amount_fen": 1, "reason": "再退"}, key="key-4")

    assert (part.status_code, rest.status_code, more.status_code) == (201, 201, 409)
    row = api_client.get(_url(card_plan)).json()["milestones"][0]
    assert (row["state"], row["refunded_fen"], row["released_fen"]) == (PaymentState.REFUNDED, amount, 0)
    assert services.payments_reconcile() == []


def test_the_buyer_refunds_once_the_contract_is_terminated(api_client, card_plan, django_capture_on_commit_callbacks):
    _captured(card_plan, django_capture_on_commit_callbacks)
    buyer = buyer_user_of(card_plan.contract)
    services.contract_terminate(actor=buyer, contract=card_plan.contract, reason="供应商停止服务")
    api_client.force_authenticate(buyer)

    response = _post(api_client, _url(card_plan, "refunds"), {"amount_fen": 2_000, "reason": "合同终止"})

    assert response.status_code == 201
    assert _kinds(card_plan) == [EntryKind.AUTHORISED, EntryKind.CAPTURED, EntryKind.REFUNDED]


def test_nothing_to_refund_before_a_payment(api_client, card_plan):
    api_client.force_authenticate(_user("operator", card_plan.contract))
    response = _post(api_client, _url(card_plan, "refunds"), {"amount_fen": 1, "reason": "退款"})
    assert response.status_code == 409
    assert not PaymentEntry.objects.exists()


# --- treasury transfers ------------------------------------------------------------------------------


def test_treasury_transfers_through_the_api_pay_the_milestone(api_client, accepted_government_plan):
    plan = accepted_government_plan
    amount = plan.milestone.amount_fen
    api_client.force_authenticate(buyer_user_of(plan.contract))

    first = _post(api_client, _url(plan, "transfers"), _transfer(5_000_000, "GK-1"), key="t-1")
    replay = _post(api_client, _url(plan, "transfers"), _transfer(5_000_000, "GK-1"), key="t-1")
    same_voucher = _post(api_client, _url(plan, "transfers"), _transfer(1, "GK-1"), key="t-2")
    too_much = _post(api_client, _url(plan, "transfers"), _transfer(amount, "GK-2"), key="t-3")
    rest = _post(api_client, _url(plan, "transfers"), _transfer(amount - 5_000_000, "GK-2"), key="t-4")
    card = _post(api_client, _url(plan, "authorise"), {"payment_method": CARD}, key="t-5")

    assert (first.status_code, replay.status_code, same_voucher.status_code) == (201, 201, 409)
    assert (too_much.status_code, rest.status_code, card.status_code) == (409, 201, 409)
    row = api_client.get(_url(plan)).json()["milestones"][0]
    assert (row["method"], row["state"], row["captured_fen"]) == ("treasury", PaymentState.CAPTURED, amount)
    assert [(e["voucher_number"], e["amount_fen"]) for e in row["entries"]] == [
        ("GK-1", 5_000_000),
        ("GK-2", amount - 5_000_000),
    ]
    assert row["entries"][0]["transfer_date"] == timezone.localdate().isoformat()
    assert services.payments_reconcile() == []


def test_a_future_transfer_date_is_refused(api_client, accepted_government_plan):
    plan = accepted_government_plan
    api_client.force_authenticate(buyer_user_of(plan.contract))
    body = {**_transfer(1), "transferred_on": (timezone.localdate() + timedelta(days=2)).isoformat()}

    response = _post(api_client, _url(plan, "transfers"), body)

    assert response.status_code == 400
    assert "transfer_date" in response.json()["fields"]
    assert not PaymentEntry.objects.exists()


# --- cost ------------------------------------------------------------------------------------------


def test_the_payments_list_costs_a_fixed_number_of_queries(
    api_client, card_plan, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    payment = _captured(card_plan, django_capture_on_commit_callbacks)
    operator = _user("operator", card_plan.contract)
    for number in range(5):
        services.milestone_payment_refund(actor=operator, payment=payment, amount_fen=100, reason=f"退款 {number}")
    api_client.force_authenticate(buyer_user_of(card_plan.contract))

    # contract, the side (membership, regulator scope), milestones, payments, entries
    with django_assert_max_num_queries(7):
        response = api_client.get(_url(card_plan))

    assert response.status_code == 200
    assert len(response.json()["milestones"][0]["entries"]) == 7
