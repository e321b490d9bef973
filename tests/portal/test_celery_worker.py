"""A real Celery worker consuming from Redis runs the foundation's periodic tasks end to end."""

from datetime import timedelta

import pytest
from celery.result import EagerResult
from django.db import connection
from django.utils import timezone

from portal.audit.services import audit_record
from portal.audit.tasks import audit_chain_verify_task
from portal.idempotency.models import IdempotencyRecord
from portal.idempotency.tasks import idempotency_records_prune_task
from tests.factories import UserFactory

pytestmark = [pytest.mark.broker, pytest.mark.django_db(transaction=True)]


def test_the_worker_verifies_the_audit_chain_and_reports_tampering(queued_tasks):
    user = UserFactory()
    entries = [audit_record(actor=user, action="worker.test", obj=user, before={}, after={"i": i}) for i in range(3)]

    queued = audit_chain_verify_task.delay()
    assert not isinstance(queued, EagerResult)  # it went through Redis to the worker
    intact = queued.get(timeout=30)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditentry SET action = %s WHERE id = %s", ["forged", entries[1].pk])
    broken = audit_chain_verify_task.delay().get(timeout=30)

    assert intact == {"ok": True, "checked": 3, "broken_row": None}
    assert broken == {"ok": False, "checked": 1, "broken_row": entries[1].pk}


def test_the_worker_prunes_expired_idempotency_records(queued_tasks, settings):
    settings.IDEMPOTENCY_KEY_TTL_HOURS = 1
    user = UserFactory()
    old = IdempotencyRecord.objects.create(
        user=user, key="old", fingerprint="a" * 64, status_code=201, response_body={}
    )
    IdempotencyRecord.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(hours=2))
    IdempotencyRecord.objects.create(user=user, key="fresh", fingerprint="b" * 64, status_code=201, response_body={})

    assert idempotency_records_prune_task.delay().get(timeout=30) == 1
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["fresh"]
