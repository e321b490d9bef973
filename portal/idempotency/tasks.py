from celery import shared_task
from django.utils import timezone

from portal.idempotency.services import idempotency_records_prune


@shared_task(acks_late=True)
def idempotency_records_prune_task() -> int:
    return idempotency_records_prune(now=timezone.now())
