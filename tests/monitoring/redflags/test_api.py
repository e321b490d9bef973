"""GET /api/v1/monitoring/alerts/ and its acknowledge / dismiss actions: the permission matrix,
filters, the error shape of bad input, and the schema."""

from __future__ import annotations

import pytest
from django.urls import reverse

from monitoring.redflags.models import Alert, AlertState, RedFlag
from portal.audit.models import AuditEntry
from tests.factories.monitoring_redflags import AlertFactory, regulator
from tests.monitoring.redflags.conftest import READERS, ROLES, SEES_THE_ALERT

pytestmark = pytest.mark.django_db

LIST = "/api/v1/monitoring/alerts/"


def as_user(api_client, user):
    if user is not None:
        api_client.force_authenticate(user)
    return api_client


@pytest.mark.parametrize("role", ROLES)
def test_the_list_shows_each_role_the_alerts_of_its_scope(api_client, role, alert, user_of):
    response = as_user(api_client, user_of(role)).get(LIST)

    if role == "anonymous":
        assert response.status_code == 401
    elif role not in READERS:
        assert response.status_code == 403
        assert response.json()["code"] == "permission_denied"
    else:
        assert response.status_code == 200
        ids = [row["id"] for row in response.json()["results"]]
        assert ids == ([alert.pk] if role in SEES_THE_ALERT else [])


@pytest.mark.parametrize("role", ROLES)
def test_an_alert_answers_404_outside_the_users_scope(api_client, role, alert, user_of):
    response = as_user(api_client, user_of(role)).get(f"{LIST}{alert.pk}/")

    expected = {"anonymous": 401}.get(role) or (200 if role in SEES_THE_ALERT else 403 if role not in READERS else 404)
    assert response.status_code == expected
    if expected == 200:
        body = response.json()
        assert (body["flag"], body["state"], body["tender"], body["region"]) == (
            "single_bid",
            "open",
            alert.tender_id,
            "510000",
        )
        assert body["tender_url"] == reverse("marketplace:tender-detail", args=[alert.tender_id])
        assert body["evidence"]["lots"][0]["bids"][0]["price_fen"] == 40_000_000


@pytest.mark.parametrize("role", ROLES)
def test_only_regulators_in_scope_and_operators_decide(api_client, role, alert, user_of):
    user = user_of(role)

    response = as_user(api_client, user).post(f"{LIST}{alert.pk}/acknowledge/", {"note": "跟进"}, format="json")

    decided = role in SEES_THE_ALERT
    expected = 200 if decided else 401 if role == "anonymous" else 404 if role in READERS else 403
    assert response.status_code == expected
    fresh = Alert.objects.get(pk=alert.pk)
    assert fresh.state == (AlertState.ACKNOWLEDGED if decided else AlertState.OPEN)
    assert AuditEntry.objects.filter(action="monitoring_alert.acknowledge").count() == (1 if decided else 0)
    if decided:
        assert response.json()["state"] == "acknowledged"
        assert response.json()["decided_by"] == user.username


def test_dismissing_needs_a_note_and_answers_the_error_shape(api_client, alert):
    as_user(api_client, regulator("510000"))

    response = api_client.post(f"{LIST}{alert.pk}/dismiss/", {}, format="json", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400
    assert response.json()["fields"] == {"note": ["Say why the alert is dismissed."]}
    assert Alert.objects.get(pk=alert.pk).state == AlertState.OPEN


def test_deciding_a_decided_alert_is_a_conflict(api_client, alert):
    as_user(api_client, regulator("510000"))
    api_client.post(f"{LIST}{alert.pk}/dismiss/", {"note": "已核实"}, format="json")

    response = api_client.post(f"{LIST}{alert.pk}/acknowledge/", {"note": ""}, format="json")

    assert response.status_code == 409
    assert response.json()["code"] == "conflict"
    assert Alert.objects.get(pk=alert.pk).state == AlertState.DISMISSED


def test_malformed_json_is_refused(api_client, alert):
    as_user(api_client, regulator("510000"))

    response = api_client.post(f"{LIST}{alert.pk}/dismiss/", data=b"{not json", content_type="application/json")

    assert response.status_code == 400
    assert Alert.objects.get(pk=alert.pk).state == AlertState.OPEN


def test_the_list_filters_and_refuses_unknown_values(api_client):
    single = AlertFactory()
    short = AlertFactory(flag=RedFlag.SHORT_SUBMISSION_PERIOD, evidence={"period_hours": 1, "threshold_days": 22})
    as_user(api_client, regulator(""))

    def ids(query: str) -> set[int]:
        return {row["id"] for row in api_client.get(LIST + query).json()["results"]}

    assert ids("?flag=single_bid") == {single.pk}
    assert ids("?flag=short_submission_period&state=open") == {short.pk}
    assert ids("?region=440000") == set()
    assert api_client.get(LIST + "?flag=nonsense").status_code == 400
    assert api_client.get(LIST + "?region=999999").status_code == 400


def test_the_list_costs_a_fixed_number_of_queries(api_client, django_assert_max_num_queries):
    for _ in range(3):
        AlertFactory()
    as_user(api_client, regulator("510000"))

    with django_assert_max_num_queries(4):
        response = api_client.get(LIST)

    assert len(response.json()["results"]) == 3


def test_the_schema_describes_the_alerts(api_client):
    schema = api_client.get("/api/schema/", HTTP_ACCEPT="application/json").json()

    assert {"/api/v1/monitoring/alerts/", "/api/v1/monitoring/alerts/{id}/"} <= set(schema["paths"])
    assert "post" in schema["paths"]["/api/v1/monitoring/alerts/{id}/dismiss/"]
    assert "RedFlagEnum" in schema["components"]["schemas"]
