import json

import pytest

from portal.audit.models import AuditEntry
from registry import services
from registry.models import Organisation
from registry.roles import OrganisationKind
from tests.factories import OrganisationFactory, UserFactory, valid_credit_code

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "other_vendor", "owner", "agency", "regulator_other_region", "operator"]


@pytest.fixture
def as_role(api_client, request, vendor_user):
    """Authenticate the API client as one of ROLES; `owner` is a member of `vendor_org`."""

    def sign_in(role):
        users = {
            "anonymous": None,
            "owner": vendor_user,
            "other_vendor": lambda: request.getfixturevalue("other_vendor_user"),
            "agency": lambda: request.getfixturevalue("agency_user"),
            "regulator_other_region": lambda: request.getfixturevalue("regulator_other_region"),
            "operator": lambda: request.getfixturevalue("operator"),
        }
        user = users[role]
        user = user() if callable(user) else user
        if user is not None:
            api_client.force_authenticate(user)
        return api_client

    return sign_in


@pytest.fixture
def unverified_own_org(vendor_user):
    """An organisation registered by `vendor_user`, still awaiting verification."""
    return services.organisation_create(
        actor=vendor_user,
        name="待核验标注公司",
        kind=OrganisationKind.VENDOR,
        credit_code_value=valid_credit_code(500),
        region_code="510100",
    )


@pytest.mark.parametrize("role", ROLES)
def test_an_unverified_organisation_is_404_to_all_but_its_members_and_operators(as_role, role, unverified_own_org):
    client = as_role(role)
    detail = client.get(f"/api/v1/organisations/{unverified_own_org.pk}/")
    by_default = {row["id"] for row in client.get("/api/v1/organisations/").json()["results"]}
    asked = client.get("/api/v1/organisations/", {"include_unverified": "true"}).json()["results"]
    including = {row["id"] for row in asked}

    assert unverified_own_org.pk not in by_default  # the list shows verified organisations unless asked
    if role in {"owner", "operator"}:
        assert detail.status_code == 200
        assert unverified_own_org.pk in including
    else:
        assert detail.status_code == 404
        assert detail.json() == {"code": "not_found", "message": detail.json()["message"], "fields": {}}
        assert unverified_own_org.pk not in including


@pytest.mark.parametrize("role", ROLES)
def test_a_verified_organisation_is_public(as_role, role, vendor_org):
    response = as_role(role).get(f"/api/v1/organisations/{vendor_org.pk}/")
    assert response.status_code == 200
    assert response.json()["credit_code"] == vendor_org.credit_code


@pytest.mark.parametrize("role", ROLES)
def test_only_operators_verify_through_the_api(as_role, role, unverified_own_org):
    response = as_role(role).post(f"/api/v1/organisations/{unverified_own_org.pk}/verify/")
    expected = {"anonymous": 401, "owner": 403, "operator": 200}.get(role, 404)
    assert response.status_code == expected
    unverified_own_org.refresh_from_db()
    assert unverified_own_org.verified is (role == "operator")
    verifications = AuditEntry.objects.filter(action="organisation.verify", object_id=str(unverified_own_org.pk))
    assert verifications.count() == (1 if role == "operator" else 0)


def test_registering_through_the_api(api_client):
    user = UserFactory()
    api_client.force_authenticate(user)
    body = {
        "name": "合肥示例标注有限公司",
        "kind": "vendor",
        "credit_code": valid_credit_code(77, region_code="340100"),
        "region": "340100",
    }

    response = api_client.post("/api/v1/organisations/", body, format="json")

    assert response.status_code == 201, response.json()
    organisation = Organisation.objects.get(pk=response.json()["id"])
    assert (organisation.name, organisation.region_id, organisation.verified) == (body["name"], "340100", False)
    assert organisation.memberships.get().user == user


def test_anonymous_cannot_register(api_client):
    response = api_client.post("/api/v1/organisations/", {"name": "x"}, format="json")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert not Organisation.objects.exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"credit_code": "91510100MA00000770"}, "credit_code"),
        ({"credit_code": "ABC"}, "credit_code"),
        ({"region": "123456"}, "region"),
        ({"kind": "bank"}, "kind"),
        ({"name": ""}, "name"),
    ],
)
def test_bad_fields_answer_400_naming_the_field_and_write_nothing(api_client, change, field):
    api_client.force_authenticate(UserFactory())
    body = {"name": "示例", "kind": "vendor", "credit_code": valid_credit_code(78), "region": "510100"} | change

    response = api_client.post("/api/v1/organisations/", body, format="json")

    assert response.status_code == 400
    payload = response.json()
    assert payload["code"] == "invalid"
    assert field in payload["fields"]
    assert set(payload) == {"code", "message", "fields"}
    assert not Organisation.objects.exists()
    assert not AuditEntry.objects.exists()


def test_a_duplicate_organisation_answers_400_on_the_credit_code(api_client, vendor_org):
    api_client.force_authenticate(UserFactory())
    body = {"name": "冒名公司", "kind": "vendor", "credit_code": vendor_org.credit_code, "region": "510100"}
    response = api_client.post("/api/v1/organisations/", body, format="json")
    assert response.status_code == 400
    assert "credit_code" in response.json()["fields"]
    assert Organisation.objects.filter(credit_code=vendor_org.credit_code).count() == 1


def test_malformed_json_answers_400_and_writes_nothing(api_client):
    api_client.force_authenticate(UserFactory())
    response = api_client.post("/api/v1/organisations/", data='{"name": ', content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"
    assert not Organisation.objects.exists()


def test_a_too_large_body_answers_400_and_writes_nothing(api_client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    api_client.force_authenticate(UserFactory())
    body = {"name": "x" * 2000, "kind": "vendor", "credit_code": valid_credit_code(79), "region": "510100"}
    response = api_client.post("/api/v1/organisations/", data=json.dumps(body), content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "request_too_large"
    assert not Organisation.objects.exists()


def test_filters_by_kind_region_subtree_and_text(api_client):
    chengdu = OrganisationFactory(name="成都甲", region_code="510107", verified=True)
    OrganisationFactory(name="深圳乙", region_code="440305", verified=True)
    agency = OrganisationFactory(name="成都机关", kind=OrganisationKind.AGENCY, region_code="510100", verified=True)

    def ids(**params):
        return {row["id"] for row in api_client.get("/api/v1/organisations/", params).json()["results"]}

    assert ids(region="510000") == {chengdu.pk, agency.pk}
    assert ids(region="510000", kind="vendor") == {chengdu.pk}
    assert ids(q="深圳") == {Organisation.objects.get(name="深圳乙").pk}
    assert ids(q=chengdu.credit_code.lower()) == {chengdu.pk}
    unknown = api_client.get("/api/v1/organisations/", {"region": "999999"})
    assert unknown.status_code == 400
    assert "region" in unknown.json()["fields"]


def test_the_list_is_paginated_with_a_bounded_number_of_queries(api_client, django_assert_max_num_queries):
    for _ in range(25):
        OrganisationFactory(verified=True)
    api_client.force_authenticate(UserFactory())
    with django_assert_max_num_queries(6):
        response = api_client.get("/api/v1/organisations/", {"page_size": 10})
    payload = response.json()
    assert payload["count"] == 25
    assert len(payload["results"]) == 10
    assert payload["next"] is not None


def test_idempotent_registration_replays_and_conflicts(api_client):
    api_client.force_authenticate(UserFactory())
    body = {"name": "幂等公司", "kind": "vendor", "credit_code": valid_credit_code(80), "region": "510100"}
    headers = {"HTTP_IDEMPOTENCY_KEY": "register-80"}

    first = api_client.post("/api/v1/organisations/", body, format="json", **headers)
    second = api_client.post("/api/v1/organisations/", body, format="json", **headers)
    changed = api_client.post("/api/v1/organisations/", body | {"name": "别的名字"}, format="json", **headers)

    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true"
    assert changed.status_code == 409
    assert changed.json()["code"] == "conflict"
    assert Organisation.objects.count() == 1
    assert AuditEntry.objects.filter(action="organisation.create").count() == 1
