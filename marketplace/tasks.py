"""Celery tasks of the tender exchange: thin wrappers that take ids and call one service."""

from __future__ import annotations

from celery import shared_task

from marketplace import services


@shared_task(acks_late=True)
def tenders_open_due_task() -> list[int]:
    return services.tenders_close_due()


@shared_task(acks_late=True)
def tender_open_task(tender_id: int) -> None:
    services.tender_open(tender_id=tender_id)
