"""Celery tasks of the tender exchange: thin wrappers that take ids and call one service."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from marketplace import services


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
