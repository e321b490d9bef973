"""The beat task's round trip through Redis and a real worker: the sweep closes the tender and
queues its opening, which the worker runs too."""

import time

import pytest
from celery.result import EagerResult

from marketplace.models import Bid, BidState
from marketplace.states import TenderState
from marketplace.tasks import tenders_open_due_task
from portal.celery import app as celery_app
from tests.factories.marketplace import TenderFactory, bid_on, past_deadline, vendor_staff

pytestmark = [pytest.mark.broker, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_the_worker_sweeps_and_opens_a_tender_past_its_deadline(queued_tasks):
    tender = TenderFactory(publish=True)
    for _ in range(3):
        bid_on(tender, vendor_staff())
    past_deadline(tender)

    queued = tenders_open_due_task.delay()
    assert not isinstance(queued, EagerResult)
    assert queued.get(timeout=30) == [tender.pk]

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        tender.refresh_from_db()
        if tender.state != TenderState.OPENING:
            break
        time.sleep(0.2)
    assert tender.state == TenderState.EVALUATION
    assert set(Bid.objects.filter(tender=tender).values_list("state", flat=True)) == {BidState.VALID}


def test_the_sweep_is_on_the_beat_schedule():
    entry = celery_app.conf.beat_schedule["tender-deadline-sweep"]
    assert entry["task"] == tenders_open_due_task.name
    assert entry["schedule"] <= 60
