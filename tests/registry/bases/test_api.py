import pytest

from portal.audit.models import AuditEntry
from registry.bases.models import AnnotationBase, BaseMembership, BaseOutput
from tests.factories import OrganisationFactory
from tests.factories.bases import AnnotationBaseFactory, BaseMembershipFactory, BaseOutputFactory
from tests.registry.bases.conftest import ROLES

pytestmark = pytest.mark.django_db

MANAGERS = {"owner", "operator"}


def _as(api_client, user):
    if user is not None:
        api_client.force_authenticate(user)
    return api_client


def _refused(response, role):
    """Anonymous writes answer 401; signed-in people without the right answer 403."""
    return response.status_code == (401 if role == "anonymous" else 403)


@pytest.mark.parametrize("role", ROLES)
def test_bases_members_and_output_are_public_to_read(api_client, user_for, role, base):
    membership = BaseMembershipFactory(base=base)
    output = BaseOutputFactory(base=base)
    client = _as(api_client, user_for(role))

    listing = client.get("/api/v1/annotation-bases/")
    detail = client.get(f"/api/v1/annotation-bases/{base.pk}/")
    members = client.get("/api/v1/base-memberships/", {"base": base.pk})
    outputs = client.get("/api/v1/base-outputs/", {"base": base.pk})

    assert listing.status_code == detail.status_code == members.status_code == outputs.status_code == 200
    assert [row["id"] for row in listing.json()["results"]] == [base.pk]
    assert detail.json()["member_count"] == 1
    assert detail.json()["operator"] == base.operator_id
    assert [row["id"] for row in members.json()["results"]] == [membership.pk]
    assert outputs.json()["results"][0]["revenue_fen"] == output.revenue_fen


@pytest.mark.parametrize("role", ROLES)
def test_recording_a_base_through_the_api_is_for_operators(api_client, user_for, role, base_operator_org):
    user = user_for(role)
    response = _as(api_client, user).post(
        "/api/v1/annotation-bases/",
        {
            "name": "国家数据标注基地（海口）",
            "city": "460100",
            "designation": "national",
            "operator": base_operator_org.pk,
            "designated_on": "2024-12-20",
        },
        format="json",
    )
    if role == "operator":
        assert response.status_code == 201, response.json()
        assert response.json()["city_name"] == "海口市"
        assert AuditEntry.objects.filter(action="base.create", actor=user).exists()
    else:
        assert _refused(response, role)
    assert AnnotationBase.objects.filter(name="国家数据标注基地（海口）").exists() is (role == "operator")


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"city": "000000"}, "city"),
        ({"designation": "global"}, "designation"),
        ({"designated_on": "2024-02-30"}, "designated_on"),
        ({"operator": 999999}, "operator"),
    ],
)
def test_bad_base_input_answers_400_naming_the_field(api_client, operator, base_operator_org, payload, field):
    body = {
        "name": "X 基地",
        "city": "460100",
        "designation": "national",
        "operator": base_operator_org.pk,
        "designated_on": "2024-12-20",
        **payload,
    }
    api_client.force_authenticate(operator)
    answer = api_client.post("/api/v1/annotation-bases/", body, format="json")
    assert answer.status_code == 400
    assert answer.json()["code"] == "invalid"
    assert field in answer.json()["fields"]
    assert not AnnotationBase.objects.exists()


def test_naming_a_vendor_as_operator_answers_400(api_client, operator, vendor_org):
    api_client.force_authenticate(operator)
    response = api_client.post(
        "/api/v1/annotation-bases/",
        {
            "name": "X",
            "city": "460100",
            "designation": "national",
            "operator": vendor_org.pk,
            "designated_on": "2024-12-20",
        },
        format="json",
    )
    assert response.status_code == 400
    assert "operator" in response.json()["fields"]


@pytest.mark.parametrize("role", ROLES)
def test_adding_and_removing_members_through_the_api_is_for_managers(api_client, user_for, role, base):
    joiner = OrganisationFactory(verified=True)
    existing = BaseMembershipFactory(base=base)
    user = user_for(role)
    client = _as(api_client, user)

    added = client.post(
        "/api/v1/base-memberships/",
        {"base": base.pk, "organisation": joiner.pk, "joined_on": "2025-03-01"},
        format="json",
    )
    removed = client.delete(f"/api/v1/base-memberships/{existing.pk}/")

    allowed = role in MANAGERS
    if allowed:
        assert added.status_code == 201, added.json()
        assert added.json()["joined_on"] == "2025-03-01"
        assert removed.status_code == 204
        assert AuditEntry.objects.filter(action="base_membership.remove", actor=user).exists()
    else:
        assert _refused(added, role)
        assert _refused(removed, role)
    assert BaseMembership.objects.filter(organisation=joiner).exists() is allowed
    assert BaseMembership.objects.filter(pk=existing.pk).exists() is not allowed


def test_an_unverified_organisation_is_unknown_to_a_manager_and_refused_for_an_operator(
    api_client, base, base_manager, operator
):
    pending = OrganisationFactory(verified=False)
    api_client.force_authenticate(base_manager)
    as_manager = api_client.post(
        "/api/v1/base-memberships/", {"base": base.pk, "organisation": pending.pk}, format="json"
    )
    api_client.force_authenticate(operator)
    as_operator = api_client.post(
        "/api/v1/base-memberships/", {"base": base.pk, "organisation": pending.pk}, format="json"
    )

    assert as_manager.status_code == as_operator.status_code == 400
    assert "organisation" in as_manager.json()["fields"]
    assert "organisation" in as_operator.json()["fields"]
    assert not BaseMembership.objects.exists()


def test_a_member_cannot_join_twice_through_the_api(api_client, base, base_manager, vendor_org):
    BaseMembershipFactory(base=base, organisation=vendor_org)
    api_client.force_authenticate(base_manager)
    response = api_client.post(
        "/api/v1/base-memberships/", {"base": base.pk, "organisation": vendor_org.pk}, format="json"
    )
    assert response.status_code == 400
    assert "organisation" in response.json()["fields"]
    assert BaseMembership.objects.count() == 1


@pytest.mark.parametrize("role", ROLES)
def test_reporting_output_through_the_api_is_for_managers(api_client, user_for, role, base):
    user = user_for(role)
    body = {
        "base": base.pk,
        "year": 2025,
        "quarter": 3,
        "annotated_items": 900,
        "revenue_fen": 123_456,
        "headcount": 40,
    }
    response = _as(api_client, user).post("/api/v1/base-outputs/", body, format="json")

    allowed = role in MANAGERS
    if allowed:
        assert response.status_code == 201, response.json()
        assert BaseOutput.objects.get().revenue_fen == 123_456
        assert AuditEntry.objects.filter(action="base_output.report", actor=user).exists()
    else:
        assert _refused(response, role)
        assert not BaseOutput.objects.exists()


def test_reporting_a_quarter_again_through_the_api_corrects_it_with_200(api_client, base, base_manager):
    api_client.force_authenticate(base_manager)
    body = {"base": base.pk, "year": 2025, "quarter": 1, "annotated_items": 10, "revenue_fen": 100, "headcount": 2}
    first = api_client.post("/api/v1/base-outputs/", body, format="json")
    second = api_client.post("/api/v1/base-outputs/", {**body, "annotated_items": 20}, format="json")
    assert (first.status_code, second.status_code) == (201, 200)
    assert second.json()["id"] == first.json()["id"]
    assert BaseOutput.objects.get().annotated_items == 20


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"revenue_fen": -100}, "revenue_fen"),
        ({"revenue_fen": "12.5"}, "revenue_fen"),
        ({"quarter": 5}, "quarter"),
        ({"year": 2099}, "quarter"),
        ({"headcount": -2}, "headcount"),
        ({"base": 999999}, "base"),
    ],
)
def test_bad_output_through_the_api_answers_400_naming_the_field(api_client, base, base_manager, payload, field):
    api_client.force_authenticate(base_manager)
    body = {"base": base.pk, "year": 2025, "quarter": 1, "annotated_items": 10, "revenue_fen": 100, "headcount": 2}
    response = api_client.post("/api/v1/base-outputs/", {**body, **payload}, format="json")
    assert response.status_code == 400
    assert field in response.json()["fields"]
    assert not BaseOutput.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="base_output").exists()


def test_list_filters_answer_400_on_unknown_values(api_client):
    assert "designation" in api_client.get("/api/v1/annotation-bases/", {"designation": "x"}).json()["fields"]
    assert "province" in api_client.get("/api/v1/annotation-bases/", {"province": "990000"}).json()["fields"]
    assert "base" in api_client.get("/api/v1/base-outputs/", {"base": "abc"}).json()["fields"]


def test_list_filters_by_province_and_designation(api_client, base_operator_org):
    AnnotationBaseFactory(name="合肥基地", city_code="340100", operator=base_operator_org)
    AnnotationBaseFactory(name="成都基地", city_code="510100", designation="provincial", operator=base_operator_org)
    anhui = api_client.get("/api/v1/annotation-bases/", {"province": "340000"}).json()["results"]
    provincial = api_client.get("/api/v1/annotation-bases/", {"designation": "provincial"}).json()["results"]
    assert [row["name"] for row in anhui] == ["合肥基地"]
    assert [row["name"] for row in provincial] == ["成都基地"]


def test_the_create_endpoints_replay_an_idempotent_retry(api_client, base, base_manager, vendor_org):
    api_client.force_authenticate(base_manager)
    body = {"base": base.pk, "organisation": vendor_org.pk}
    first = api_client.post("/api/v1/base-memberships/", body, format="json", HTTP_IDEMPOTENCY_KEY="join-1")
    again = api_client.post("/api/v1/base-memberships/", body, format="json", HTTP_IDEMPOTENCY_KEY="join-1")
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert BaseMembership.objects.count() == 1


def test_list_endpoints_use_a_bounded_number_of_queries(api_client, base_operator_org, django_assert_max_num_queries):
    bases = [AnnotationBaseFactory(operator=base_operator_org) for _ in range(20)]
    for base in bases:
        BaseMembershipFactory(base=base)
        BaseOutputFactory(base=base)
    with django_assert_max_num_queries(4):
        assert api_client.get("/api/v1/annotation-bases/").status_code == 200
    with django_assert_max_num_queries(4):
        assert api_client.get("/api/v1/base-memberships/").status_code == 200
    with django_assert_max_num_queries(4):
        assert api_client.get("/api/v1/base-outputs/").status_code == 200
