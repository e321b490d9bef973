"""Permission matrices of the talent endpoints not covered next to their behaviour: every page's
GET, "my record" and linking in the API, and applying to the expert pool."""

from __future__ import annotations

import pytest

from registry.talent.models import Expert
from tests.factories.talent import valid_resident_id
from tests.registry.talent.conftest import HOLDER_ID, ROLES

pytestmark = pytest.mark.django_db

SIGNED_IN = {role: 200 for role in ROLES if role != "anonymous"}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/registry/talent/verify/", dict.fromkeys(ROLES, 200)),
        ("/registry/talent/", {"anonymous": 302, **SIGNED_IN}),
        ("/registry/talent/me/", {"anonymous": 302, **SIGNED_IN}),
        ("/registry/talent/certificates/", {"anonymous": 302, **SIGNED_IN}),
        ("/registry/talent/experts/", {"anonymous": 302, **SIGNED_IN}),
        ("/registry/talent/experts/apply/", {"anonymous": 302, **SIGNED_IN}),
        # Staff of a verified issuer (a third-party institution, or an agency: the agency user's
        # own agency) and operators record certificates.
        (
            "/registry/talent/certificates/issue/",
            {
                "anonymous": 302,
                "owner": 200,
                "agency": 200,
                "operator": 200,
                **{r: 403 for r in ROLES if r not in {"anonymous", "owner", "agency", "operator"}},
            },
        ),
    ],
)
def test_page_matrix(page_as, role, path, expected, certificate):
    response = page_as(role).get(path)
    assert response.status_code == expected[role]
    if response.status_code == 302:
        assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("role", ROLES)
def test_my_record_api_matrix(as_role, role, certificate):
    response = as_role(role).get("/api/v1/people/me/")
    assert response.status_code == {"anonymous": 401, "holder": 200}.get(role, 404)
    if role == "holder":
        assert response.json()["id"] == certificate.person_id


@pytest.mark.parametrize("role", ROLES)
def test_linking_api_matrix(as_role, role, certificate):
    response = as_role(role).post("/api/v1/people/link/", {"name": "王小明", "id_number": HOLDER_ID}, format="json")
    # The record is the holder's already: linking it again is a no-op for them, refused for others.
    assert response.status_code == {"anonymous": 401, "holder": 200}.get(role, 400)
    certificate.person.refresh_from_db()
    assert certificate.person.user.username == "holder"


@pytest.mark.parametrize("role", ROLES)
def test_applying_api_matrix(as_role, role, user_for, certificate):
    number = HOLDER_ID if role == "holder" else valid_resident_id(90 + ROLES.index(role))
    name = "王小明" if role == "holder" else f"申请人{role}"
    response = as_role(role).post(
        "/api/v1/experts/",
        {"name": name, "id_number": number, "region": "510100", "sectors": ["science"]},
        format="json",
    )
    assert response.status_code == (401 if role == "anonymous" else 201)
    assert Expert.objects.count() == (0 if role == "anonymous" else 1)
    if role != "anonymous":
        assert Expert.objects.get().person.user == user_for(role)
