"""Races on PostgreSQL with real threads: sweeps at once open each tender once; bids racing the
deadline sweep are either in the opening or refused, never lost."""

from datetime import timedelta

import pytest
from django.utils import timezone

from marketplace import services
from marketplace.models import Bid, BidState, Release, Tender
from marketplace.states import TenderState
from portal.audit.models import AuditEntry
from tests.factories.marketplace import TenderFactory, bid_on, past_deadline, vendor_staff
from tests.races import run_together

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _sweep_and_open() -> list[int]:
    opened = services.tenders_close_due()
    for tender_id in opened:
        services.tender_open(tender_id=tender_id)
    return opened


def test_two_sweeps_at_once_close_and_open_each_tender_once():
    tenders = [TenderFactory(publish=True) for _ in range(4)]
    for tender in tenders:
        for _ in range(3):
            bid_on(tender, vendor_staff())
        past_deadline(tender)

    outcomes = run_together(_sweep_and_open, _sweep_and_open, _sweep_and_open)

    assert not [o for o in outcomes if isinstance(o, Exception)]
    assert sorted(tender_id for ids in outcomes for tender_id in ids) == sorted(t.pk for t in tenders)
    for tender in tenders:
        tender.refresh_from_db()
        assert tender.state == TenderState.EVALUATION
        assert AuditEntry.objects.filter(action="tender.close", object_id=str(tender.pk)).count() == 1
        assert AuditEntry.objects.filter(action="tender.open", object_id=str(tender.pk)).count() == 1
        assert Release.objects.filter(tender=tender).count() == 3  # tender, closed, opened
    assert AuditEntry.objects.filter(action="bid.open").count() == 12


def test_bids_racing_the_sweep_are_all_opened_or_all_refused():
    tender = TenderFactory(publish=True)
    users = [vendor_staff() for _ in range(6)]
    Tender.objects.filter(pk=tender.pk).update(
        deadline=timezone.now() + timedelta(milliseconds=300), next_check_at=timezone.now()
    )

    def bid(user):
        return lambda: bid_on(tender, user)

    def sweep_until_closed():
        while Tender.objects.get(pk=tender.pk).state == TenderState.OPEN:
            _sweep_and_open()
        return _sweep_and_open()

    outcomes = run_together(*(bid(user) for user in users), sweep_until_closed)
    _sweep_and_open()

    accepted = [o for o in outcomes[:-1] if isinstance(o, Bid)]
    refused = [o for o in outcomes[:-1] if isinstance(o, services.DeadlinePassed)]
    assert len(accepted) + len(refused) == len(users)
    tender.refresh_from_db()
    assert tender.opened_at is not None
    for bid_row in Bid.objects.filter(tender=tender):
        assert bid_row.received_at < tender.deadline
        assert bid_row.state in (BidState.VALID, BidState.INVALID)
    assert Bid.objects.filter(tender=tender).count() == len(accepted)
