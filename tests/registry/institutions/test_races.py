"""Races on PostgreSQL with real threads: the need's row lock and the unique response per institution."""

import threading

import pytest
from django.db import connections

from portal.audit.models import AuditEntry
from portal.errors import Conflict
from registry.institutions import services
from registry.institutions.models import NeedStatus, ServiceResponse
from tests.factories.institutions import ServiceResponseFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _race(calls):
    barrier = threading.Barrier(len(calls))
    outcomes = []

    def run(call):
        try:
            barrier.wait()
            outcomes.append(call())
        except Exception as exc:  # collected and asserted by the caller
            outcomes.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def test_an_institution_responding_six_times_at_once_records_one_response(need, institution, institution_staff):
    outcomes = _race(
        [
            lambda n=n: services.response_submit(
                actor=institution_staff, need=need, institution=institution, message=f"报价{n}"
            )
            for n in range(6)
        ]
    )
    assert sum(isinstance(o, ServiceResponse) for o in outcomes) == 1
    assert sum(isinstance(o, Conflict) for o in outcomes) == 5
    assert ServiceResponse.objects.filter(need=need, institution=institution).count() == 1


def test_choosing_different_responses_at_once_matches_exactly_one(need, need_owner):
    responses = [ServiceResponseFactory(need=need) for _ in range(4)]
    outcomes = _race([lambda r=r: services.need_choose(actor=need_owner, need=need, response=r) for r in responses])

    assert sum(isinstance(o, Conflict) for o in outcomes) == 3
    winner = next(o for o in outcomes if not isinstance(o, Exception))
    need.refresh_from_db()
    assert need.status == NeedStatus.MATCHED
    assert need.chosen_response_id == winner.chosen_response_id
    assert AuditEntry.objects.filter(action="service_need.choose").count() == 1
