"""A real Celery worker consuming from Redis runs the red-flag computation; twice changes nothing
more. The task is registered when the app loads and scheduled nightly."""

from __future__ import annotations

import pytest
from celery.result import EagerResult
from django.conf import settings

from monitoring.redflags.models import Alert, RedFlag
from monitoring.redflags.tasks import red_flags_compute_task
from portal.celery import app as celery_app
from tests.factories.marketplace import opened_tender

M = 1_000_000


def test_the_task_is_registered_and_scheduled_nightly():
    entry = settings.CELERY_BEAT_SCHEDULE["red-flags-compute"]

    assert entry["task"] == "monitoring.redflags.tasks.red_flags_compute_task"
    assert entry["schedule"] == 24 * 60 * 60
    assert entry["task"] in celery_app.tasks


@pytest.mark.broker
@pytest.mark.django_db(transaction=True)
def test_a_worker_raises_the_alerts_and_a_second_run_adds_nothing(queued_tasks):
    tender = opened_tender(prices=[40 * M, 40 * M, 41 * M])

    queued = red_flags_compute_task.delay()
    assert not isinstance(queued, EagerResult)  # it went through Redis to the worker
    first = queued.get(timeout=60)
    alerts = list(Alert.objects.order_by("pk").values_list("pk", "flag", "state"))
    second = red_flags_compute_task.delay(tender_ids=[tender.pk]).get(timeout=60)

    assert (first["tenders"], second["tenders"]) == (1, 1)
    assert first["raised"] == len(alerts)
    assert second["raised"] == 0
    assert (tender.pk, RedFlag.IDENTICAL_BID_PRICES) in set(Alert.objects.values_list("tender_id", "flag"))
    assert list(Alert.objects.order_by("pk").values_list("pk", "flag", "state")) == alerts
