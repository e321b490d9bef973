"""Concurrent writes keep the talent pool's invariants (PostgreSQL, real threads)."""

from __future__ import annotations

import datetime
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from portal.errors import Conflict
from registry.talent import services
from registry.talent.models import Certificate, Expert, Person
from tests.factories.talent import valid_resident_id

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _race(*calls):
    """Run the calls at once in threads; return what each returned or raised."""
    barrier = threading.Barrier(len(calls))
    outcomes: list[object] = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait()
            outcomes[index] = call()
        except Exception as error:
            outcomes[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def test_two_recordings_of_one_number_at_one_issuer_leave_one_certificate(issuer_staff, issuer_org):
    def record(serial):
        return lambda: services.certificate_record(
            actor=issuer_staff,
            issuer=issuer_org,
            holder_name=f"并发{serial}",
            id_number=valid_resident_id(serial, region_code="330106"),
            region_code="330100",
            occupation="ai_trainer",
            level=4,
            number="RACE-1",
            issued_on=datetime.date(2024, 1, 1),
            expires_on=None,
        )

    outcomes = _race(record(81), record(82), record(83))

    errors = [o for o in outcomes if isinstance(o, Exception)]
    assert Certificate.objects.filter(number="RACE-1").count() == 1
    assert len(errors) == 2
    assert all(isinstance(e, ValidationError) and "number" in e.message_dict for e in errors)
    assert Person.objects.count() == 1  # the losers' holders were rolled back with them


def test_two_applications_of_one_person_leave_one_expert(db):
    from tests.factories import UserFactory

    user = UserFactory()
    number = valid_resident_id(84)

    def apply():
        return services.expert_apply(
            user=user, name="并发专家", id_number=number, region_code="510100", modalities=["text"], sectors=[]
        )

    outcomes = _race(apply, apply)

    assert Expert.objects.count() == 1
    assert Person.objects.count() == 1
    loser = next(o for o in outcomes if isinstance(o, Exception))
    assert isinstance(loser, (Conflict, ValidationError))
