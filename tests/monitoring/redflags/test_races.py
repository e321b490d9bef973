"""Races on PostgreSQL, in real threads: two computations at once raise each alert once; two
regulators deciding the same alert at once, one wins and the other is told it is decided."""

from __future__ import annotations

import pytest

from monitoring.redflags.models import Alert, AlertState, RedFlag
from monitoring.redflags.services import alert_acknowledge, alert_dismiss, red_flags_compute
from portal.audit.models import AuditEntry
from portal.errors import Conflict
from tests.factories.marketplace import opened_tender
from tests.factories.monitoring_redflags import AlertFactory, regulator
from tests.races import run_together

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

M = 1_000_000


def test_two_computations_at_once_raise_each_alert_once():
    tender = opened_tender(prices=[40 * M, 40 * M, 41 * M])

    outcomes = run_together(red_flags_compute, red_flags_compute)

    assert not [outcome for outcome in outcomes if isinstance(outcome, Exception)]
    flags = list(Alert.objects.filter(tender=tender).values_list("flag", flat=True))
    assert sorted(flags) == sorted(set(flags))
    assert RedFlag.IDENTICAL_BID_PRICES in flags


def test_two_regulators_deciding_at_once_one_wins():
    alert = AlertFactory()
    first, second = regulator("510000"), regulator("")

    outcomes = run_together(
        lambda: alert_acknowledge(actor=first, alert=alert, note="跟进"),
        lambda: alert_dismiss(actor=second, alert=alert, note="已核实"),
    )

    conflicts = [outcome for outcome in outcomes if isinstance(outcome, Conflict)]
    decided = [outcome for outcome in outcomes if isinstance(outcome, Alert)]
    assert (len(conflicts), len(decided)) == (1, 1)
    assert Alert.objects.get(pk=alert.pk).state == decided[0].state != AlertState.OPEN
    assert AuditEntry.objects.filter(object_type="monitoring.alert", object_id=str(alert.pk)).count() == 1
