"""The beat's rollup tasks through Redis and a real Celery worker: the fold moves the deltas an
event wrote into the facts, a second run has nothing left; the nightly task verifies and rebuilds."""

from __future__ import annotations

import datetime

import pytest
from celery.result import EagerResult
from django.conf import settings

from monitoring.models import Metric, RollupDelta, RollupFact
from monitoring.rollups.tasks import rollups_fold_task, rollups_nightly_task
from registry.talent import services as talent_services
from tests.factories.monitoring_rollups import issuer_staff
from tests.factories.talent import CertificateFactory, PersonFactory

pytestmark = [pytest.mark.broker, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

DAY = datetime.date(2025, 6, 1)


def test_the_beat_folds_the_deltas_once_and_the_nightly_run_rebuilds(queued_tasks):
    assert settings.CELERY_BEAT_SCHEDULE["rollups-fold"]["task"] == rollups_fold_task.name
    assert settings.CELERY_BEAT_SCHEDULE["rollups-nightly"]["task"] == rollups_nightly_task.name
    issuer, person = issuer_staff(), PersonFactory(region_id="510100")
    for number in ("W-1", "W-2"):
        talent_services.certificate_issue(
            actor=issuer, person=person, occupation="ai_trainer", level=2, number=number, issued_on=DAY,
            expires_on=None,
        )  # fmt: skip

    queued = rollups_fold_task.delay()
    assert not isinstance(queued, EagerResult)  # it went through Redis to the worker
    assert queued.get(timeout=30) == 3  # the two certificates and the issuer's verification

    assert not RollupDelta.objects.exists()
    certificates = RollupFact.objects.filter(metric=Metric.CERTIFICATES_LEVEL_2)
    assert list(certificates.values_list("region", "metric", "value")) == [("510100", Metric.CERTIFICATES_LEVEL_2, 2)]
    assert rollups_fold_task.delay().get(timeout=30) == 0
    assert certificates.get().value == 2

    CertificateFactory(level=2, issued_on=DAY, person=person)  # written straight to the table

    assert rollups_nightly_task.delay().get(timeout=30) == 1  # one difference, logged, then rebuilt
    assert certificates.get().value == 3
