"""`/api/v1/monitoring/reports/`: the scoped list, detail, submission with Idempotency-Key, bad
input, and the schema."""

from __future__ import annotations

import pytest

from monitoring.models import StatisticalReport
from monitoring.reports import services
from portal.audit.models import AuditEntry
from registry.taxonomy import Modality
from tests.factories.monitoring_reports import QUARTER, YEAR, figures, submit
from tests.factories.registry import ROLES, user_for_role

pytestmark = pytest.mark.django_db

URL = "/api/v1/monitoring/reports/"
ALL_ROLES = (*ROLES, "regulator_in_scope")


def _client_for(api_client, request, role):
    user = (
        request.getfixturevalue("regulator_in_scope") if role == "regulator_in_scope" else user_for_role(request, role)
    )
    if user is not None:
        api_client.force_authenticate(user)
    return api_client


@pytest.fixture
def reports(owner_org, vendor_user):
    """The owner's submitted 2025 Q2 report and its 2025 Q3 draft."""
    submitted = submit(vendor_user, owner_org, revenue_fen=1_234_567_890)
    draft = services.statistical_report_save_draft(
        actor=vendor_user, organisation=owner_org, year=2025, quarter=3, **figures()
    )
    return submitted, draft


@pytest.mark.parametrize("role", ALL_ROLES)
def test_who_sees_which_reports(api_client, request, reports, role):
    submitted, draft = reports
    client = _client_for(api_client, request, role)
    response = client.get(URL)
    if role == "anonymous":
        assert response.status_code in (401, 403)
        return
    assert response.status_code == 200
    ids = [row["id"] for row in response.json()["results"]]
    expected = {
        "owner": [draft.pk, submitted.pk],  # newest quarter first, the draft too
        "regulator_in_scope": [submitted.pk],
        "operator": [submitted.pk],
    }.get(role, [])
    assert ids == expected
    for pk in (submitted.pk, draft.pk):
        detail = client.get(f"{URL}{pk}/")
        assert detail.status_code == (200 if pk in expected else 404)


def test_the_detail_carries_the_figures_volumes_flags_and_lateness(api_client, reports, regulator_in_scope):
    submitted, _draft = reports
    api_client.force_authenticate(regulator_in_scope)
    body = api_client.get(f"{URL}{submitted.pk}/").json()
    assert body["revenue_fen"] == 1_234_567_890
    assert body["volumes"] == dict.fromkeys(Modality.values, 1000)
    assert body["due_on"] == "2025-07-15"
    assert body["late"] is True
    assert body["state"] == "submitted"
    assert body["flags"] == []


def test_the_list_filters(api_client, reports, vendor_user):
    submitted, draft = reports
    api_client.force_authenticate(vendor_user)
    assert [r["id"] for r in api_client.get(URL, {"quarter": 3}).json()["results"]] == [draft.pk]
    assert [r["id"] for r in api_client.get(URL, {"state": "submitted"}).json()["results"]] == [submitted.pk]
    assert api_client.get(URL, {"flagged": "true"}).json()["results"] == []
    assert api_client.get(URL, {"quarter": 9}).status_code == 400


def test_the_list_reads_a_fixed_number_of_queries(api_client, owner_org, vendor_user, django_assert_max_num_queries):
    for year, quarter in [(2024, 3), (2024, 4), (2025, 1), (2025, 2)]:
        submit(vendor_user, owner_org, year=year, quarter=quarter)
    api_client.force_authenticate(vendor_user)
    with django_assert_max_num_queries(10):
        assert len(api_client.get(URL).json()["results"]) == 4


def _payload(organisation, **overrides):
    return {"organisation": organisation.pk, "year": YEAR, "quarter": QUARTER, **figures(), **overrides}


def test_staff_submit_a_report_and_a_retry_with_the_same_key_changes_nothing(api_client, owner_org, vendor_user):
    api_client.force_authenticate(vendor_user)
    payload = _payload(owner_org)
    first = api_client.post(URL, payload, format="json", HTTP_IDEMPOTENCY_KEY="q2-report")
    assert first.status_code == 201
    report = StatisticalReport.objects.get()
    assert first.json()["id"] == report.pk
    assert report.version == 1
    assert report.submitted_by == vendor_user

    again = api_client.post(URL, payload, format="json", HTTP_IDEMPOTENCY_KEY="q2-report")
    assert again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    report.refresh_from_db()
    assert report.version == 1
    assert AuditEntry.objects.filter(object_type="monitoring.statisticalreport").count() == 1

    other = api_client.post(URL, _payload(owner_org, headcount=51), format="json", HTTP_IDEMPOTENCY_KEY="q2-report")
    assert other.status_code == 409


def test_without_a_key_a_second_post_amends(api_client, owner_org, vendor_user):
    api_client.force_authenticate(vendor_user)
    api_client.post(URL, _payload(owner_org), format="json")
    response = api_client.post(URL, _payload(owner_org, headcount=60), format="json")
    assert response.status_code == 201
    assert response.json()["version"] == 2
    assert StatisticalReport.objects.get().headcount == 60


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"revenue_fen": -1}, "revenue_fen"),
        ({"revenue_fen": "100"}, "revenue_fen"),
        ({"public_data_share_bp": 10_001}, "public_data_share_bp"),
        ({"total_items": 1}, "total_items"),
        ({"quarter": 4, "year": 2100}, "quarter"),
        ({"volumes": {"text": 1}}, "volumes.image"),
        ({"headcount": None}, "headcount"),
    ],
)
def test_bad_input_answers_400_naming_the_field_and_writes_nothing(
    api_client, owner_org, vendor_user, overrides, field
):
    api_client.force_authenticate(vendor_user)
    response = api_client.post(URL, _payload(owner_org, **overrides), format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert any(name == field or name.startswith(f"{field}.") for name in body["fields"]), body
    assert not StatisticalReport.objects.exists()


@pytest.mark.parametrize("role", ["other_vendor", "agency", "regulator_other_region", "regulator_in_scope", "operator"])
def test_nobody_else_submits_for_the_organisation(api_client, request, owner_org, role):
    client = _client_for(api_client, request, role)
    response = client.post(URL, _payload(owner_org), format="json")
    assert response.status_code == 400
    assert "organisation" in response.json()["fields"]
    assert not StatisticalReport.objects.exists()


def test_anonymous_cannot_submit(api_client, owner_org):
    assert api_client.post(URL, _payload(owner_org), format="json").status_code in (401, 403)
    assert not StatisticalReport.objects.exists()


def test_a_flagged_submission_returns_its_flags(api_client, owner_org, vendor_user):
    submit(vendor_user, owner_org, year=2025, quarter=1)
    api_client.force_authenticate(vendor_user)
    body = api_client.post(URL, _payload(owner_org, headcount=500), format="json").json()
    assert [flag["kind"] for flag in body["flags"]] == ["headcount_jump"]
    assert body["flags"][0]["evidence"]["previous"] == 50


def test_the_schema_documents_the_endpoints_and_the_idempotency_header(api_client):
    schema = api_client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    paths = schema["paths"]
    assert set(paths[URL]) >= {"get", "post"}
    assert "get" in paths[URL + "{id}/"]
    parameters = {(p["in"], p["name"]) for p in paths[URL]["post"].get("parameters", [])}
    assert ("header", "Idempotency-Key") in parameters
