"""The one module that talks to Stripe (DESIGN §9).

Everything else calls these functions with our own ids and amounts in fen, which are CNY's minor
units, so Stripe receives them unchanged. Each write carries an idempotency key derived from our
row ids (`idempotency_key`), so a retry after a lost answer cannot act twice on a real Stripe.
Stripe's errors come back as domain errors: a declined card (`CardDeclined`), Stripe not answering
(`GatewayUnavailable`, which tasks retry with backoff) and a refused request (`GatewayRefused`).
Answers come back as small frozen records, never as the library's objects.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

import stripe
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.errors import Conflict, DomainError, ServiceUnavailable

CURRENCY = "cny"


class CardDeclined(DomainError):
    status = 402
    code = "card_declined"
    default_message = gettext_lazy("The card was declined. Use another card or ask the bank.")


class GatewayUnavailable(ServiceUnavailable):
    """Stripe did not answer (or is not configured): nothing is known to have changed there."""

    code = "payments_unavailable"
    default_message = gettext_lazy("The card payment service is not answering. The portal will try again.")


class GatewayRefused(Conflict):
    code = "payment_refused"
    default_message = gettext_lazy("The card payment service refused this request.")


class InvalidWebhook(DomainError):
    code = "invalid_webhook"
    default_message = gettext_lazy("The webhook could not be verified.")


@dataclass(frozen=True)
class Intent:
    """A PaymentIntent, as far as the portal reads it."""

    id: str
    status: str
    amount_fen: int
    amount_capturable_fen: int
    amount_received_fen: int
    currency: str
    metadata: dict[str, str]


@dataclass(frozen=True)
class Refund:
    id: str
    amount_fen: int
    status: str


@dataclass(frozen=True)
class Event:
    id: str
    type: str
    api_version: str
    payload: dict[str, Any]
    object_id: str
    intent_id: str


def idempotency_key(payment_id: int, action: str, attempt: int = 0) -> str:
    """The key of one write on one of our payments: the same action retried sends the same key."""
    return f"milestone-payment-{payment_id}-{action}-{attempt}"


def configured() -> bool:
    return bool(settings.STRIPE_SECRET_KEY)


def _client() -> stripe.StripeClient:
    if not configured():
        raise GatewayUnavailable(_("Card payments are not configured on this portal."))
    return stripe.StripeClient(
        settings.STRIPE_SECRET_KEY,
        stripe_version=settings.STRIPE_API_VERSION,
        base_addresses={"api": settings.STRIPE_API_BASE},
        max_network_retries=settings.STRIPE_MAX_NETWORK_RETRIES,
    )


def _call(function: Any, *args: Any, **kwargs: Any) -> Any:
    """Call the library, turning its errors into ours."""
    try:
        return function(*args, **kwargs)
    except stripe.CardError as error:
        raise CardDeclined() from error
    except (stripe.APIConnectionError, stripe.RateLimitError) as error:
        raise GatewayUnavailable() from error
    except stripe.APIError as error:  # a fault on Stripe's side: worth another try
        raise GatewayUnavailable() from error
    except stripe.StripeError as error:  # invalid request, authentication, idempotency, permission
        raise GatewayRefused(
            _("The card payment service refused this request: %(reason)s")
            % {"reason": error.user_message or type(error).__name__}
        ) from error


def _received(obj: Any) -> int:
    """What the intent captured: Stripe says `amount_received`; localstripe leaves it out, and its
    captured charge tells instead."""
    received = getattr(obj, "amount_received", None)
    if received is not None:
        return int(received)
    charge = getattr(obj, "latest_charge", None)
    if charge is not None and not isinstance(charge, str) and getattr(charge, "captured", False):
        return int(charge.amount)
    return 0


def _plain(metadata: Any) -> dict[str, str]:
    values = metadata.to_dict() if metadata is not None else {}
    return {str(key): str(value) for key, value in values.items()}


def _intent(obj: Any) -> Intent:
    amount = int(obj.amount or 0)
    capturable = getattr(obj, "amount_capturable", None)
    if capturable is None:  # localstripe again
        capturable = amount if obj.status == "requires_capture" else 0
    return Intent(
        id=obj.id,
        status=obj.status,
        amount_fen=amount,
        amount_capturable_fen=int(capturable),
        amount_received_fen=_received(obj),
        currency=str(obj.currency).lower(),
        metadata=_plain(getattr(obj, "metadata", None)),
    )


def authorise(
    *, payment_id: int, attempt: int, amount_fen: int, payment_method: str, metadata: dict[str, str]
) -> Intent:
    """Hold `amount_fen` on the card (a PaymentIntent confirmed with manual capture)."""
    client = _client()
    obj = _call(
        client.v1.payment_intents.create,
        params={
            "amount": amount_fen,
            "currency": CURRENCY,
            "capture_method": "manual",
            "payment_method": payment_method,
            "payment_method_types": ["card"],
            "confirm": True,
            "metadata": {**metadata, "milestone_payment": str(payment_id)},
        },
        # The card is part of the key: a declined attempt whose failed entry was rolled back (an
        # API call under Idempotency-Key) must not block the next card under the same attempt.
        options={
            "idempotency_key": idempotency_key(payment_id, "authorise", attempt)
            + "-"
            + hashlib.sha256(payment_method.encode()).hexdigest()[:16]
        },
    )
    return _intent(obj)


def capture(*, payment_id: int, intent_id: str, amount_fen: int) -> Intent:
    client = _client()
    obj = _call(
        client.v1.payment_intents.capture,
        intent_id,
        params={"amount_to_capture": amount_fen},
        options={"idempotency_key": idempotency_key(payment_id, "capture")},
    )
    return _intent(obj)


def cancel(*, payment_id: int, intent_id: str) -> Intent:
    client = _client()
    obj = _call(
        client.v1.payment_intents.cancel,
        intent_id,
        options={"idempotency_key": idempotency_key(payment_id, "cancel")},
    )
    return _intent(obj)


def refund(*, payment_id: int, entry_number: int, intent_id: str, amount_fen: int) -> Refund:
    """Refund part or all of a captured intent. `entry_number` tells refunds of one payment apart
    (the count of its refunds so far), so that each refund has a key of its own."""
    client = _client()
    obj = _call(
        client.v1.refunds.create,
        params={"payment_intent": intent_id, "amount": amount_fen},
        options={"idempotency_key": idempotency_key(payment_id, "refund", entry_number)},
    )
    return Refund(id=obj.id, amount_fen=int(obj.amount), status=str(obj.status))


def retrieve_intent(intent_id: str) -> Intent:
    return _intent(_call(_client().v1.payment_intents.retrieve, intent_id))


def refunds_of(intent_id: str) -> list[Refund]:
    listed = _call(_client().v1.refunds.list, params={"payment_intent": intent_id, "limit": 100})
    return [Refund(id=obj.id, amount_fen=int(obj.amount), status=str(obj.status)) for obj in listed.data]


def construct_event(*, payload: bytes, signature: str) -> Event:
    """The verified event (`InvalidWebhook` when the signature is forged, stale or missing, or the
    event was written for another API version than the pinned one)."""
    secret = settings.STRIPE_WEBHOOK_SECRET
    if not secret:
        raise InvalidWebhook(_("Webhooks are not configured on this portal."))
    try:
        stripe.WebhookSignature.verify_header(
            payload.decode("utf-8"), signature, secret, settings.STRIPE_WEBHOOK_TOLERANCE_SECONDS
        )
        data = json.loads(payload)
    except (stripe.SignatureVerificationError, UnicodeDecodeError, ValueError) as error:
        raise InvalidWebhook() from error
    if not isinstance(data, dict) or not isinstance(data.get("id"), str) or not isinstance(data.get("type"), str):
        raise InvalidWebhook(_("The webhook is not a Stripe event."))
    if data.get("api_version") != settings.STRIPE_API_VERSION:
        raise InvalidWebhook(
            _("The event was written for API version %(version)s; this portal reads %(pinned)s.")
            % {"version": data.get("api_version"), "pinned": settings.STRIPE_API_VERSION}
        )
    obj = (data.get("data") or {}).get("object") or {}
    object_id = str(obj.get("id", "")) if isinstance(obj, dict) else ""
    intent_id = ""
    if isinstance(obj, dict):
        if obj.get("object") == "payment_intent":
            intent_id = object_id
        elif isinstance(obj.get("payment_intent"), str):
            intent_id = obj["payment_intent"]
    return Event(
        id=data["id"],
        type=data["type"],
        api_version=data["api_version"],
        payload=data,
        object_id=object_id,
        intent_id=intent_id,
    )
