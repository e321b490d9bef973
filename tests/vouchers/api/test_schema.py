"""The OpenAPI schema documents every voucher endpoint, the Idempotency-Key header on the POSTs
that create, and money as integers."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture
def schema(api_client):
    response = api_client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return response.json()


def _parameters(operation) -> set[tuple[str, str]]:
    return {(parameter["in"], parameter["name"]) for parameter in operation.get("parameters", [])}


def test_the_schema_lists_every_voucher_endpoint(schema):
    paths = schema["paths"]
    expected = {
        "/api/v1/voucher-programmes/": {"get"},
        "/api/v1/voucher-programmes/{id}/": {"get"},
        "/api/v1/vouchers/": {"get"},
        "/api/v1/vouchers/{id}/": {"get"},
        "/api/v1/vouchers/{code}/redemptions/": {"post"},
        "/api/v1/voucher-redemptions/": {"get"},
        "/api/v1/voucher-redemptions/{id}/": {"get"},
        "/api/v1/voucher-redemptions/{id}/confirm/": {"post"},
        "/api/v1/voucher-redemptions/{id}/decline/": {"post"},
        "/api/v1/voucher-applications/": {"get", "post"},
        "/api/v1/voucher-applications/{id}/": {"get"},
        "/api/v1/voucher-claims/": {"get", "post"},
        "/api/v1/voucher-claims/{id}/": {"get"},
        "/api/v1/voucher-orders/": {"post"},
    }
    for path, methods in expected.items():
        assert set(paths[path]) - {"parameters"} == methods, path


def test_the_redemption_endpoint_documents_its_key_code_and_answers(schema):
    operation = schema["paths"]["/api/v1/vouchers/{code}/redemptions/"]["post"]

    assert _parameters(operation) >= {("header", "Idempotency-Key"), ("path", "code")}
    assert set(operation["responses"]) >= {"200", "201", "400", "404", "409"}
    body = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    properties = schema["components"]["schemas"][body]["properties"]
    assert {name: properties[name]["type"] for name in ("contract", "order", "amount_fen")} == dict.fromkeys(
        ("contract", "order", "amount_fen"), "integer"
    )


@pytest.mark.parametrize(
    "path", ["/api/v1/voucher-applications/", "/api/v1/voucher-claims/", "/api/v1/voucher-orders/"]
)
def test_the_posts_that_create_accept_an_idempotency_key(schema, path):
    assert ("header", "Idempotency-Key") in _parameters(schema["paths"][path]["post"])


def test_money_is_integer_fen_in_every_voucher_component(schema):
    components = schema["components"]["schemas"]
    names = ("VoucherProgramme", "Voucher", "VoucherRedemption", "VoucherApplication", "VoucherClaim", "VoucherOrder")
    for name in names:
        for field, spec in components[name]["properties"].items():
            if field.endswith("_fen") or field.endswith("_bp"):
                assert spec["type"] == "integer", f"{name}.{field}"
