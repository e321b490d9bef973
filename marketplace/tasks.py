"""Celery tasks of the tender exchange: thin wrappers that take ids and call one service."""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import OperationalError

from marketplace import services
from marketplace.payments.gateway import GatewayUnavailable

logger = logging.getLogger(__name__)


@shared_task(acks_late=True)
def tenders_open_due_task() -> list[int]:
    return services.tenders_close_due()


@shared_task(acks_late=True)
def tender_open_task(tender_id: int) -> None:
    services.tender_open(tender_id=tender_id)


@shared_task(acks_late=True)
def contracts_remind_unsigned_task() -> int:
    return services.contracts_remind_unsigned()


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def saved_searches_notify_task(tender_id: int) -> int:
    return services.saved_searches_notify(tender_id=tender_id)


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def delivery_score_task(delivery_id: int) -> str:
    """Score one delivery; a duplicate delivery of the task finds it taken and changes nothing."""
    return services.delivery_score(delivery_id=delivery_id).state


# --- Payments: Stripe not answering (or the database) is retried with backoff; a payment in
# another state than the task expects is left alone, so a repeated task changes nothing.

PAYMENT_RETRY = {
    "acks_late": True,
    "autoretry_for": (GatewayUnavailable, OperationalError),
    "retry_backoff": 5,
    "retry_backoff_max": 60 * 60,
    "retry_jitter": True,
    "max_retries": 12,
}


@shared_task(**PAYMENT_RETRY)
def milestone_payment_capture_task(milestone_id: int) -> str | None:
    payment = services.milestone_payment_capture(milestone_id=milestone_id)
    return payment.state if payment else None


@shared_task(**PAYMENT_RETRY)
def milestone_payment_release_task(milestone_id: int) -> str | None:
    payment = services.milestone_payment_release(milestone_id=milestone_id)
    return payment.state if payment else None


@shared_task(**PAYMENT_RETRY)
def contract_payments_release_task(contract_id: int) -> int:
    return services.contract_payments_release(contract_id=contract_id)


@shared_task(**PAYMENT_RETRY)
def stripe_event_process_task(event_id: int) -> str:
    return services.stripe_event_process(event_id=event_id).event_id


@shared_task(acks_late=True)
def payments_reconcile_task() -> int:
    """The daily reconciliation: differences go to the log (and `reconcile_payments` lists them)."""
    differences = services.payments_reconcile()
    for difference in differences:
        logger.warning("payments differ: %s", difference)
    return len(differences)
