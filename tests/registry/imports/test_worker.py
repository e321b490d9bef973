"""A real Celery worker consuming from Redis runs an uploaded import end to end."""

from __future__ import annotations

import time

import pytest
from celery.result import EagerResult
from django.core.files.base import ContentFile

from registry.imports.models import RUNNING, ImportJob, ImportStatus
from registry.imports.services import import_job_create
from registry.imports.tasks import import_job_run_task
from registry.models import Organisation
from tests.factories import UserFactory
from tests.registry.imports.conftest import ORGANISATION_HEADER, csv_bytes, organisation_rows

pytestmark = [pytest.mark.broker, pytest.mark.django_db(transaction=True)]


def _wait_for(job: ImportJob, timeout: float = 30) -> ImportJob:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.status not in RUNNING:
            return job
        time.sleep(0.1)
    pytest.fail(f"import job still {job.status} after {timeout} s")


def test_an_upload_is_run_by_the_worker_and_a_redelivery_changes_nothing(queued_tasks):
    operator = UserFactory(username="ops", is_staff=True)
    content = csv_bytes([ORGANISATION_HEADER, *organisation_rows(600)])

    job = import_job_create(actor=operator, kind="organisations", upload=ContentFile(content, name="orgs.csv"))
    job = _wait_for(job)
    again = import_job_run_task.delay(job.pk)

    assert not isinstance(again, EagerResult)
    assert again.get(timeout=30) == ImportStatus.DONE
    job.refresh_from_db()
    assert (job.status, job.attempt, job.total_rows, job.written_rows) == (ImportStatus.DONE, 1, 600, 600)
    assert Organisation.objects.count() == 600
