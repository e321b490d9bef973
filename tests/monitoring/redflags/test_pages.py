"""The alert pages: who sees the list and an alert, the filters, the evidence, the decision form."""

from __future__ import annotations

import pytest
from django.urls import reverse

from monitoring.redflags.models import Alert, AlertState, RedFlag
from portal.audit.models import AuditEntry
from tests.factories.monitoring_redflags import AlertFactory, regulator
from tests.monitoring.redflags.conftest import READERS, ROLES, SEES_THE_ALERT

pytestmark = pytest.mark.django_db

LIST = reverse("monitoring:alert-list")


def signed_in(client, user):
    if user is not None:
        client.force_login(user)
    return client


@pytest.mark.parametrize("role", ROLES)
def test_the_alert_list_is_for_regulators_in_scope_and_operators(client, role, alert, user_of):
    response = signed_in(client, user_of(role)).get(LIST, HTTP_ACCEPT_LANGUAGE="en")

    if role == "anonymous":
        assert response.status_code == 302
        assert "/accounts/" in response["Location"]
    elif role not in READERS:
        assert response.status_code == 403
    else:
        assert response.status_code == 200
        shown = [row.pk for row in response.context["page"].object_list]
        assert shown == ([alert.pk] if role in SEES_THE_ALERT else [])
        if role not in SEES_THE_ALERT:
            assert b'data-testid="empty-alerts"' in response.content


@pytest.mark.parametrize("role", ROLES)
def test_an_alert_page_answers_404_outside_the_users_scope(client, role, alert, user_of):
    response = signed_in(client, user_of(role)).get(reverse("monitoring:alert-detail", args=[alert.pk]))

    if role == "anonymous":
        assert response.status_code == 302
    elif role in SEES_THE_ALERT:
        assert response.status_code == 200
        assert reverse("marketplace:tender-detail", args=[alert.tender_id]).encode() in response.content
    else:
        assert response.status_code == 404


def test_the_list_filters_by_flag_state_and_region(client):
    sichuan = AlertFactory()
    dismissed = AlertFactory(flag=RedFlag.SINGLE_BID, state=AlertState.DISMISSED)
    other = AlertFactory(flag=RedFlag.SHORT_SUBMISSION_PERIOD, evidence={"period_hours": 1, "threshold_days": 22})
    client.force_login(regulator(""))

    def shown(query: str) -> set[int]:
        response = client.get(LIST + query)
        assert response.status_code == 200
        return {row.pk for row in response.context["page"].object_list}

    assert shown("") == {sichuan.pk, dismissed.pk, other.pk}
    assert shown("?flag=short_submission_period") == {other.pk}
    assert shown("?state=dismissed") == {dismissed.pk}
    assert shown("?region=510000") == {sichuan.pk, dismissed.pk, other.pk}
    assert shown("?region=440000") == set()
    assert client.get(LIST + "?state=nonsense").status_code == 400


def test_the_list_costs_a_fixed_number_of_queries(client, django_assert_max_num_queries):
    for _ in range(3):
        AlertFactory()
    client.force_login(regulator("510000"))

    with django_assert_max_num_queries(8):
        response = client.get(LIST)

    assert len(response.context["page"].object_list) == 3


def test_the_alert_page_renders_the_evidence_readably(client, alert):
    client.force_login(regulator("510000"))

    response = client.get(reverse("monitoring:alert-detail", args=[alert.pk]), HTTP_ACCEPT_LANGUAGE="en")

    content = response.content.decode()
    assert "Lot 1 received a single bid: 示例数据标注有限公司 at ¥400,000.00." in content
    assert 'data-testid="alert-bids"' in content
    assert 'data-testid="alert-decision"' in content


def test_a_regulator_dismisses_an_alert_from_its_page_with_a_note(client, alert):
    sichuan = regulator("510000")
    client.force_login(sichuan)
    url = reverse("monitoring:alert-detail", args=[alert.pk])

    response = client.post(url, {"action": "dismiss", "note": "经核实为正常询价"})

    assert response.status_code == 302
    fresh = Alert.objects.get(pk=alert.pk)
    assert (fresh.state, fresh.note, fresh.decided_by) == (AlertState.DISMISSED, "经核实为正常询价", sichuan)
    assert AuditEntry.objects.filter(action="monitoring_alert.dismiss", object_id=str(alert.pk)).count() == 1
    assert b'data-testid="alert-decision"' not in client.get(url).content


def test_dismissing_from_the_page_without_a_note_shows_the_error_and_changes_nothing(client, alert):
    client.force_login(regulator("510000"))

    response = client.post(
        reverse("monitoring:alert-detail", args=[alert.pk]),
        {"action": "dismiss", "note": ""},
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 400
    assert "Say why the alert is dismissed." in response.content.decode()
    assert Alert.objects.get(pk=alert.pk).state == AlertState.OPEN


def test_a_regulator_of_another_province_cannot_post_a_decision(client, alert, regulator_other_region):
    client.force_login(regulator_other_region)

    response = client.post(reverse("monitoring:alert-detail", args=[alert.pk]), {"action": "acknowledge"})

    assert response.status_code == 404
    assert Alert.objects.get(pk=alert.pk).state == AlertState.OPEN
    assert not AuditEntry.objects.filter(object_type="monitoring.alert").exists()


@pytest.mark.parametrize("role", ["anonymous", "owner", "regulator_other_region", "operator"])
def test_the_monitoring_page_links_the_alerts_for_those_who_read_them(client, role, user_of):
    response = signed_in(client, user_of(role)).get(reverse("monitoring:index"))

    assert response.status_code == 200
    assert (b'data-testid="alert-list-link"' in response.content) == (role in READERS)
