"""The expiry beat through Redis and a real Celery worker: a voucher past its last day expires and
its unused balance goes back to the budget; a second run changes nothing."""

from __future__ import annotations

import datetime

import pytest
from celery.result import EagerResult
from django.conf import settings
from django.utils import timezone

from tests.factories.vouchers import (
    YUAN,
    external_order,
    holder_staff,
    issued_voucher,
    open_programme,
    provider_of,
    provider_staff,
    voucher_issued_on,
)
from tests.vouchers.services.helpers import assert_ledger_verifies, redeem, snapshot
from vouchers import selectors
from vouchers.models import LedgerTransaction, TransactionKind, VoucherState
from vouchers.tasks import vouchers_expire_task

pytestmark = [pytest.mark.broker, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_the_beat_expires_a_voucher_past_its_date_once(queued_tasks):
    assert settings.CELERY_BEAT_SCHEDULE["vouchers-expire"]["task"] == vouchers_expire_task.name
    today = timezone.localdate()
    ended = open_programme(
        valid_from=today - datetime.timedelta(days=60), valid_until=today - datetime.timedelta(days=1)
    )
    holder_user = holder_staff()
    past = voucher_issued_on(ended, holder_user, 50_000 * YUAN, today=today - datetime.timedelta(days=10))
    order = external_order(holder_user, provider_of(provider_staff()))
    redeem(holder_user, past, 20_000 * YUAN, order=order, today=today - datetime.timedelta(days=5))
    current = issued_voucher(open_programme(), holder_staff(), 10_000 * YUAN)
    budget_before = selectors.budget_available_fen(ended)

    queued = vouchers_expire_task.delay()
    assert not isinstance(queued, EagerResult)  # it went through Redis to the worker
    assert queued.get(timeout=30) == 1

    past.refresh_from_db()
    current.refresh_from_db()
    assert past.state == VoucherState.EXPIRED
    assert (current.state, selectors.voucher_balance_fen(current)) == (VoucherState.ACTIVE, 10_000 * YUAN)
    assert selectors.voucher_balance_fen(past) == 0
    assert selectors.budget_available_fen(ended) == budget_before + 30_000 * YUAN
    assert LedgerTransaction.objects.filter(kind=TransactionKind.EXPIRE, voucher=past).count() == 1
    after_first = snapshot(past, current)

    assert vouchers_expire_task.delay().get(timeout=30) == 0

    assert snapshot(past, current) == after_first
    assert_ledger_verifies()
