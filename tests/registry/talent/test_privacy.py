"""No page, API response, audit row or log line of the talent pool shows a full resident identity
number: every request below, successful or refused, is searched for the raw numbers used."""

from __future__ import annotations

import datetime
import logging

import pytest

from portal.audit.models import AuditEntry
from registry.talent import services
from registry.talent.models import Person
from tests.factories.talent import valid_resident_id
from tests.registry.talent.conftest import HOLDER_ID, ROLES

pytestmark = pytest.mark.django_db

APPLICANT_ID = valid_resident_id(71, region_code="510100", born="19800101")
STRANGER_ID = valid_resident_id(72, region_code="110105", born="19810101")


def _forms(raw):
    """The number as typed, lower-cased, and without its check character."""
    return {raw, raw.lower(), raw[:17]}


@pytest.fixture
def world(certificate, operator, issuer_org):
    """A certificate, an expert applicant, and their pages."""
    from tests.factories import UserFactory

    applicant = UserFactory(username="applicant")
    expert = services.expert_apply(
        user=applicant, name="申请人", id_number=APPLICANT_ID, region_code="510100", modalities=["image"], sectors=[]
    )
    return {"certificate": certificate, "expert": expert, "applicant": applicant}


def _requests(client, world, issuer_org, api):
    certificate, expert, person = world["certificate"], world["expert"], world["certificate"].person
    if api:
        yield client.get("/api/v1/people/")
        yield client.get(f"/api/v1/people/{person.pk}/")
        yield client.get("/api/v1/people/me/")
        yield client.post("/api/v1/people/", {"name": "X", "id_number": HOLDER_ID, "region": "510100"}, format="json")
        yield client.post(
            "/api/v1/people/", {"name": "X", "id_number": HOLDER_ID[:-1] + "Y", "region": "510100"}, format="json"
        )
        yield client.post("/api/v1/people/link/", {"name": "王小明", "id_number": HOLDER_ID}, format="json")
        yield client.post("/api/v1/people/link/", {"name": "无名", "id_number": STRANGER_ID}, format="json")
        yield client.get("/api/v1/certificates/")
        yield client.get(f"/api/v1/certificates/{certificate.pk}/")
        yield client.get("/api/v1/certificates/verify/", {"number": certificate.number})
        yield client.post(
            "/api/v1/certificates/",
            {
                "issuer": issuer_org.pk,
                "holder_name": "错名",
                "id_number": HOLDER_ID,
                "occupation": "ai_trainer",
                "level": 4,
                "number": "P-1",
                "issued_on": "2024-01-01",
            },
            format="json",
        )
        yield client.get("/api/v1/experts/")
        yield client.get(f"/api/v1/experts/{expert.pk}/")
        yield client.post(
            "/api/v1/experts/",
            {"name": "申请人", "id_number": APPLICANT_ID, "region": "510100", "modalities": ["text"]},
            format="json",
        )
    else:
        yield client.get("/registry/talent/")
        yield client.get(f"/registry/talent/people/{person.pk}/")
        yield client.get("/registry/talent/me/")
        yield client.post("/registry/talent/me/", {"name": "王小明", "id_number": HOLDER_ID})
        yield client.post("/registry/talent/me/", {"name": "无名", "id_number": STRANGER_ID})
        yield client.get("/registry/talent/certificates/")
        yield client.get(f"/registry/talent/certificates/{certificate.pk}/")
        yield client.get("/registry/talent/verify/", {"number": certificate.number})
        yield client.post(
            "/registry/talent/certificates/issue/",
            {"issuer": issuer_org.pk, "holder_name": "错名", "id_number": HOLDER_ID, "occupation": "ai_trainer"},
        )
        yield client.get("/registry/talent/experts/")
        yield client.get(f"/registry/talent/experts/{expert.pk}/")
        yield client.post(
            "/registry/talent/experts/apply/",
            {"name": "申请人", "id_number": APPLICANT_ID, "region": "510100", "modalities": ["text"]},
        )


@pytest.mark.parametrize("api", [True, False], ids=["api", "pages"])
@pytest.mark.parametrize("role", [*ROLES, "applicant"])
def test_no_response_or_log_line_shows_a_full_identity_number(
    request, api_client, client, user_for, role, api, world, issuer_org, caplog
):
    user = world["applicant"] if role == "applicant" else user_for(role)
    http = api_client if api else client
    if user is not None:
        if api:
            api_client.force_authenticate(user)
        else:
            client.force_login(user)
    caplog.set_level(logging.DEBUG)

    bodies = [response.content.decode() for response in _requests(http, world, issuer_org, api)]

    secrets = set().union(*(_forms(raw) for raw in (HOLDER_ID, APPLICANT_ID, STRANGER_ID)))
    for body in bodies:
        for secret in secrets:
            assert secret not in body
    for record in caplog.records:
        for secret in secrets:
            assert secret not in record.getMessage()


def test_the_database_and_the_audit_log_hold_no_full_identity_number(world):
    rows = list(Person.objects.values_list("id_hash", "id_masked"))
    audit = [str(entry) for entry in AuditEntry.objects.values_list("before", "after")]
    for raw in (HOLDER_ID, APPLICANT_ID):
        for forms in _forms(raw):
            assert not any(forms in value for row in rows for value in row)
            assert not any(forms in text for text in audit)
    assert len(rows) == 2
    assert all(masked.count("*") == 11 for _hash, masked in rows)


def test_a_refused_issue_form_never_echoes_the_number(client, issuer_staff, issuer_org):
    client.force_login(issuer_staff)
    response = client.post(
        "/registry/talent/certificates/issue/",
        {
            "issuer": issuer_org.pk,
            "holder_name": "李四",
            "id_number": HOLDER_ID,
            "occupation": "ai_trainer",
            "level": "4",
            "number": "",
            "issued_on": datetime.date(2024, 1, 1).isoformat(),
        },
    )
    assert response.status_code == 400
    for secret in _forms(HOLDER_ID):
        assert secret not in response.content.decode()


@pytest.mark.parametrize(
    "path",
    [
        "/admin/talent/person/",
        "/admin/talent/person/{person}/change/",
        "/admin/talent/certificate/",
        "/admin/talent/expert/",
    ],
)
def test_the_operations_pages_show_masked_numbers_only(client, world, path):
    from tests.factories import UserFactory

    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    response = client.get(path.format(person=world["certificate"].person.pk))
    assert response.status_code == 200
    body = response.content.decode()
    for raw in (HOLDER_ID, APPLICANT_ID):
        for secret in _forms(raw):
            assert secret not in body
    if "person" in path:
        assert world["certificate"].person.id_masked in body
