"""Creating notifications and sending their e-mails."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from functools import partial
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from portal.accounts.models import User
from portal.notifications import kinds, tasks
from portal.notifications.models import Notification

logger = logging.getLogger(__name__)


def notify(*, users: Iterable[User], kind: str, params: dict[str, Any], url: str, key: str) -> list[Notification]:
    """Notify each user once per `key` (a retry of the cause notifies nobody twice) and queue the
    e-mails for after the commit. Returns the notifications created now."""
    if kind not in kinds.KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    created = []
    for user in {user.pk: user for user in users if user.is_active}.values():
        try:
            with transaction.atomic():
                created.append(Notification.objects.create(user=user, kind=kind, params=params, url=url, key=key))
        except IntegrityError:  # already notified for this key
            continue
    if created:
        transaction.on_commit(partial(tasks.notifications_email_task.delay, [n.pk for n in created]))
    return created


def notifications_email(*, notification_ids: list[int]) -> int:
    """Send the e-mail of each notification not yet e-mailed; returns how many were sent. Each row
    is locked (skipping any another worker holds) and marked in the same transaction as the send,
    so a task run twice sends each e-mail once."""
    sent = 0
    for pk in sorted(notification_ids):
        with transaction.atomic():
            notification = (
                Notification.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("user")
                .filter(pk=pk, emailed_at__isnull=True)
                .first()
            )
            if notification is None or not notification.user.email:
                continue
            with translation.override(settings.LANGUAGE_CODE):
                text = kinds.message(notification.kind, notification.params)
                link = f"{settings.PUBLIC_BASE_URL}{notification.url}" if notification.url else ""
                send_mail(
                    subject=text[:150],
                    message=f"{text}\n\n{link}".strip(),
                    from_email=None,
                    recipient_list=[notification.user.email],
                )
            notification.emailed_at = timezone.now()
            notification.save(update_fields=["emailed_at"])
            sent += 1
    return sent


def notifications_mark_read(*, user: User, notification_ids: Iterable[int] | None = None) -> int:
    """Mark the user's notifications read (all of them when no ids are given); returns how many
    changed. Someone else's ids are ignored."""
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if notification_ids is not None:
        unread = unread.filter(pk__in=list(notification_ids))
    return unread.update(read_at=timezone.now())
