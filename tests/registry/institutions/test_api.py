import pytest

from portal.audit.models import AuditEntry
from registry.institutions import services
from registry.institutions.models import InstitutionService, NeedStatus, ServiceNeed, ServiceResponse
from tests.factories.institutions import ServiceNeedFactory, ServiceResponseFactory
from tests.registry.institutions.conftest import ROLES

pytestmark = pytest.mark.django_db

SEES_NEED = {"owner", "institution", "operator"}
ACTS_FOR_NEED = {"owner", "operator"}


def _as(api_client, user):
    if user is not None:
        api_client.force_authenticate(user)
    return api_client


@pytest.mark.parametrize("role", ROLES)
def test_offers_are_public_to_read(api_client, user_for, role, institution):
    offer = institution.institution_services.get()
    client = _as(api_client, user_for(role))
    listing = client.get("/api/v1/institution-services/", {"category": "compliance"})
    detail = client.get(f"/api/v1/institution-services/{offer.pk}/")
    assert listing.status_code == detail.status_code == 200
    assert [row["id"] for row in listing.json()["results"]] == [offer.pk]
    assert detail.json()["organisation_name"] == institution.name


@pytest.mark.parametrize("role", ROLES)
def test_offering_and_withdrawing_through_the_api_is_for_the_institutions_managers(
    api_client, user_for, role, institution
):
    user = user_for(role)
    existing = institution.institution_services.get()
    client = _as(api_client, user)
    created = client.post(
        "/api/v1/institution-services/", {"organisation": institution.pk, "category": "legal_audit"}, format="json"
    )
    deleted = client.delete(f"/api/v1/institution-services/{existing.pk}/")
    allowed = role in {"institution", "operator"}
    expected = (201, 204) if allowed else ((401, 401) if role == "anonymous" else (403, 403))
    assert (created.status_code, deleted.status_code) == expected
    assert InstitutionService.objects.filter(organisation=institution, category="legal_audit").exists() is allowed
    assert InstitutionService.objects.filter(pk=existing.pk).exists() is not allowed
    if allowed:
        assert AuditEntry.objects.filter(action="institution_service.withdraw", actor=user).exists()


def test_offering_for_a_vendor_answers_400_naming_the_organisation(api_client, vendor_org, vendor_user):
    api_client.force_authenticate(vendor_user)
    response = api_client.post(
        "/api/v1/institution-services/", {"organisation": vendor_org.pk, "category": "finance"}, format="json"
    )
    assert response.status_code == 400
    assert "organisation" in response.json()["fields"]
    assert not InstitutionService.objects.filter(organisation=vendor_org).exists()


@pytest.mark.parametrize("role", ROLES)
def test_needs_are_listed_and_retrieved_only_by_those_who_may_see_them(api_client, user_for, role, need):
    client = _as(api_client, user_for(role))
    listing = client.get("/api/v1/service-needs/")
    detail = client.get(f"/api/v1/service-needs/{need.pk}/")
    if role == "anonymous":
        assert listing.status_code == detail.status_code == 401
        return
    visible = role in SEES_NEED
    assert ([row["id"] for row in listing.json()["results"]] == [need.pk]) is visible
    assert detail.status_code == (200 if visible else 404)


@pytest.mark.parametrize("role", ROLES)
def test_posting_a_need_through_the_api_is_for_the_organisations_managers(api_client, user_for, role, need_org):
    user = user_for(role)
    response = _as(api_client, user).post(
        "/api/v1/service-needs/",
        {
            "organisation": need_org.pk,
            "category": "international_cooperation",
            "region": "440305",
            "title": "海外数据合作对接",
            "description": "寻找东南亚语料合作伙伴。",
            "budget_fen": 1_000_000,
        },
        format="json",
        HTTP_IDEMPOTENCY_KEY=f"need-{role}",
    )
    allowed = role in ACTS_FOR_NEED
    if allowed:
        assert response.status_code == 201, response.json()
        assert response.json()["status"] == "open"
        assert AuditEntry.objects.filter(action="service_need.post", actor=user).exists()
    else:
        assert response.status_code == (401 if role == "anonymous" else 403)
    assert ServiceNeed.objects.filter(title="海外数据合作对接").exists() is allowed


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"region": "123456"}, "region"),
        ({"category": "catering"}, "category"),
        ({"budget_fen": -100}, "budget_fen"),
        ({"budget_fen": 1.5}, "budget_fen"),
        ({"organisation": 999999}, "organisation"),
    ],
)
def test_bad_need_input_answers_400_naming_the_field_and_writes_nothing(
    api_client, need_org, need_owner, payload, field
):
    api_client.force_authenticate(need_owner)
    body = {"organisation": need_org.pk, "category": "finance", "region": "440305", "title": "T", "description": "D"}
    response = api_client.post("/api/v1/service-needs/", {**body, **payload}, format="json")
    assert response.status_code == 400
    assert field in response.json()["fields"]
    assert not ServiceNeed.objects.exists()


@pytest.mark.parametrize("role", ROLES)
def test_suggestions_are_for_the_posting_organisation(api_client, user_for, role, need, institution):
    response = _as(api_client, user_for(role)).get(f"/api/v1/service-needs/{need.pk}/suggestions/")
    if role == "anonymous":
        assert response.status_code == 401
    elif role in ACTS_FOR_NEED:
        assert response.status_code == 200
        assert response.json()["results"][0] == {
            "id": institution.pk,
            "name": institution.name,
            "region": "440300",
            "region_name": "深圳市",
            "proximity": "same_city",
        }
    else:
        assert response.status_code == 404


@pytest.mark.parametrize("role", ROLES)
def test_responses_are_seen_by_the_need_and_the_responder_only(
    api_client, user_for, role, need, institution, institution_staff
):
    response = services.response_submit(actor=institution_staff, need=need, institution=institution, message="报价")
    client = _as(api_client, user_for(role))
    listing = client.get("/api/v1/service-responses/", {"need": need.pk})
    detail = client.get(f"/api/v1/service-responses/{response.pk}/")
    if role == "anonymous":
        assert listing.status_code == detail.status_code == 401
        return
    visible = role in SEES_NEED
    assert ([row["id"] for row in listing.json()["results"]] == [response.pk]) is visible
    assert detail.status_code == (200 if visible else 404)


@pytest.mark.parametrize("role", ROLES)
def test_responding_through_the_api_is_for_matching_institutions(api_client, user_for, role, need, institution):
    user = user_for(role)
    answer = _as(api_client, user).post(
        "/api/v1/service-responses/",
        {"need": need.pk, "institution": institution.pk, "message": "可以承接", "quote_fen": 2_500_000},
        format="json",
    )
    allowed = role in {"institution", "operator"}
    if allowed:
        assert answer.status_code == 201, answer.json()
        assert AuditEntry.objects.filter(action="service_response.submit", actor=user).exists()
    elif role == "anonymous":
        assert answer.status_code == 401
    elif role == "owner":
        assert answer.status_code == 403
    else:  # the need is invisible to them: as unknown as a missing one
        assert answer.status_code == 400
        assert "need" in answer.json()["fields"]
    assert ServiceResponse.objects.exists() is allowed


def test_responding_twice_through_the_api_answers_409_naming_the_institution(
    api_client, need, institution, institution_staff
):
    api_client.force_authenticate(institution_staff)
    body = {"need": need.pk, "institution": institution.pk, "message": "报价"}
    first = api_client.post("/api/v1/service-responses/", body, format="json")
    second = api_client.post("/api/v1/service-responses/", {**body, "message": "再报"}, format="json")
    assert (first.status_code, second.status_code) == (201, 409)
    assert second.json()["code"] == "conflict"
    assert "institution" in second.json()["fields"]
    assert ServiceResponse.objects.count() == 1


def test_a_non_third_party_organisation_cannot_respond(api_client, need, vendor_org, operator):
    api_client.force_authenticate(operator)
    response = api_client.post(
        "/api/v1/service-responses/", {"need": need.pk, "institution": vendor_org.pk, "message": "x"}, format="json"
    )
    assert response.status_code == 400
    assert "institution" in response.json()["fields"]
    assert not ServiceResponse.objects.exists()


@pytest.mark.parametrize("role", ROLES)
def test_choosing_and_closing_through_the_api_is_for_the_posting_organisation(
    api_client, user_for, role, need, institution, institution_staff
):
    response = services.response_submit(actor=institution_staff, need=need, institution=institution, message="报价")
    user = user_for(role)
    client = _as(api_client, user)
    chosen = client.post(f"/api/v1/service-needs/{need.pk}/choose/", {"response": response.pk}, format="json")
    closed = client.post(f"/api/v1/service-needs/{need.pk}/close/")
    need.refresh_from_db()
    if role in ACTS_FOR_NEED:
        assert (chosen.status_code, closed.status_code) == (200, 200)
        assert chosen.json()["status"] == "matched"
        assert chosen.json()["chosen_response"] == response.pk
        assert (need.status, need.chosen_response_id) == (NeedStatus.CLOSED, response.pk)
        return
    expected = {"anonymous": 401, "institution": 403}.get(role, 404)
    assert chosen.status_code == closed.status_code == expected
    assert (need.status, need.chosen_response_id) == (NeedStatus.OPEN, None)


def test_choosing_on_a_closed_need_answers_409_and_nothing_changes(api_client, need, need_owner):
    response = ServiceResponseFactory(need=need)
    api_client.force_authenticate(need_owner)
    api_client.post(f"/api/v1/service-needs/{need.pk}/close/")
    late = api_client.post(f"/api/v1/service-needs/{need.pk}/choose/", {"response": response.pk}, format="json")
    again = api_client.post(f"/api/v1/service-needs/{need.pk}/close/")
    assert (late.status_code, again.status_code) == (409, 409)
    assert "status" in late.json()["fields"]
    need.refresh_from_db()
    assert (need.status, need.chosen_response) == (NeedStatus.CLOSED, None)


def test_choosing_an_unknown_response_answers_400(api_client, need, need_owner, need_org):
    foreign = ServiceResponseFactory(need=ServiceNeedFactory(organisation=need_org))
    api_client.force_authenticate(need_owner)
    for body in ({"response": foreign.pk}, {"response": 999999}, {}):
        answer = api_client.post(f"/api/v1/service-needs/{need.pk}/choose/", body, format="json")
        assert answer.status_code == 400
        assert "response" in answer.json()["fields"]
    need.refresh_from_db()
    assert need.status == NeedStatus.OPEN


def test_list_filters_answer_400_on_unknown_values(api_client, need_owner):
    api_client.force_authenticate(need_owner)
    assert "status" in api_client.get("/api/v1/service-needs/", {"status": "x"}).json()["fields"]
    assert "category" in api_client.get("/api/v1/institution-services/", {"category": "x"}).json()["fields"]
    assert "need" in api_client.get("/api/v1/service-responses/", {"need": "x"}).json()["fields"]


def test_list_endpoints_use_a_bounded_number_of_queries(
    api_client, need_org, need_owner, django_assert_max_num_queries
):
    needs = [ServiceNeedFactory(organisation=need_org, actor=need_owner) for _ in range(20)]
    for need in needs[:10]:
        ServiceResponseFactory(need=need)
    api_client.force_authenticate(need_owner)
    with django_assert_max_num_queries(8):
        assert api_client.get("/api/v1/service-needs/").status_code == 200
    with django_assert_max_num_queries(8):
        assert api_client.get("/api/v1/service-responses/").status_code == 200
    with django_assert_max_num_queries(8):
        assert api_client.get(f"/api/v1/service-needs/{needs[0].pk}/suggestions/").status_code == 200
    with django_assert_max_num_queries(4):
        assert api_client.get("/api/v1/institution-services/").status_code == 200
