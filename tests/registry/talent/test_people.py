"""People in the talent pool: registration, who sees whom (and whose name), and linking one's own record."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError

from portal.audit.models import AuditEntry
from portal.errors import PermissionDenied
from registry.roles import OrganisationKind
from registry.talent import services
from registry.talent.models import Person
from tests.factories import OrganisationFactory, UserFactory
from tests.factories.talent import PersonFactory, valid_resident_id
from tests.registry.talent.conftest import HOLDER_ID, ROLES

pytestmark = pytest.mark.django_db

NEW_ID = valid_resident_id(61, region_code="440305", born="19990909")


def test_operators_register_people(operator):
    person = services.person_register(
        actor=operator, name="陈一", id_number=NEW_ID, region_code="440300", skills=[" 视频标注 ", "视频标注", ""]
    )
    assert (person.name, person.region_id, person.skills, person.registered_by) == (
        "陈一",
        "440300",
        ["视频标注"],
        None,
    )
    assert person.id_masked == "440***********" + NEW_ID[-4:]
    entry = AuditEntry.objects.get(action="person.register")
    assert entry.after["id_masked"] == person.id_masked
    assert NEW_ID not in str(entry.after)
    assert NEW_ID not in str(entry.before)


def test_issuer_staff_register_people_for_their_issuer(issuer_staff, issuer_org):
    person = services.person_register(
        actor=issuer_staff, name="陈一", id_number=NEW_ID, region_code="440300", skills=[], issuer=issuer_org
    )
    assert person.registered_by == issuer_org


def test_other_users_may_not_register_people(vendor_user, vendor_org, other_vendor_user):
    with pytest.raises(PermissionDenied):
        services.person_register(actor=other_vendor_user, name="陈一", id_number=NEW_ID, region_code="440300")
    with pytest.raises(ValidationError):  # a vendor is not an issuer
        services.person_register(
            actor=vendor_user, name="陈一", id_number=NEW_ID, region_code="440300", issuer=vendor_org
        )
    assert not Person.objects.exists()


def test_a_second_person_with_the_same_number_is_refused_without_echoing_it(operator):
    services.person_register(actor=operator, name="陈一", id_number=NEW_ID, region_code="440300")
    with pytest.raises(ValidationError) as caught:
        services.person_register(actor=operator, name="陈二", id_number=NEW_ID.lower(), region_code="440300")
    (message,) = caught.value.message_dict["id_number"]
    assert "人才库" in message or "talent pool" in message
    assert NEW_ID not in message
    assert NEW_ID[-4:] not in message
    assert Person.objects.count() == 1


def test_linking_my_record_by_name_and_number(person, holder_user):
    other = UserFactory()
    with pytest.raises(ValidationError):
        services.person_link_account(user=other, name="王小明", id_number=HOLDER_ID)  # already linked
    with pytest.raises(ValidationError):
        services.person_link_account(user=UserFactory(), name="王大明", id_number=HOLDER_ID)  # wrong name
    assert services.person_link_account(user=holder_user, name="王小明", id_number=HOLDER_ID) == person  # again: same
    person.refresh_from_db()
    assert person.user == holder_user
    assert AuditEntry.objects.filter(action="person.link").count() == 1


def test_an_unknown_number_links_nothing(db):
    user = UserFactory()
    with pytest.raises(ValidationError) as caught:
        services.person_link_account(user=user, name="陈一", id_number=NEW_ID)
    assert "id_number" in caught.value.message_dict
    assert not Person.objects.filter(user=user).exists()


# --- API ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_people_visibility_and_name_matrix(as_role, role, person):
    PersonFactory(name="广东人", region_id="440100")  # operators and the Guangdong regulator see this one
    client = as_role(role)
    listed = client.get("/api/v1/people/")
    detail = client.get(f"/api/v1/people/{person.pk}/")
    if role == "anonymous":
        assert (listed.status_code, detail.status_code) == (401, 401)
        return
    names = sorted(row["name"] for row in listed.json()["results"])
    expected = {
        "operator": ["广东人", "王小明"],
        "owner": ["王小明"],
        "holder": ["王小明"],
        "regulator_in_region": ["王**"],
        "regulator_other_region": ["广**"],
    }.get(role, [])
    assert names == expected
    assert detail.status_code == (200 if any("王" in n for n in expected) else 404)
    if detail.status_code == 200:
        assert detail.json()["id_masked"] == person.id_masked
        assert HOLDER_ID not in detail.content.decode()


def test_a_national_regulator_sees_everyone_masked(api_client, national_regulator, person):
    PersonFactory(name="广东人", region_id="440100")
    api_client.force_authenticate(national_regulator)
    names = sorted(row["name"] for row in api_client.get("/api/v1/people/").json()["results"])
    assert names == ["广**", "王**"]


def test_regulators_cannot_search_names_they_see_masked(api_client, regulator_in_region, person):
    api_client.force_authenticate(regulator_in_region)
    assert api_client.get("/api/v1/people/", {"q": "王小明"}).json()["count"] == 0
    assert api_client.get("/api/v1/people/", {"region": "510000"}).json()["count"] == 1
    assert api_client.get("/api/v1/people/", {"region": "440000"}).json()["count"] == 0


@pytest.mark.parametrize("role", ROLES)
def test_registering_through_the_api_matrix(as_role, role, issuer_org):
    body = {"name": "陈一", "id_number": NEW_ID, "region": "440300", "skills": ["文本标注"], "issuer": issuer_org.pk}
    if role == "operator":
        body.pop("issuer")
    response = as_role(role).post("/api/v1/people/", body, format="json")
    expected = {"anonymous": 401, "owner": 201, "operator": 201}.get(role, 403)
    assert response.status_code == expected
    assert Person.objects.filter(name="陈一").exists() is (expected == 201)
    if expected == 201:
        assert response.json()["name"] == "陈一"
        assert NEW_ID not in response.content.decode()


def test_a_duplicate_through_the_api_answers_400_on_id_number(as_role, person):
    response = as_role("operator").post(
        "/api/v1/people/", {"name": "另一个人", "id_number": HOLDER_ID, "region": "510100"}, format="json"
    )
    assert response.status_code == 400
    assert "id_number" in response.json()["fields"]
    assert HOLDER_ID not in response.content.decode()
    assert Person.objects.count() == 1


def test_my_record_and_linking_through_the_api(api_client, person, holder_user):
    stranger = UserFactory()
    api_client.force_authenticate(stranger)
    assert api_client.get("/api/v1/people/me/").status_code == 404
    refused = api_client.post("/api/v1/people/link/", {"name": "王小明", "id_number": HOLDER_ID}, format="json")
    assert refused.status_code == 400  # linked to holder_user already

    api_client.force_authenticate(holder_user)
    mine = api_client.get("/api/v1/people/me/")
    assert mine.status_code == 200
    assert mine.json()["name"] == "王小明"


def test_the_people_list_uses_a_bounded_number_of_queries(as_role, django_assert_max_num_queries):
    for n in range(30):
        PersonFactory(region_id="510100" if n % 2 else "440100")
    client = as_role("regulator_in_region")
    with django_assert_max_num_queries(8):
        response = client.get("/api/v1/people/")
    assert response.json()["count"] == 15


# --- pages --------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_people_pages_matrix(page_as, role, person):
    client = page_as(role)
    listed = client.get("/registry/talent/")
    detail = client.get(f"/registry/talent/people/{person.pk}/")
    if role == "anonymous":
        assert listed.status_code == detail.status_code == 302
        return
    visible = {"operator", "owner", "holder", "regulator_in_region"}
    assert listed.status_code == 200
    assert ('data-testid="person-table"' in listed.content.decode()) is (role in visible)
    assert detail.status_code == (200 if role in visible else 404)
    if role in visible:
        expected_name = "王**" if role == "regulator_in_region" else "王小明"
        assert f'data-testid="person-name">{expected_name}<' in detail.content.decode()


def test_the_people_page_filters_by_region_with_bounded_queries(page_as, person, django_assert_max_num_queries):
    for _ in range(25):
        PersonFactory(region_id="440100")
    client = page_as("operator")
    with django_assert_max_num_queries(10):
        html = client.get("/registry/talent/").content.decode()
    assert "page=2" in html
    assert "王小明" not in client.get("/registry/talent/", {"region": "440000"}).content.decode()
    empty = client.get("/registry/talent/", {"q": "没有这个人"}).content.decode()
    assert 'data-testid="empty-people"' in empty


def test_my_record_page_links_the_account(page_as, client, person):
    stranger = UserFactory()
    client.force_login(stranger)
    page = client.get("/registry/talent/me/")
    assert 'data-testid="link-form"' in page.content.decode()
    wrong = client.post("/registry/talent/me/", {"name": "王小明", "id_number": valid_resident_id(62)})
    assert wrong.status_code == 400
    assert 'data-field="id_number"' in wrong.content.decode()
    assert valid_resident_id(62) not in wrong.content.decode()

    holder_page = page_as("holder").get("/registry/talent/me/").content.decode()
    assert 'data-testid="my-record"' in holder_page
    assert "CERT-2025-0001" in holder_page


def test_linking_on_the_page(client, issuer_staff, issuer_org):
    services.certificate_record(
        actor=issuer_staff,
        issuer=issuer_org,
        holder_name="林七",
        id_number=NEW_ID,
        region_code="440300",
        occupation="ai_trainer",
        level=5,
        number="LINK-1",
        issued_on=datetime.date(2024, 1, 1),
        expires_on=None,
    )
    user = UserFactory()
    client.force_login(user)
    response = client.post("/registry/talent/me/", {"name": "林七", "id_number": NEW_ID})
    assert response.status_code == 302
    assert Person.objects.get(user=user).name == "林七"
    assert "LINK-1" in client.get("/registry/talent/me/").content.decode()


def test_an_agency_can_be_an_issuer(operator):
    agency = OrganisationFactory(kind=OrganisationKind.AGENCY, verified=True)
    person = services.person_register(
        actor=operator, name="陈一", id_number=NEW_ID, region_code="440300", issuer=agency
    )
    assert person.registered_by == agency
