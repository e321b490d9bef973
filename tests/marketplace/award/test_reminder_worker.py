"""The signing reminder's beat task through Redis and a real worker."""

from datetime import timedelta

import pytest
from celery.result import EagerResult
from django.utils import timezone

from marketplace.models import Contract
from marketplace.tasks import contracts_remind_unsigned_task
from portal.celery import app as celery_app
from portal.notifications.models import Notification
from tests.factories.evaluation import awarded_tender

pytestmark = [pytest.mark.broker, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_the_worker_reminds_the_parties_of_a_contract_near_its_signing_limit(celery_worker):
    _tender, (contract,) = awarded_tender(bidders=3, prices=[40_000_000, 45_000_000, 48_000_000])
    Contract.objects.filter(pk=contract.pk).update(sign_by=timezone.now() + timedelta(days=5))
    celery_app.conf.task_always_eager = False  # from here on tasks go through the broker

    first = contracts_remind_unsigned_task.delay()
    assert not isinstance(first, EagerResult)
    assert first.get(timeout=30) == 1
    assert contracts_remind_unsigned_task.delay().get(timeout=30) == 0  # safe to run twice

    contract.refresh_from_db()
    assert contract.reminder_sent_at is not None
    assert Notification.objects.filter(kind="contract.reminder").count() == 2  # the buyer's and the supplier's


def test_the_reminder_is_on_the_beat_schedule():
    entry = celery_app.conf.beat_schedule["contract-signing-reminders"]
    assert entry["task"] == contracts_remind_unsigned_task.name
