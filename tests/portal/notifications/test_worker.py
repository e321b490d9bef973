"""The e-mail of a notification goes through Redis to a real worker, once."""

import time

import pytest
from django.core import mail
from django.db import transaction

from portal.notifications.models import Notification
from portal.notifications.services import notify
from tests.factories import UserFactory

pytestmark = [pytest.mark.broker, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_the_worker_emails_a_notification_after_its_commit(queued_tasks, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []
    user = UserFactory(email="vendor@example.cn")

    with transaction.atomic():
        notify(
            users=[user],
            kind="tender.matched",
            params={"search": "遥感", "reference": "BZ2026-0009", "title": "遥感影像标注"},
            url="/tenders/9/",
            key="worker-test",
        )

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not Notification.objects.filter(emailed_at__isnull=False).exists():
        time.sleep(0.2)
    assert Notification.objects.get(user=user).emailed_at is not None
    assert [message.to for message in mail.outbox] == [["vendor@example.cn"]]
    assert "BZ2026-0009" in mail.outbox[0].subject
