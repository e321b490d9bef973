"""The expert pool: applying, approval, availability, employment history and declared relations."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from portal.audit.models import AuditEntry
from portal.errors import Conflict, PermissionDenied
from registry.talent import services
from registry.talent.models import Employment, Expert, ExpertRelation, ExpertStatus, Person
from registry.talent.services import EmploymentEntry, RelationEntry
from tests.factories import OrganisationFactory, UserFactory
from tests.factories.registry import with_wrong_check_character
from tests.factories.talent import EmploymentFactory, ExpertFactory, PersonFactory, valid_resident_id

pytestmark = pytest.mark.django_db

EXPERT_ROLES = [
    "anonymous",
    "other_vendor",
    "owner",
    "agency",
    "regulator_other_region",
    "regulator_in_region",
    "operator",
]
EXPERT_ID = valid_resident_id(51, region_code="510100", born="19750707")


@pytest.fixture
def expert_user(db):
    return UserFactory(username="zheng", name="郑专家")


@pytest.fixture
def user_for(request, expert_user):
    """Here `owner` is the expert themself."""

    def get(role):
        return {
            "anonymous": lambda: None,
            "owner": lambda: expert_user,
            "other_vendor": lambda: request.getfixturevalue("other_vendor_user"),
            "agency": lambda: request.getfixturevalue("agency_user"),
            "regulator_other_region": lambda: request.getfixturevalue("regulator_other_region"),
            "regulator_in_region": lambda: request.getfixturevalue("regulator_in_region"),
            "operator": lambda: request.getfixturevalue("operator"),
        }[role]()

    return get


@pytest.fixture
def employer(db):
    return OrganisationFactory(name="成都某标注公司", verified=True)


@pytest.fixture
def expert(expert_user, employer, vendor_org):
    """郑专家's pending application: an image / finance expert, once at `employer`."""
    return services.expert_apply(
        user=expert_user,
        name="郑专家",
        id_number=EXPERT_ID,
        region_code="510100",
        modalities=["image"],
        sectors=["finance"],
        employments=[
            EmploymentEntry(employer.credit_code, "employee", datetime.date(2015, 3, 1), datetime.date(2022, 8, 31))
        ],
        relations=[RelationEntry(vendor_org.credit_code.lower(), "配偶在该公司任职")],
    )


@pytest.fixture
def approved(expert, operator):
    return services.expert_approve(actor=operator, expert=expert)


def _counts():
    return (
        Person.objects.count(),
        Expert.objects.count(),
        Employment.objects.count(),
        ExpertRelation.objects.count(),
        AuditEntry.objects.count(),
    )


# --- services -----------------------------------------------------------------------------------


def test_applying_registers_the_person_and_a_pending_expert(expert, expert_user, employer, vendor_org):
    person = expert.person
    assert (person.name, person.user, person.region_id) == ("郑专家", expert_user, "510100")
    assert person.id_masked == EXPERT_ID[:3] + "*" * 11 + EXPERT_ID[-4:]
    assert expert.status == ExpertStatus.PENDING
    assert [m.modality for m in expert.modalities.all()] == ["image"]
    assert [s.sector for s in expert.sectors.all()] == ["finance"]
    (employment,) = expert.employments.all()
    assert (employment.organisation, employment.ended_on) == (employer, datetime.date(2022, 8, 31))
    assert [r.organisation for r in expert.declared_relations.all()] == [vendor_org]
    entry = AuditEntry.objects.get(action="expert.apply")
    assert entry.actor_id == expert_user.pk
    assert entry.after["employments"] == [[employer.pk, "employee", "2015-03-01", "2022-08-31"]]
    assert AuditEntry.objects.filter(action="person.register", object_id=str(person.pk)).exists()


def test_applying_reuses_and_links_a_certified_holders_record(certificate, holder_user):
    from tests.registry.talent.conftest import HOLDER_ID

    expert = services.expert_apply(
        user=holder_user, name="王小明", id_number=HOLDER_ID, region_code="510100", modalities=["text"], sectors=[]
    )
    assert expert.person == certificate.person
    assert Person.objects.count() == 1


def test_applying_links_an_unlinked_record_with_the_same_name(expert_user):
    person = PersonFactory(name="郑专家", id_number=EXPERT_ID)
    expert = services.expert_apply(
        user=expert_user, name="郑 专家", id_number=EXPERT_ID, region_code="510100", modalities=[], sectors=["science"]
    )
    person.refresh_from_db()
    assert expert.person == person
    assert person.user == expert_user
    assert AuditEntry.objects.filter(action="person.link", object_id=str(person.pk)).exists()


@pytest.mark.parametrize(
    ("setup", "field"),
    [
        ("linked_to_another", "id_number"),
        ("another_name", "name"),
        ("own_record_differs", "id_number"),
    ],
)
def test_applying_with_someone_elses_identity_is_refused(expert_user, setup, field):
    if setup == "linked_to_another":
        PersonFactory(name="郑专家", id_number=EXPERT_ID, user=UserFactory())
    elif setup == "another_name":
        PersonFactory(name="别人", id_number=EXPERT_ID)
    else:
        PersonFactory(name="郑专家", user=expert_user)
    before = _counts()
    with pytest.raises(ValidationError) as caught:
        services.expert_apply(
            user=expert_user, name="郑专家", id_number=EXPERT_ID, region_code="510100", modalities=["text"], sectors=[]
        )
    assert field in caught.value.message_dict
    assert EXPERT_ID not in str(caught.value.message_dict)
    assert _counts() == before


def test_applying_twice_answers_conflict(expert, expert_user):
    with pytest.raises(Conflict):
        services.expert_apply(
            user=expert_user, name="郑专家", id_number=EXPERT_ID, region_code="510100", modalities=["text"], sectors=[]
        )
    assert Expert.objects.count() == 1


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"modalities": [], "sectors": []}, "modalities"),
        ({"modalities": ["smell"]}, "modalities"),
        ({"sectors": ["mining"]}, "sectors"),
        ({"region_code": "990000"}, "region"),
        ({"id_number": with_wrong_check_character(EXPERT_ID)}, "id_number"),
        ({"name": " "}, "name"),
        (
            {"employments": [EmploymentEntry("91510100MA00000000", "employee", datetime.date(2020, 1, 1))]},
            "employments",
        ),
        ({"employments": "to_before_from"}, "employments"),
        ({"employments": "bad_role"}, "employments"),
        ({"relations": "unknown"}, "relations"),
        ({"relations": "no_nature"}, "relations"),
    ],
)
def test_bad_applications_name_the_field_and_write_nothing(expert_user, employer, changes, field):
    rows = {
        "to_before_from": [
            EmploymentEntry(employer.credit_code, "employee", datetime.date(2020, 1, 2), datetime.date(2020, 1, 1))
        ],
        "bad_role": [EmploymentEntry(employer.credit_code, "janitor", datetime.date(2020, 1, 1))],
        "unknown": [RelationEntry("nonsense", "亲属")],
        "no_nature": [RelationEntry(employer.credit_code, " ")],
    }
    changes = {
        key: rows.get(value, value) if isinstance(value, str) and key in {"employments", "relations"} else value
        for key, value in changes.items()
    }
    values = {
        "user": expert_user,
        "name": "郑专家",
        "id_number": EXPERT_ID,
        "region_code": "510100",
        "modalities": ["image"],
        "sectors": [],
    } | changes
    before = _counts()
    with pytest.raises(ValidationError) as caught:
        services.expert_apply(**values)
    assert field in caught.value.message_dict
    assert _counts() == before


def test_employment_problems_are_reported_per_line(expert_user, employer):
    with pytest.raises(ValidationError) as caught:
        services.expert_apply(
            user=expert_user,
            name="郑专家",
            id_number=EXPERT_ID,
            region_code="510100",
            modalities=["image"],
            sectors=[],
            employments=[
                EmploymentEntry(employer.credit_code, "employee", datetime.date(2020, 1, 1)),
                EmploymentEntry(employer.credit_code, "employee", datetime.date(2021, 1, 2), datetime.date(2021, 1, 1)),
            ],
        )
    (message,) = caught.value.message_dict["employments"]
    assert "2" in message


def test_operators_approve_and_suspend_with_a_table_of_transitions(expert, operator):
    approved = services.expert_approve(actor=operator, expert=expert)
    assert (approved.status, approved.approved_by) == (ExpertStatus.APPROVED, operator)
    with pytest.raises(Conflict):
        services.expert_approve(actor=operator, expert=expert)
    with pytest.raises(ValidationError):
        services.expert_suspend(actor=operator, expert=expert, reason="")
    suspended = services.expert_suspend(actor=operator, expert=expert, reason="利益冲突未申报")
    assert (suspended.status, suspended.status_reason) == (ExpertStatus.SUSPENDED, "利益冲突未申报")
    reinstated = services.expert_approve(actor=operator, expert=expert)
    assert (reinstated.status, reinstated.status_reason) == (ExpertStatus.APPROVED, "")
    actions = list(
        AuditEntry.objects.filter(object_id=str(expert.pk), object_type="talent.expert").values_list(
            "action", flat=True
        )
    )
    assert actions == ["expert.apply", "expert.approve", "expert.suspend", "expert.approve"]


def test_only_operators_approve(expert, expert_user):
    with pytest.raises(PermissionDenied):
        services.expert_approve(actor=expert_user, expert=expert)
    expert.refresh_from_db()
    assert expert.status == ExpertStatus.PENDING


def test_the_expert_sets_availability(approved, expert_user, other_vendor_user):
    until = timezone.localdate() + datetime.timedelta(days=10)
    updated = services.expert_set_availability(
        actor=expert_user, expert=approved, available=True, unavailable_until=until
    )
    assert updated.unavailable_until == until
    assert not updated.available_on(timezone.localdate())
    assert updated.available_on(until + datetime.timedelta(days=1))
    with pytest.raises(ValidationError):
        services.expert_set_availability(
            actor=expert_user,
            expert=approved,
            available=True,
            unavailable_until=timezone.localdate() - datetime.timedelta(days=1),
        )
    with pytest.raises(PermissionDenied):
        services.expert_set_availability(actor=other_vendor_user, expert=approved, available=False)
    assert AuditEntry.objects.filter(action="expert.set_availability").count() == 1


def test_history_is_added_and_ended_but_removed_by_the_expert_only_while_pending(
    expert, expert_user, operator, employer
):
    employment = services.expert_employment_add(
        actor=expert_user,
        expert=expert,
        organisation_code=employer.credit_code,
        role="advisor",
        started_on=datetime.date(2024, 1, 1),
        ended_on=None,
    )
    services.expert_employment_remove(actor=expert_user, employment=employment)  # pending: allowed
    services.expert_approve(actor=operator, expert=expert)
    employment = services.expert_employment_add(
        actor=expert_user,
        expert=expert,
        organisation_code=employer.credit_code,
        role="advisor",
        started_on=datetime.date(2024, 1, 1),
        ended_on=None,
    )
    with pytest.raises(ValidationError) as caught:
        services.expert_employment_update(
            actor=expert_user,
            employment=employment,
            role="advisor",
            started_on=datetime.date(2024, 1, 1),
            ended_on=datetime.date(2023, 1, 1),
        )
    assert "ended_on" in caught.value.message_dict
    ended = services.expert_employment_update(
        actor=expert_user,
        employment=employment,
        role="advisor",
        started_on=datetime.date(2024, 1, 1),
        ended_on=datetime.date(2025, 1, 1),
    )
    assert ended.ended_on == datetime.date(2025, 1, 1)
    with pytest.raises(PermissionDenied):
        services.expert_employment_remove(actor=expert_user, employment=employment)
    services.expert_employment_remove(actor=operator, employment=employment)
    assert list(
        AuditEntry.objects.filter(object_type="talent.employment").order_by("pk").values_list("action", flat=True)
    ) == ["employment.add", "employment.remove", "employment.add", "employment.update", "employment.remove"]


def test_relations_are_declared_once_and_withdrawn_by_the_expert_only_while_pending(
    approved, expert_user, operator, vendor_org, employer
):
    with pytest.raises(ValidationError) as caught:
        services.expert_relation_declare(
            actor=expert_user, expert=approved, organisation_code=vendor_org.credit_code, nature="再次申报"
        )
    assert "organisation" in caught.value.message_dict
    relation = services.expert_relation_declare(
        actor=expert_user, expert=approved, organisation_code=employer.credit_code, nature="曾有咨询合同"
    )
    with pytest.raises(PermissionDenied):
        services.expert_relation_withdraw(actor=expert_user, relation=relation)
    services.expert_relation_withdraw(actor=operator, relation=relation)
    assert not ExpertRelation.objects.filter(pk=relation.pk).exists()


# --- API ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", EXPERT_ROLES)
def test_expert_visibility_matrix(as_role, role, expert):
    ExpertFactory()  # another expert, seen by operators only
    client = as_role(role)
    listed = client.get("/api/v1/experts/")
    detail = client.get(f"/api/v1/experts/{expert.pk}/")
    if role == "anonymous":
        assert (listed.status_code, detail.status_code) == (401, 401)
        return
    ids = {row["id"] for row in listed.json()["results"]}
    expected = {"operator": 2, "owner": 1}.get(role, 0)
    assert len(ids) == expected
    assert detail.status_code == (200 if role in {"owner", "operator"} else 404)
    if detail.status_code == 200:
        body = detail.json()
        assert body["modalities"] == ["image"]
        assert body["employments"][0]["organisation_name"] == "成都某标注公司"
        assert body["relations"][0]["nature"] == "配偶在该公司任职"


@pytest.mark.parametrize("role", EXPERT_ROLES)
@pytest.mark.parametrize("transition", ["approve", "suspend"])
def test_approve_and_suspend_matrix(as_role, role, transition, expert):
    response = as_role(role).post(f"/api/v1/experts/{expert.pk}/{transition}/", {"reason": "核查"}, format="json")
    expected = {"anonymous": 401, "owner": 403, "operator": 200}.get(role, 404)
    assert response.status_code == expected
    expert.refresh_from_db()
    target = ExpertStatus.APPROVED if transition == "approve" else ExpertStatus.SUSPENDED
    assert (expert.status == target) is (expected == 200)
    assert AuditEntry.objects.filter(action=f"expert.{transition}").count() == (1 if expected == 200 else 0)


@pytest.mark.parametrize("role", EXPERT_ROLES)
def test_availability_matrix(as_role, role, approved):
    response = as_role(role).post(f"/api/v1/experts/{approved.pk}/availability/", {"available": False}, format="json")
    expected = {"anonymous": 401, "owner": 200, "operator": 200}.get(role, 404)
    assert response.status_code == expected
    approved.refresh_from_db()
    assert approved.available is (expected != 200)


@pytest.mark.parametrize("role", EXPERT_ROLES)
def test_history_endpoints_matrix(as_role, role, approved, employer):
    client = as_role(role)
    employment = approved.employments.get()
    relation = approved.declared_relations.get()
    added = client.post(
        f"/api/v1/experts/{approved.pk}/employments/",
        {"organisation": employer.credit_code, "role": "director", "started_on": "2023-01-01"},
        format="json",
    )
    patched = client.patch(
        f"/api/v1/experts/{approved.pk}/employments/{employment.pk}/",
        {"role": "employee", "started_on": "2015-03-01", "ended_on": "2022-09-30"},
        format="json",
    )
    declared = client.post(
        f"/api/v1/experts/{approved.pk}/relations/",
        {"organisation": employer.credit_code, "nature": "兼职"},
        format="json",
    )
    removed = client.delete(f"/api/v1/experts/{approved.pk}/employments/{employment.pk}/")
    withdrawn = client.delete(f"/api/v1/experts/{approved.pk}/relations/{relation.pk}/")

    codes = (added.status_code, patched.status_code, declared.status_code, removed.status_code, withdrawn.status_code)
    if role == "anonymous":
        assert codes == (401,) * 5
    elif role == "owner":
        assert codes == (201, 200, 201, 403, 403)  # approved: removing is for operators
    elif role == "operator":
        assert codes == (201, 200, 201, 204, 204)
    else:
        assert codes == (404,) * 5
    changed = role in {"owner", "operator"}
    assert approved.employments.filter(role="director").exists() is changed
    assert approved.declared_relations.filter(nature="兼职").exists() is changed
    assert approved.employments.filter(pk=employment.pk).exists() is (role != "operator")


def test_applying_through_the_api(api_client, expert_user, employer):
    api_client.force_authenticate(expert_user)
    body = {
        "name": "郑专家",
        "id_number": EXPERT_ID,
        "region": "510100",
        "modalities": ["image", "video"],
        "sectors": ["transport"],
        "employments": [{"organisation": employer.credit_code, "role": "employee", "started_on": "2019-01-01"}],
        "relations": [],
    }
    response = api_client.post("/api/v1/experts/", body, format="json")

    assert response.status_code == 201, response.json()
    assert response.json()["status"] == "pending"
    assert response.json()["modalities"] == ["image", "video"]
    assert EXPERT_ID not in response.content.decode()
    assert Expert.objects.get().person.user == expert_user


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"modalities": ["smell"]}, "modalities"),
        ({"employments": [{"organisation": "X", "role": "employee", "started_on": "2019-01-01"}]}, "employments"),
        ({"employments": [{"organisation": "X", "role": "employee", "started_on": "not a date"}]}, "employments"),
        ({"id_number": "123"}, "id_number"),
        ({"region": "1"}, "region"),
    ],
)
def test_bad_applications_through_the_api_answer_400(api_client, expert_user, changes, field):
    api_client.force_authenticate(expert_user)
    body = {"name": "郑专家", "id_number": EXPERT_ID, "region": "510100", "modalities": ["image"]} | changes
    before = _counts()
    response = api_client.post("/api/v1/experts/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()["fields"]
    assert _counts() == before


def test_anonymous_cannot_apply(api_client):
    response = api_client.post("/api/v1/experts/", {"name": "x"}, format="json")
    assert response.status_code == 401
    assert not Expert.objects.exists()


def test_the_expert_list_uses_a_bounded_number_of_queries(as_role, django_assert_max_num_queries):
    for _ in range(15):
        expert = ExpertFactory(modalities=["image"], sectors=["finance"])
        EmploymentFactory(expert=expert)
    client = as_role("operator")
    with django_assert_max_num_queries(10):
        response = client.get("/api/v1/experts/")
    assert response.json()["count"] == 15


# --- pages --------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", EXPERT_ROLES)
def test_expert_page_matrix(page_as, role, expert):
    response = page_as(role).get(f"/registry/talent/experts/{expert.pk}/")
    if role == "anonymous":
        assert response.status_code == 302
        return
    assert response.status_code == (200 if role in {"owner", "operator"} else 404)
    if response.status_code == 200:
        html = response.content.decode()
        assert "成都某标注公司" in html
        assert ('data-testid="expert-review"' in html) is (role == "operator")
        assert ('data-testid="employment-form"' in html) is True


def test_applying_on_the_page_then_adding_history(page_as, employer):
    client = page_as("owner")
    bad = client.post("/registry/talent/experts/apply/", {"name": "郑专家", "id_number": EXPERT_ID, "region": "510100"})
    assert bad.status_code == 400
    assert 'data-field="modalities"' in bad.content.decode()
    assert EXPERT_ID not in bad.content.decode()
    assert not Expert.objects.exists()

    done = client.post(
        "/registry/talent/experts/apply/",
        {"name": "郑专家", "id_number": EXPERT_ID, "region": "510100", "modalities": ["speech"]},
    )
    expert = Expert.objects.get()
    assert done.status_code == 302
    assert done["Location"] == f"/registry/talent/experts/{expert.pk}/"

    wrong = client.post(
        f"/registry/talent/experts/{expert.pk}/employments/",
        {
            "organisation": employer.credit_code,
            "role": "employee",
            "started_on": "2020-02-02",
            "ended_on": "2020-01-01",
        },
    )
    assert wrong.status_code == 400
    assert 'data-field="ended_on"' in wrong.content.decode()
    added = client.post(
        f"/registry/talent/experts/{expert.pk}/employments/",
        {"organisation": employer.credit_code, "role": "employee", "started_on": "2020-02-02"},
    )
    assert added.status_code == 302
    employment = expert.employments.get()
    ended = client.post(
        f"/registry/talent/experts/{expert.pk}/employments/{employment.pk}/end/", {"ended_on": "2024-12-31"}
    )
    assert ended.status_code == 302
    employment.refresh_from_db()
    assert employment.ended_on == datetime.date(2024, 12, 31)
    assert client.get("/registry/talent/experts/apply/")["Location"] == f"/registry/talent/experts/{expert.pk}/"


def test_operators_approve_and_decline_on_the_page(page_as, expert):
    client = page_as("operator")
    refused = client.post(f"/registry/talent/experts/{expert.pk}/suspend/", {"reason": ""})
    assert refused.status_code == 400
    assert 'data-field="reason"' in refused.content.decode()
    assert client.post(f"/registry/talent/experts/{expert.pk}/approve/").status_code == 302
    expert.refresh_from_db()
    assert expert.status == ExpertStatus.APPROVED


def test_the_expert_cannot_approve_themself_on_the_page(page_as, expert):
    response = page_as("owner").post(f"/registry/talent/experts/{expert.pk}/approve/")
    assert response.status_code == 403
    expert.refresh_from_db()
    assert expert.status == ExpertStatus.PENDING


def test_availability_on_the_page(page_as, approved):
    client = page_as("owner")
    past = client.post(
        f"/registry/talent/experts/{approved.pk}/availability/", {"available": "on", "unavailable_until": "2000-01-01"}
    )
    assert past.status_code == 400
    assert 'data-field="unavailable_until"' in past.content.decode()
    off = client.post(f"/registry/talent/experts/{approved.pk}/availability/", {})
    assert off.status_code == 302
    approved.refresh_from_db()
    assert approved.available is False


def test_the_expert_list_page(page_as, expert, django_assert_max_num_queries):
    for _ in range(22):
        ExpertFactory(modalities=["text"])
    operator_page = page_as("operator")
    with django_assert_max_num_queries(12):
        html = operator_page.get("/registry/talent/experts/").content.decode()
    assert html.count("/registry/talent/experts/") >= 20
    assert "page=2" in html
    assert 'data-testid="empty-experts"' in page_as("other_vendor").get("/registry/talent/experts/").content.decode()
