"""Regulators acknowledge or dismiss alerts: in their region only, with a note to dismiss, from
the open state only; each decision is audited and a refused one changes nothing."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from monitoring.redflags.models import Alert, AlertState
from monitoring.redflags.services import alert_acknowledge, alert_dismiss
from portal.audit.models import AuditEntry
from portal.errors import Conflict, NotFound
from tests.factories.monitoring_redflags import AlertFactory, regulator
from tests.factories.registry import UserFactory

pytestmark = pytest.mark.django_db


def audit_rows(alert: Alert) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(object_type="monitoring.alert", object_id=str(alert.pk)).order_by("seq"))


def unchanged(alert: Alert) -> bool:
    fresh = Alert.objects.get(pk=alert.pk)
    return (fresh.state, fresh.note, fresh.decided_by_id, fresh.decided_at) == (AlertState.OPEN, "", None, None)


def test_a_regulator_in_scope_acknowledges_an_alert_and_the_decision_is_audited():
    alert = AlertFactory()
    sichuan = regulator("510000")

    decided = alert_acknowledge(actor=sichuan, alert=alert, note="  已转交执法处核查  ")

    fresh = Alert.objects.get(pk=alert.pk)
    assert (decided.state, fresh.state, fresh.note, fresh.decided_by) == (
        AlertState.ACKNOWLEDGED,
        AlertState.ACKNOWLEDGED,
        "已转交执法处核查",
        sichuan,
    )
    assert fresh.decided_at is not None
    [row] = audit_rows(alert)
    assert (row.action, row.actor, row.before, row.after) == (
        "monitoring_alert.acknowledge",
        sichuan,
        {"state": "open"},
        {"state": "acknowledged", "note": "已转交执法处核查"},
    )


def test_acknowledging_needs_no_note():
    alert = AlertFactory()

    alert_acknowledge(actor=regulator(""), alert=alert)

    assert Alert.objects.get(pk=alert.pk).state == AlertState.ACKNOWLEDGED


def test_an_operator_dismisses_an_alert_with_a_note():
    alert = AlertFactory()
    operator = UserFactory(is_staff=True)

    alert_dismiss(actor=operator, alert=alert, note="单一来源经批准，属正常情形")

    fresh = Alert.objects.get(pk=alert.pk)
    assert (fresh.state, fresh.decided_by) == (AlertState.DISMISSED, operator)
    assert [row.action for row in audit_rows(alert)] == ["monitoring_alert.dismiss"]


@pytest.mark.parametrize("note", ["", "   "])
def test_dismissing_without_a_note_is_refused_and_changes_nothing(note):
    alert = AlertFactory()

    with pytest.raises(ValidationError) as refused:
        alert_dismiss(actor=regulator("510000"), alert=alert, note=note)

    assert refused.value.message_dict == {"note": ["Say why the alert is dismissed."]}
    assert unchanged(alert)
    assert audit_rows(alert) == []


def test_a_note_too_long_is_refused():
    alert = AlertFactory()

    with pytest.raises(ValidationError) as refused:
        alert_acknowledge(actor=regulator("510000"), alert=alert, note="长" * 5_001)

    assert "note" in refused.value.message_dict
    assert unchanged(alert)


@pytest.mark.parametrize("decide", [alert_acknowledge, alert_dismiss])
def test_a_decided_alert_cannot_be_decided_again(decide):
    alert = AlertFactory()
    sichuan = regulator("510000")
    alert_dismiss(actor=sichuan, alert=alert, note="已核实")

    with pytest.raises(Conflict) as refused:
        decide(actor=sichuan, alert=alert, note="再次处理")

    assert refused.value.message == "An alert that is dismissed cannot be " + (
        "acknowledged." if decide is alert_acknowledge else "dismissed."
    )
    fresh = Alert.objects.get(pk=alert.pk)
    assert (fresh.state, fresh.note) == (AlertState.DISMISSED, "已核实")
    assert len(audit_rows(alert)) == 1


def test_a_cleared_alert_cannot_be_decided():
    alert = AlertFactory(state=AlertState.CLEARED)

    with pytest.raises(Conflict):
        alert_acknowledge(actor=regulator("510000"), alert=alert)

    assert Alert.objects.get(pk=alert.pk).state == AlertState.CLEARED


@pytest.mark.parametrize("scope", ["440000", "510100"])
def test_a_regulator_outside_the_alerts_region_cannot_see_it_to_decide(scope):
    """Another province, and a city below the alert's province, both lie outside its region."""
    alert = AlertFactory()

    with pytest.raises(NotFound):
        alert_dismiss(actor=regulator(scope), alert=alert, note="不归我管")

    assert unchanged(alert)
    assert audit_rows(alert) == []


def test_someone_who_regulates_nothing_cannot_decide(agency_user):
    alert = AlertFactory()

    with pytest.raises(NotFound):
        alert_acknowledge(actor=agency_user, alert=alert)

    assert unchanged(alert)
