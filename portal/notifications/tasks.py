from __future__ import annotations

from celery import shared_task


@shared_task(acks_late=True, autoretry_for=(ConnectionError, OSError), retry_backoff=True, max_retries=5)
def notifications_email_task(notification_ids: list[int]) -> int:
    from portal.notifications.services import notifications_email

    return notifications_email(notification_ids=notification_ids)
