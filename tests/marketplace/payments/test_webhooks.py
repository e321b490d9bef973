"""The Stripe webhook: signatures computed as Stripe documents them (HMAC-SHA256 over
"{timestamp}.{payload}" with the endpoint secret), events stored once, processed by re-reading the
intent from Stripe, whatever order they come in and whatever amount they claim."""

from __future__ import annotations

import hashlib
import hmac
import json
import time

import pytest
from django.conf import settings
from django.urls import reverse

from marketplace import services
from marketplace.models import EntryKind, PaymentState, StripeEvent
from marketplace.payments import gateway
from tests.factories.acceptance import buyer_user_of, csv_file, deliver, gold_labels, planned_milestone
from tests.factories.payments import CARD, enterprise_contract
from tests.marketplace.payments.conftest import WEBHOOK_SECRET

pytestmark = pytest.mark.django_db
URL = reverse("stripe-webhook")


def signed(payload: str, *, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> str:
    timestamp = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{timestamp}.{payload}".encode(), hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def event(event_id: str, kind: str, obj: dict, *, api_version: str | None = None) -> str:
    return json.dumps(
        {
            "id": event_id,
            "object": "event",
            "type": kind,
            "api_version": api_version or settings.STRIPE_API_VERSION,
            "created": int(time.time()),
            "data": {"object": obj},
        }
    )


def post(client, payload: str, signature: str | None = None):
    return client.post(
        URL, data=payload, content_type="application/json", HTTP_STRIPE_SIGNATURE=signature or signed(payload)
    )


@pytest.fixture
def held():
    """An enterprise milestone authorised by card, accepted without the capture task running."""
    plan = planned_milestone(enterprise_contract())
    payment = services.milestone_payment_authorise(
        actor=buyer_user_of(plan.contract), contract=plan.contract, milestone_id=plan.milestone_id, payment_method=CARD
    )
    delivery = deliver(plan, csv_file(gold_labels()))
    services.delivery_decide(actor=buyer_user_of(plan.contract), delivery=delivery, decision="accepted")
    return payment


@pytest.mark.parametrize(
    "signature",
    [
        pytest.param(lambda payload: signed(payload, secret="whsec_someone_else"), id="forged"),
        pytest.param(lambda payload: signed(payload, timestamp=int(time.time()) - 3600), id="stale"),
        pytest.param(lambda payload: "", id="missing"),
        pytest.param(lambda payload: "t=1,v1=00", id="garbage"),
    ],
)
def test_a_forged_or_stale_signature_is_refused_and_nothing_stored(api_client, held, signature):
    payload = event("evt_forged", "payment_intent.succeeded", {"id": held.intent_id, "object": "payment_intent"})
    response = api_client.post(
        URL, data=payload, content_type="application/json", HTTP_STRIPE_SIGNATURE=signature(payload)
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_webhook"
    assert not StripeEvent.objects.exists()


def test_an_event_of_another_api_version_is_refused(api_client, held):
    payload = event(
        "evt_old",
        "payment_intent.succeeded",
        {"id": held.intent_id, "object": "payment_intent"},
        api_version="2019-01-01",
    )
    response = post(api_client, payload)
    assert response.status_code == 400
    assert "2019-01-01" in response.json()["message"]
    assert not StripeEvent.objects.exists()


def test_the_same_event_twice_is_processed_once(api_client, held, django_capture_on_commit_callbacks):
    gateway.capture(payment_id=held.pk, intent_id=held.intent_id, amount_fen=held.amount_fen)  # at Stripe only
    # The payload lies about the amount: the portal reads the intent from Stripe instead.
    payload = event(
        "evt_capture", "payment_intent.succeeded", {"id": held.intent_id, "object": "payment_intent", "amount": 1}
    )

    with django_capture_on_commit_callbacks(execute=True):
        first = post(api_client, payload)
    with django_capture_on_commit_callbacks(execute=True) as queued:
        second = post(api_client, payload)

    assert first.status_code == second.status_code == 200
    assert (first.json()["duplicate"], second.json()["duplicate"]) == (False, True)
    assert not queued  # nothing queued for the repeat
    stored = StripeEvent.objects.get()
    assert stored.processed_at is not None
    assert stored.attempts == 1
    held.refresh_from_db()
    assert held.state == PaymentState.CAPTURED
    captured = held.entries.get(kind=EntryKind.CAPTURED)
    assert captured.amount_fen == held.amount_fen
    assert services.payments_reconcile() == []


def test_out_of_order_events_end_in_stripes_state(api_client, held, django_capture_on_commit_callbacks):
    gateway.capture(payment_id=held.pk, intent_id=held.intent_id, amount_fen=held.amount_fen)
    first = gateway.refund(payment_id=held.pk, entry_number=0, intent_id=held.intent_id, amount_fen=300)
    second = gateway.refund(payment_id=held.pk, entry_number=1, intent_id=held.intent_id, amount_fen=200)
    later = event("evt_2", "charge.refunded", {"id": "ch_x", "object": "charge", "payment_intent": held.intent_id})
    earlier = event("evt_1", "payment_intent.succeeded", {"id": held.intent_id, "object": "payment_intent"})

    with django_capture_on_commit_callbacks(execute=True):
        assert post(api_client, later).status_code == 200
    held.refresh_from_db()
    assert held.state == PaymentState.PARTIALLY_REFUNDED
    refunds = set(held.entries.filter(kind=EntryKind.REFUNDED).values_list("stripe_id", "amount_fen"))
    assert refunds == {(first.id, 300), (second.id, 200)}

    with django_capture_on_commit_callbacks(execute=True):
        assert post(api_client, earlier).status_code == 200
    held.refresh_from_db()
    assert held.state == PaymentState.PARTIALLY_REFUNDED
    assert held.entries.count() == 4  # authorised, captured, two refunds: the late event added nothing
    assert StripeEvent.objects.filter(processed_at__isnull=False).count() == 2
    assert services.payments_reconcile() == []


def test_an_event_about_an_unknown_intent_is_stored_and_noted(api_client, django_capture_on_commit_callbacks):
    payload = event("evt_other", "payment_intent.succeeded", {"id": "pi_not_ours", "object": "payment_intent"})
    with django_capture_on_commit_callbacks(execute=True):
        assert post(api_client, payload).status_code == 200
    stored = StripeEvent.objects.get()
    assert stored.processed_at is not None
    assert "No payment" in stored.error


def test_the_webhook_answers_only_post(api_client):
    assert api_client.get(URL).status_code == 405
