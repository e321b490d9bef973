import pytest

from portal.audit.models import AuditEntry
from registry.showcase.models import Competition, CompetitionEntry, ExcellentCase
from tests.factories import OrganisationFactory
from tests.factories.showcase import CompetitionEntryFactory, CompetitionFactory, ExcellentCaseFactory
from tests.registry.showcase.conftest import ROLES

pytestmark = pytest.mark.django_db


def _login(client, user):
    if user is not None:
        client.force_login(user)


def _refused(response, role):
    if role == "anonymous":
        return response.status_code == 302 and "/accounts/login/" in response["Location"]
    return response.status_code == 403


@pytest.mark.parametrize("role", ROLES)
def test_published_cases_are_public_and_unpublished_ones_only_for_operators(client, user_for, role, vendor_org):
    public = ExcellentCaseFactory(title="公开案例", organisation=vendor_org)
    draft = ExcellentCaseFactory(title="草稿案例", organisation=vendor_org, published=False)
    _login(client, user_for(role))

    listing = client.get("/registry/showcase/").content.decode()
    public_page = client.get(f"/registry/showcase/cases/{public.pk}/")
    draft_page = client.get(f"/registry/showcase/cases/{draft.pk}/")

    assert "公开案例" in listing
    assert public_page.status_code == 200
    assert "120 万帧" in public_page.content.decode()
    operator = role == "operator"
    assert ("草稿案例" in listing) is operator
    assert draft_page.status_code == (200 if operator else 404)
    assert ('data-testid="case-curation"' in public_page.content.decode()) is operator


def test_the_case_list_filters_by_sector_modality_and_year(client):
    ExcellentCaseFactory(title="交通点云", sector="transport", modality="point_cloud", year=2024)
    ExcellentCaseFactory(title="医疗影像", sector="healthcare", modality="image", year=2023)
    healthcare = client.get("/registry/showcase/", {"sector": "healthcare"}).content.decode()
    point_cloud = client.get("/registry/showcase/", {"modality": "point_cloud"}).content.decode()
    year = client.get("/registry/showcase/", {"year": "2023"}).content.decode()
    nothing = client.get("/registry/showcase/", {"sector": "finance"}).content.decode()
    assert "医疗影像" in healthcare
    assert "交通点云" not in healthcare
    assert "交通点云" in point_cloud
    assert "医疗影像" not in point_cloud
    assert "医疗影像" in year
    assert "交通点云" not in year
    assert 'data-testid="empty-cases"' in nothing


@pytest.mark.parametrize("role", ROLES)
def test_recording_and_editing_a_case_on_the_page_is_for_operators(client, user_for, role, vendor_org):
    existing = ExcellentCaseFactory(title="原标题", organisation=vendor_org)
    _login(client, user_for(role))
    form = client.get("/registry/showcase/cases/new/")
    created = client.post(
        "/registry/showcase/cases/new/",
        {
            "title": "金融票据文本标注",
            "organisation": vendor_org.credit_code.lower(),
            "sector": "finance",
            "modality": "text",
            "year": 2024,
            "summary": "票据关键字段抽取。",
            "figures": "票据数量 | 300 万张\n字段准确率｜99.5%\n",
        },
    )
    edited = client.post(
        f"/registry/showcase/cases/{existing.pk}/edit/",
        {
            "title": "新标题",
            "organisation": vendor_org.credit_code,
            "sector": "transport",
            "modality": "point_cloud",
            "year": 2024,
            "summary": "更新",
        },
    )
    if role == "operator":
        assert form.status_code == 200
        assert created.status_code == edited.status_code == 302
        case = ExcellentCase.objects.get(title="金融票据文本标注")
        assert case.figures == [{"label": "票据数量", "value": "300 万张"}, {"label": "字段准确率", "value": "99.5%"}]
        assert not case.published
        existing.refresh_from_db()
        assert existing.title == "新标题"
    else:
        assert _refused(form, role)
        assert _refused(created, role)
        assert _refused(edited, role)
        existing.refresh_from_db()
        assert existing.title == "原标题"
    assert ExcellentCase.objects.filter(title="金融票据文本标注").exists() is (role == "operator")


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"organisation": "91510100MA0000000X"}, "organisation"),
        ({"figures": "没有分隔符的一行"}, "figures"),
        ({"year": "1990"}, "year"),
        ({"sector": "mining"}, "sector"),
    ],
)
def test_bad_case_input_on_the_page_answers_400_naming_the_field(client, operator, vendor_org, fields, field):
    client.force_login(operator)
    data = {
        "title": "T",
        "organisation": vendor_org.credit_code,
        "sector": "finance",
        "modality": "text",
        "year": 2024,
        "summary": "S",
        **fields,
    }
    response = client.post("/registry/showcase/cases/new/", data)
    assert response.status_code == 400
    assert f'data-field="{field}"' in response.content.decode()
    assert not ExcellentCase.objects.exists()


@pytest.mark.parametrize("role", ROLES)
def test_publishing_on_the_page_is_for_operators(client, user_for, role, vendor_org):
    case = ExcellentCaseFactory(organisation=vendor_org, published=False)
    user = user_for(role)
    _login(client, user)
    response = client.post(f"/registry/showcase/cases/{case.pk}/publish/", {"published": "1"})
    case.refresh_from_db()
    if role == "operator":
        assert response.status_code == 302
        assert case.published
        assert AuditEntry.objects.filter(action="case.publish", actor=user).exists()
    else:
        assert _refused(response, role)
        assert not case.published


def test_publishing_a_case_whose_organisation_is_no_longer_verified_answers_400(client, operator):
    from registry.services import organisation_reject

    organisation = OrganisationFactory(verified=True)
    case = ExcellentCaseFactory(organisation=organisation, published=False)
    organisation.status = "submitted"
    organisation.save(update_fields=["status"])
    organisation_reject(actor=operator, organisation=organisation, reason="资料不全")
    client.force_login(operator)
    response = client.post(f"/registry/showcase/cases/{case.pk}/publish/", {"published": "1"})
    assert response.status_code == 400
    case.refresh_from_db()
    assert not case.published


@pytest.mark.parametrize("role", ROLES)
def test_competitions_are_public_and_list_winners_first(client, user_for, role):
    competition = CompetitionFactory(name="数据标注创新大赛")
    CompetitionEntryFactory(competition=competition, title="甲作品", award="none")
    CompetitionEntryFactory(competition=competition, title="乙作品", award="second")
    CompetitionEntryFactory(competition=competition, title="丙作品", award="winner")
    _login(client, user_for(role))

    listing = client.get("/registry/showcase/competitions/")
    detail = client.get(f"/registry/showcase/competitions/{competition.pk}/")

    assert listing.status_code == detail.status_code == 200
    assert "数据标注创新大赛" in listing.content.decode()
    html = detail.content.decode()
    assert html.index("丙作品") < html.index("乙作品") < html.index("甲作品")
    assert ('data-testid="entry-form"' in html) is (role == "operator")


@pytest.mark.parametrize("role", ROLES)
def test_recording_and_editing_a_competition_on_the_page_is_for_operators(client, user_for, role, agency_user):
    organiser = agency_user.memberships.get().organisation
    existing = CompetitionFactory(name="旧名称")
    _login(client, user_for(role))
    created = client.post(
        "/registry/showcase/competitions/new/",
        {
            "name": "人工智能训练师技能大赛",
            "year": 2025,
            "organiser": organiser.credit_code,
            "starts_on": "2025-06-01",
            "ends_on": "2025-10-31",
        },
    )
    edited = client.post(
        f"/registry/showcase/competitions/{existing.pk}/edit/",
        {"name": "新名称", "year": 2025, "organiser": "", "starts_on": "2025-05-01", "ends_on": "2025-09-30"},
    )
    if role == "operator":
        assert created.status_code == edited.status_code == 302
        assert Competition.objects.get(name="人工智能训练师技能大赛").organiser == organiser
    else:
        assert _refused(created, role)
        assert _refused(edited, role)
    existing.refresh_from_db()
    assert (existing.name == "新名称") is (role == "operator")


def test_a_competition_ending_before_it_starts_answers_400_naming_ends_on(client, operator):
    client.force_login(operator)
    response = client.post(
        "/registry/showcase/competitions/new/",
        {"name": "X", "year": 2025, "starts_on": "2025-06-01", "ends_on": "2025-05-01"},
    )
    assert response.status_code == 400
    assert 'data-field="ends_on"' in response.content.decode()
    assert not Competition.objects.exists()


@pytest.mark.parametrize("role", ROLES)
def test_adding_awarding_and_removing_entries_on_the_page_is_for_operators(client, user_for, role, vendor_org):
    competition = CompetitionFactory()
    entry = CompetitionEntryFactory(competition=competition)
    _login(client, user_for(role))
    base = f"/registry/showcase/competitions/{competition.pk}/entries/"

    added = client.post(base, {"organisation": vendor_org.credit_code, "title": "新作品", "award": "third"})
    awarded = client.post(f"{base}{entry.pk}/award/", {"award": "winner"})
    removed_target = CompetitionEntryFactory(competition=competition, title="待删除")
    removed = client.post(f"{base}{removed_target.pk}/remove/")

    operator = role == "operator"
    if operator:
        assert added.status_code == awarded.status_code == removed.status_code == 302
    else:
        assert _refused(added, role)
        assert _refused(awarded, role)
        assert _refused(removed, role)
    entry.refresh_from_db()
    assert CompetitionEntry.objects.filter(title="新作品", award="third").exists() is operator
    assert (entry.award == "winner") is operator
    assert CompetitionEntry.objects.filter(pk=removed_target.pk).exists() is not operator


def test_a_duplicate_entry_on_the_page_answers_400_naming_the_title(client, operator, vendor_org):
    competition = CompetitionFactory()
    CompetitionEntryFactory(competition=competition, organisation=vendor_org, title="作品")
    client.force_login(operator)
    response = client.post(
        f"/registry/showcase/competitions/{competition.pk}/entries/",
        {"organisation": vendor_org.credit_code, "title": "作品", "award": "none"},
    )
    assert response.status_code == 400
    assert 'data-field="title"' in response.content.decode()
    assert CompetitionEntry.objects.count() == 1


def test_empty_states(client):
    assert 'data-testid="empty-cases"' in client.get("/registry/showcase/").content.decode()
    assert 'data-testid="empty-competitions"' in client.get("/registry/showcase/competitions/").content.decode()
    competition = CompetitionFactory()
    html = client.get(f"/registry/showcase/competitions/{competition.pk}/").content.decode()
    assert 'data-testid="empty-entries"' in html


def test_showcase_pages_use_a_bounded_number_of_queries(client, operator, django_assert_max_num_queries):
    for _ in range(25):
        ExcellentCaseFactory()
    competitions = [CompetitionFactory() for _ in range(25)]
    for _ in range(10):
        CompetitionEntryFactory(competition=competitions[0], award="winner")
    client.force_login(operator)
    with django_assert_max_num_queries(10):
        assert client.get("/registry/showcase/").status_code == 200
    with django_assert_max_num_queries(10):
        assert client.get("/registry/showcase/competitions/").status_code == 200
    with django_assert_max_num_queries(10):
        assert client.get(f"/registry/showcase/competitions/{competitions[0].pk}/").status_code == 200
