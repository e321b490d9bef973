import pytest

from portal.audit.models import AuditEntry
from registry.showcase.models import Competition, CompetitionEntry, ExcellentCase
from tests.factories.showcase import CompetitionEntryFactory, CompetitionFactory, ExcellentCaseFactory
from tests.registry.showcase.conftest import ROLES

pytestmark = pytest.mark.django_db


def _as(api_client, user):
    if user is not None:
        api_client.force_authenticate(user)
    return api_client


def _refused(response, role):
    return response.status_code == (401 if role == "anonymous" else 403)


@pytest.mark.parametrize("role", ROLES)
def test_published_cases_are_public_and_drafts_answer_404_except_to_operators(api_client, user_for, role, vendor_org):
    public = ExcellentCaseFactory(organisation=vendor_org)
    draft = ExcellentCaseFactory(organisation=vendor_org, published=False)
    client = _as(api_client, user_for(role))
    ids = {row["id"] for row in client.get("/api/v1/excellent-cases/").json()["results"]}
    public_detail = client.get(f"/api/v1/excellent-cases/{public.pk}/")
    draft_detail = client.get(f"/api/v1/excellent-cases/{draft.pk}/")

    operator = role == "operator"
    assert ids == ({public.pk, draft.pk} if operator else {public.pk})
    assert public_detail.json()["figures"] == [{"label": "标注帧数", "value": "120 万帧"}]
    assert draft_detail.status_code == (200 if operator else 404)


@pytest.mark.parametrize("role", ROLES)
def test_curating_cases_through_the_api_is_for_operators(api_client, user_for, role, vendor_org):
    user = user_for(role)
    existing = ExcellentCaseFactory(organisation=vendor_org, title="原标题")
    client = _as(api_client, user)
    created = client.post(
        "/api/v1/excellent-cases/",
        {
            "title": "语音客服质检标注",
            "organisation": vendor_org.pk,
            "sector": "finance",
            "modality": "speech",
            "year": 2023,
            "summary": "客服录音转写与情绪标注。",
            "figures": [{"label": "语音时长", "value": "5 万小时"}],
        },
        format="json",
        HTTP_IDEMPOTENCY_KEY=f"case-{role}",
    )
    patched = client.patch(f"/api/v1/excellent-cases/{existing.pk}/", {"title": "改过的标题"}, format="json")
    unpublished = client.post(f"/api/v1/excellent-cases/{existing.pk}/unpublish/")

    operator = role == "operator"
    if operator:
        assert (created.status_code, patched.status_code, unpublished.status_code) == (201, 200, 200)
        assert created.json()["published"] is False
        published = client.post(f"/api/v1/excellent-cases/{created.json()['id']}/publish/")
        assert published.json()["published"] is True
        assert AuditEntry.objects.filter(action="case.publish", actor=user).exists()
    else:
        assert _refused(created, role)
        assert _refused(patched, role)
        assert _refused(unpublished, role)
    existing.refresh_from_db()
    assert (existing.title == "改过的标题") is operator
    assert existing.published is not operator
    assert ExcellentCase.objects.filter(title="语音客服质检标注").exists() is operator


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"figures": [{"label": "x"}]}, "figures"),
        ({"figures": {"label": "x", "value": "y"}}, "figures"),
        ({"sector": "space"}, "sector"),
        ({"year": 2999}, "year"),
        ({"organisation": 999999}, "organisation"),
    ],
)
def test_bad_case_input_answers_400_naming_the_field(api_client, operator, vendor_org, payload, field):
    api_client.force_authenticate(operator)
    body = {
        "title": "T",
        "organisation": vendor_org.pk,
        "sector": "finance",
        "modality": "text",
        "year": 2024,
        "summary": "S",
    }
    response = api_client.post("/api/v1/excellent-cases/", {**body, **payload}, format="json")
    assert response.status_code == 400
    assert field in response.json()["fields"]
    assert not ExcellentCase.objects.exists()


def test_case_filters(api_client):
    ExcellentCaseFactory(title="交通", sector="transport", modality="video", year=2024)
    ExcellentCaseFactory(title="农业", sector="agriculture", modality="image", year=2022)
    rows = api_client.get("/api/v1/excellent-cases/", {"sector": "agriculture"}).json()["results"]
    assert [row["title"] for row in rows] == ["农业"]
    rows = api_client.get("/api/v1/excellent-cases/", {"modality": "video", "year": 2024}).json()["results"]
    assert [row["title"] for row in rows] == ["交通"]
    assert "sector" in api_client.get("/api/v1/excellent-cases/", {"sector": "x"}).json()["fields"]
    assert "year" in api_client.get("/api/v1/excellent-cases/", {"year": "x"}).json()["fields"]


@pytest.mark.parametrize("role", ROLES)
def test_competitions_and_entries_are_public_with_winners_first(api_client, user_for, role):
    competition = CompetitionFactory()
    third = CompetitionEntryFactory(competition=competition, award="third")
    winner = CompetitionEntryFactory(competition=competition, award="winner")
    client = _as(api_client, user_for(role))
    detail = client.get(f"/api/v1/competitions/{competition.pk}/")
    entries = client.get("/api/v1/competition-entries/", {"competition": competition.pk})
    assert detail.status_code == entries.status_code == 200
    assert (detail.json()["entry_count"], detail.json()["winner_count"]) == (2, 1)
    assert [row["id"] for row in entries.json()["results"]] == [winner.pk, third.pk]


@pytest.mark.parametrize("role", ROLES)
def test_curating_competitions_through_the_api_is_for_operators(api_client, user_for, role, vendor_org):
    existing = CompetitionFactory(name="原名")
    entry = CompetitionEntryFactory(competition=existing)
    client = _as(api_client, user_for(role))
    created = client.post(
        "/api/v1/competitions/",
        {"name": "数据标注技能大赛", "year": 2025, "starts_on": "2025-04-01", "ends_on": "2025-08-31"},
        format="json",
    )
    patched = client.patch(f"/api/v1/competitions/{existing.pk}/", {"name": "新名"}, format="json")
    added = client.post(
        "/api/v1/competition-entries/",
        {"competition": existing.pk, "organisation": vendor_org.pk, "title": "参赛作品", "award": "second"},
        format="json",
    )
    awarded = client.patch(f"/api/v1/competition-entries/{entry.pk}/", {"award": "winner"}, format="json")
    removable = CompetitionEntryFactory(competition=existing, title="待删")
    removed = client.delete(f"/api/v1/competition-entries/{removable.pk}/")

    operator = role == "operator"
    if operator:
        statuses = [r.status_code for r in (created, patched, added, awarded, removed)]
        assert statuses == [201, 200, 201, 200, 204]
    else:
        assert all(_refused(r, role) for r in (created, patched, added, awarded, removed))
    existing.refresh_from_db()
    entry.refresh_from_db()
    assert Competition.objects.filter(name="数据标注技能大赛").exists() is operator
    assert (existing.name == "新名") is operator
    assert CompetitionEntry.objects.filter(title="参赛作品").exists() is operator
    assert (entry.award == "winner") is operator
    assert CompetitionEntry.objects.filter(pk=removable.pk).exists() is not operator


@pytest.mark.parametrize(
    ("payload", "field"),
    [({"ends_on": "2025-01-01"}, "ends_on"), ({"organiser": 999999}, "organiser"), ({"year": "soon"}, "year")],
)
def test_bad_competition_input_answers_400_naming_the_field(api_client, operator, payload, field):
    api_client.force_authenticate(operator)
    body = {"name": "X", "year": 2025, "starts_on": "2025-04-01", "ends_on": "2025-08-31"}
    response = api_client.post("/api/v1/competitions/", {**body, **payload}, format="json")
    assert response.status_code == 400
    assert field in response.json()["fields"]
    assert not Competition.objects.exists()


def test_bad_entry_input_answers_400_naming_the_field(api_client, operator, vendor_org):
    competition = CompetitionFactory()
    api_client.force_authenticate(operator)
    base = {"competition": competition.pk, "organisation": vendor_org.pk, "title": "作品"}
    assert api_client.post("/api/v1/competition-entries/", base, format="json").status_code == 201
    duplicate = api_client.post("/api/v1/competition-entries/", base, format="json")
    unknown = api_client.post("/api/v1/competition-entries/", {**base, "competition": 999999}, format="json")
    bad_award = api_client.post(
        "/api/v1/competition-entries/", {**base, "title": "另一个", "award": "gold"}, format="json"
    )
    assert [r.status_code for r in (duplicate, unknown, bad_award)] == [400, 400, 400]
    assert "title" in duplicate.json()["fields"]
    assert "competition" in unknown.json()["fields"]
    assert "award" in bad_award.json()["fields"]
    assert CompetitionEntry.objects.count() == 1


def test_list_endpoints_use_a_bounded_number_of_queries(api_client, django_assert_max_num_queries):
    for _ in range(20):
        ExcellentCaseFactory()
    competitions = [CompetitionFactory() for _ in range(20)]
    for competition in competitions:
        CompetitionEntryFactory(competition=competition, award="winner")
    with django_assert_max_num_queries(3):
        assert api_client.get("/api/v1/excellent-cases/").status_code == 200
    with django_assert_max_num_queries(3):
        assert api_client.get("/api/v1/competitions/").status_code == 200
    with django_assert_max_num_queries(3):
        assert api_client.get("/api/v1/competition-entries/").status_code == 200
