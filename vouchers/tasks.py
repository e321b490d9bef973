from celery import shared_task
from django.utils import timezone

from vouchers.services import vouchers_expire


@shared_task(acks_late=True)
def vouchers_expire_task() -> int:
    """Hourly, so that a voucher ends within the hour after its last valid day in any time zone
    setting; a run with nothing due is one indexed query."""
    return vouchers_expire(today=timezone.localdate())
