"""Scoring a delivery through Redis and a real Celery worker: the upload queues the task after its
commit, the worker scores, a second run of the task changes nothing."""

from __future__ import annotations

import pytest

from marketplace.models import AcceptanceReport, DeliveryState
from marketplace.tasks import delivery_score_task
from portal.celery import app as celery_app
from tests.factories.acceptance import csv_file, deliver, gold_labels, labels_with_errors, planned_milestone

pytestmark = [pytest.mark.broker, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_the_worker_scores_a_delivery_queued_by_its_upload(celery_worker):
    plan = planned_milestone()
    celery_app.conf.task_always_eager = False  # from here on tasks go through the broker
    delivery = deliver(plan, csv_file(labels_with_errors(gold_labels(), wrong=20)), score=False)

    # The upload committed and queued the task; wait for the worker through a second message,
    # which finds the delivery taken or scored and changes nothing.
    for _ in range(60):
        delivery.refresh_from_db()
        if delivery.state == DeliveryState.SCORED:
            break
        delivery_score_task.delay(delivery.pk).get(timeout=30)
    assert delivery.state == DeliveryState.SCORED
    assert delivery.progress_done == 200
    report = AcceptanceReport.objects.get(delivery=delivery)
    assert report.metrics["classification"]["accuracy"] == pytest.approx(0.9)
    assert delivery_score_task.delay(delivery.pk).get(timeout=30) == DeliveryState.SCORED
    assert AcceptanceReport.objects.filter(delivery=delivery).count() == 1
