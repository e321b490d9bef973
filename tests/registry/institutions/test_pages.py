import pytest

from portal.audit.models import AuditEntry
from registry.institutions.models import InstitutionService, NeedStatus, ServiceNeed, ServiceResponse
from registry.roles import OrganisationKind
from tests.factories import OrganisationFactory, UserFactory
from tests.factories.institutions import InstitutionServiceFactory, ServiceNeedFactory, ServiceResponseFactory
from tests.registry.institutions.conftest import ROLES

pytestmark = pytest.mark.django_db

SEES_NEED = {"owner", "institution", "operator"}


def _login(client, user):
    if user is not None:
        client.force_login(user)


def _to_login(response):
    return response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("role", ROLES)
def test_the_directory_is_public_and_lists_verified_institutions_with_their_offers(client, user_for, role, institution):
    hidden = OrganisationFactory(name="未核验机构", kind=OrganisationKind.THIRD_PARTY, verified=False)
    InstitutionServiceFactory(organisation=hidden, category="finance")
    _login(client, user_for(role))
    response = client.get("/registry/institutions/")
    html = response.content.decode()
    assert response.status_code == 200
    assert institution.name in html
    assert "未核验机构" not in html


def test_the_directory_filters_by_category_and_region(client, institution):
    hangzhou = OrganisationFactory(
        name="杭州财税", kind=OrganisationKind.THIRD_PARTY, region_code="330100", verified=True
    )
    InstitutionServiceFactory(organisation=hangzhou, category="finance")
    finance = client.get("/registry/institutions/", {"category": "finance"}).content.decode()
    guangdong = client.get("/registry/institutions/", {"region": "440000"}).content.decode()
    nothing = client.get("/registry/institutions/", {"category": "legal_audit"}).content.decode()
    assert "杭州财税" in finance
    assert institution.name not in finance
    assert institution.name in guangdong
    assert "杭州财税" not in guangdong
    assert 'data-testid="empty-institutions"' in nothing


@pytest.mark.parametrize("role", ROLES)
def test_offering_a_category_on_the_page_is_for_the_institutions_managing_staff(client, user_for, role, institution):
    user = user_for(role)
    _login(client, user)
    page = client.get("/registry/institutions/offers/")
    response = client.post(
        "/registry/institutions/offers/", {"organisation": institution.pk, "category": "finance", "description": "审计"}
    )
    offered = InstitutionService.objects.filter(organisation=institution, category="finance").exists()
    if role == "anonymous":
        assert _to_login(page)
        assert _to_login(response)
    elif role == "institution":
        assert page.status_code == 200
        assert response.status_code == 302
        assert AuditEntry.objects.filter(action="institution_service.offer", actor=user).exists()
    else:
        assert page.status_code == 200
        assert response.status_code == 403
        assert 'data-testid="no-institution"' in page.content.decode()
    assert offered is (role == "institution")


def test_an_institution_manager_cannot_offer_for_an_institution_they_do_not_manage(client, institution_staff):
    other = OrganisationFactory(kind=OrganisationKind.THIRD_PARTY, verified=True)
    client.force_login(institution_staff)
    response = client.post("/registry/institutions/offers/", {"organisation": other.pk, "category": "finance"})
    assert response.status_code == 400
    assert 'data-field="organisation"' in response.content.decode()
    assert not InstitutionService.objects.filter(organisation=other).exists()


@pytest.mark.parametrize("role", ROLES)
def test_withdrawing_an_offer_on_the_page_is_for_the_institutions_managing_staff(client, user_for, role, institution):
    offer = institution.institution_services.get()
    _login(client, user_for(role))
    response = client.post(f"/registry/institutions/offers/{offer.pk}/withdraw/")
    allowed = role in {"institution", "operator"}
    if role == "anonymous":
        assert _to_login(response)
    else:
        assert response.status_code == (302 if allowed else 403)
    assert InstitutionService.objects.filter(pk=offer.pk).exists() is not allowed


@pytest.mark.parametrize("role", ROLES)
def test_the_need_list_shows_a_need_to_those_who_may_see_it(client, user_for, role, need):
    _login(client, user_for(role))
    response = client.get("/registry/institutions/needs/")
    if role == "anonymous":
        assert _to_login(response)
        return
    assert response.status_code == 200
    html = response.content.decode()
    assert (need.title in html) is (role in SEES_NEED)
    assert ('data-testid="empty-needs"' in html) is (role not in SEES_NEED)


@pytest.mark.parametrize("role", ROLES)
def test_posting_a_need_on_the_page_is_for_the_organisations_managing_staff(client, user_for, role, need_org):
    user = user_for(role)
    _login(client, user)
    page = client.get("/registry/institutions/needs/post/")
    response = client.post(
        "/registry/institutions/needs/post/",
        {
            "organisation": need_org.pk,
            "category": "human_resources",
            "region": "440305",
            "title": "标注员招聘外包",
            "description": "招聘 50 名图像标注员。",
            "budget_fen": "20,000",
        },
    )
    if role == "anonymous":
        assert _to_login(page)
        assert _to_login(response)
    elif role == "owner":
        need = ServiceNeed.objects.get(title="标注员招聘外包")
        assert page.status_code == 200
        assert response.status_code == 302
        assert response["Location"] == f"/registry/institutions/needs/{need.pk}/"
        assert need.budget_fen == 2_000_000
        assert AuditEntry.objects.filter(action="service_need.post", actor=user).exists()
    else:
        assert page.status_code == 200
        assert response.status_code == 400
    assert ServiceNeed.objects.filter(title="标注员招聘外包").exists() is (role == "owner")


@pytest.mark.parametrize(
    ("fields", "field"),
    [({"region": "999999"}, "region"), ({"budget_fen": "-5"}, "budget_fen"), ({"title": ""}, "title")],
)
def test_bad_need_input_on_the_page_answers_400_naming_the_field(client, need_org, need_owner, fields, field):
    client.force_login(need_owner)
    data = {"organisation": need_org.pk, "category": "finance", "region": "440305", "title": "T", "description": "D"}
    response = client.post("/registry/institutions/needs/post/", {**data, **fields})
    assert response.status_code == 400
    assert f'data-field="{field}"' in response.content.decode()
    assert not ServiceNeed.objects.exists()


def test_someone_managing_no_enterprise_sees_why_they_cannot_post(client):
    client.force_login(UserFactory())
    assert 'data-testid="no-poster"' in client.get("/registry/institutions/needs/post/").content.decode()


@pytest.mark.parametrize("role", ROLES)
def test_the_need_page_answers_404_to_those_who_may_not_see_it(client, user_for, role, need):
    _login(client, user_for(role))
    response = client.get(f"/registry/institutions/needs/{need.pk}/")
    if role == "anonymous":
        assert _to_login(response)
        return
    assert response.status_code == (200 if role in SEES_NEED else 404)
    if response.status_code == 200:
        html = response.content.decode()
        assert ('data-testid="response-form"' in html) is (role == "institution")
        assert ('data-testid="need-close-form"' in html) is (role in {"owner", "operator"})


@pytest.mark.parametrize("role", ROLES)
def test_suggested_institutions_are_shown_to_the_posting_organisation(client, user_for, role, need, institution):
    _login(client, user_for(role))
    response = client.get(f"/registry/institutions/needs/{need.pk}/suggestions/")
    if role == "anonymous":
        assert _to_login(response)
        return
    allowed = role in {"owner", "operator"}
    assert response.status_code == (200 if allowed else 404)
    if allowed:
        assert institution.name in response.content.decode()


@pytest.mark.parametrize("role", ROLES)
def test_responding_on_the_page_is_for_matching_institutions(client, user_for, role, need, institution):
    user = user_for(role)
    _login(client, user)
    response = client.post(
        f"/registry/institutions/needs/{need.pk}/respond/",
        {"institution": institution.pk, "message": "可以承接", "quote_fen": "30000"},
    )
    if role == "anonymous":
        assert _to_login(response)
    elif role == "institution":
        assert response.status_code == 302
        assert ServiceResponse.objects.get().quote_fen == 3_000_000
    elif role in SEES_NEED:
        assert response.status_code == 403
    else:
        assert response.status_code == 404
    assert ServiceResponse.objects.exists() is (role == "institution")


def test_responding_twice_on_the_page_answers_409(client, need, institution, institution_staff):
    client.force_login(institution_staff)
    url = f"/registry/institutions/needs/{need.pk}/respond/"
    first = client.post(url, {"institution": institution.pk, "message": "报价一"})
    second = client.post(url, {"institution": institution.pk, "message": "报价二"})
    assert (first.status_code, second.status_code) == (302, 409)
    assert list(ServiceResponse.objects.values_list("message", flat=True)) == ["报价一"]


@pytest.mark.parametrize("role", ROLES)
def test_choosing_on_the_page_is_for_the_posting_organisation(
    client, user_for, role, need, institution, institution_staff
):
    from registry.institutions import services

    response = services.response_submit(actor=institution_staff, need=need, institution=institution, message="报价")
    user = user_for(role)
    _login(client, user)
    answer = client.post(f"/registry/institutions/needs/{need.pk}/choose/", {"response": response.pk})
    allowed = role in {"owner", "operator"}
    if role == "anonymous":
        assert _to_login(answer)
    elif allowed:
        assert answer.status_code == 302
        assert AuditEntry.objects.filter(action="service_need.choose", actor=user).exists()
    else:
        assert answer.status_code == (403 if role == "institution" else 404)
    need.refresh_from_db()
    assert (need.status == NeedStatus.MATCHED) is allowed


@pytest.mark.parametrize("role", ROLES)
def test_closing_on_the_page_is_for_the_posting_organisation(client, user_for, role, need):
    _login(client, user_for(role))
    answer = client.post(f"/registry/institutions/needs/{need.pk}/close/")
    allowed = role in {"owner", "operator"}
    if role == "anonymous":
        assert _to_login(answer)
    elif allowed:
        assert answer.status_code == 302
    else:
        assert answer.status_code == (403 if role == "institution" else 404)
    need.refresh_from_db()
    assert (need.status == NeedStatus.CLOSED) is allowed


def test_choosing_on_a_closed_need_answers_409_and_a_foreign_response_400(client, need, need_owner, need_org):
    response = ServiceResponseFactory(need=need)
    foreign = ServiceResponseFactory(need=ServiceNeedFactory(organisation=need_org))
    client.force_login(need_owner)
    wrong = client.post(f"/registry/institutions/needs/{need.pk}/choose/", {"response": foreign.pk})
    client.post(f"/registry/institutions/needs/{need.pk}/close/")
    late = client.post(f"/registry/institutions/needs/{need.pk}/choose/", {"response": response.pk})
    assert (wrong.status_code, late.status_code) == (400, 409)
    need.refresh_from_db()
    assert need.chosen_response is None


def test_the_need_page_walks_the_whole_journey(client, need, need_owner, institution, institution_staff):
    client.force_login(institution_staff)
    client.post(f"/registry/institutions/needs/{need.pk}/respond/", {"institution": institution.pk, "message": "可以"})
    client.force_login(need_owner)
    page = client.get(f"/registry/institutions/needs/{need.pk}/").content.decode()
    assert institution.name in page
    assert 'data-testid="suggestion-table"' in page
    response = ServiceResponse.objects.get()
    client.post(f"/registry/institutions/needs/{need.pk}/choose/", {"response": response.pk})
    page = client.get(f"/registry/institutions/needs/{need.pk}/").content.decode()
    assert 'data-testid="chosen"' in page


def test_need_pages_use_a_bounded_number_of_queries(client, need_org, need_owner, django_assert_max_num_queries):
    needs = [ServiceNeedFactory(organisation=need_org, actor=need_owner) for _ in range(25)]
    for _ in range(5):
        ServiceResponseFactory(need=needs[0])
    client.force_login(need_owner)
    with django_assert_max_num_queries(12):
        assert client.get("/registry/institutions/needs/").status_code == 200
    with django_assert_max_num_queries(16):
        assert client.get(f"/registry/institutions/needs/{needs[0].pk}/").status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get(f"/registry/institutions/needs/{needs[0].pk}/suggestions/").status_code == 200
    with django_assert_max_num_queries(10):
        assert client.get("/registry/institutions/").status_code == 200
