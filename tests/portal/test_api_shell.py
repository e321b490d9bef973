import re

import pytest
from django.core.management import call_command
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from portal.accounts.services import api_token_regenerate
from portal.audit.models import AuditEntry
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
ERROR_KEYS = {"code", "message", "fields"}


def test_the_api_root_lists_the_resources(api_client):
    response = api_client.get("/api/v1/")
    assert response.status_code == 200
    assert {"organisations", "regions", "memberships"} <= set(response.json())


def test_the_openapi_schema_describes_the_api(api_client):
    response = api_client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/organisations/" in schema["paths"]
    assert "/api/v1/organisations/{id}/verify/" in schema["paths"]
    create = schema["paths"]["/api/v1/organisations/"]["post"]
    assert "Idempotency-Key" in {p["name"] for p in create["parameters"] if p["in"] == "header"}


def test_the_schema_generates_without_warnings(tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))
    assert (tmp_path / "schema.yaml").stat().st_size > 0


def test_the_docs_page_loads_only_local_assets(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)
    script = re.search(r'<script src="([^"]+\?script=)"', html)
    assert script is not None
    assert client.get(script.group(1)).status_code == 200


@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [
        ("get", "/api/v1/does-not-exist/", 404, "not_found"),
        ("get", "/api/v1/organisations/999999/", 404, "not_found"),
        ("delete", "/api/v1/regions/510000/", 405, "method_not_allowed"),
        ("post", "/api/v1/organisations/", 401, "not_authenticated"),
        ("get", "/api/v1/me/", 401, "not_authenticated"),
    ],
)
def test_every_4xx_answers_the_one_error_shape(api_client, method, path, status, code):
    response = getattr(api_client, method)(path)
    assert response.status_code == status
    body = response.json()
    assert set(body) == ERROR_KEYS
    assert body["code"] == code
    assert body["message"]


def test_session_authenticated_posts_need_the_csrf_token():
    client = APIClient(enforce_csrf_checks=True)
    user = UserFactory()
    client.force_login(user)
    response = client.post("/api/v1/organisations/", {}, format="json")
    assert response.status_code == 403
    assert set(response.json()) == ERROR_KEYS


def test_token_authentication_and_token_replacement():
    user = UserFactory()
    old = api_token_regenerate(user=user)
    new = api_token_regenerate(user=user)
    client = APIClient()

    client.credentials(HTTP_AUTHORIZATION=f"Token {old.key}")
    assert client.get("/api/v1/me/").status_code == 401
    client.credentials(HTTP_AUTHORIZATION=f"Token {new.key}")
    response = client.get("/api/v1/me/")
    assert response.status_code == 200
    assert response.json()["username"] == user.username
    assert Token.objects.filter(user=user).count() == 1
    assert AuditEntry.objects.filter(action="api_token.regenerate", actor=user).count() == 2


def test_a_token_is_obtained_with_username_and_password(api_client):
    UserFactory(username="tokenuser")
    good = api_client.post("/api/v1/auth/token/", {"username": "tokenuser", "password": "correct horse battery staple"})
    bad = api_client.post("/api/v1/auth/token/", {"username": "tokenuser", "password": "wrong"})
    assert good.status_code == 200
    assert good.json()["token"] == Token.objects.get(user__username="tokenuser").key
    assert bad.status_code == 400
    assert set(bad.json()) == ERROR_KEYS


def test_lists_are_paginated_with_a_cap(api_client):
    response = api_client.get("/api/v1/regions/", {"page_size": 1000})
    body = response.json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] >= 34
    assert len(body["results"]) == 100 if body["count"] >= 100 else body["count"]
    assert len(api_client.get("/api/v1/regions/").json()["results"]) == 20


def test_api_errors_speak_the_language_the_client_asks_for(api_client):
    english = api_client.get("/api/v1/organisations/999999/", HTTP_ACCEPT_LANGUAGE="en")
    chinese = api_client.get("/api/v1/organisations/999999/")
    assert english.json()["message"] == "Not found."
    assert chinese.json()["message"] != "Not found."
    assert chinese["Content-Language"] == "zh-hans"
