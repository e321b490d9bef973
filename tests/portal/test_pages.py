import re

import pytest

from registry.models import Organisation
from registry.roles import OrganisationKind
from tests.factories import OrganisationFactory, UserFactory, valid_credit_code

pytestmark = pytest.mark.django_db

PUBLIC_PAGES = [
    "/",
    "/tenders/",
    "/registry/",
    "/vouchers/",
    "/monitoring/",
    "/accounts/login/",
    "/accounts/password/reset/",
    "/api/docs/",
]
EXTERNAL = re.compile(r"""(?:src|href|action)\s*=\s*["']?(?:https?:)?//""", re.IGNORECASE)


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_every_page_answers_and_references_nothing_on_another_host(client, path):
    OrganisationFactory(verified=True)
    response = client.get(path)
    assert response.status_code == 200
    html = response.content.decode()
    assert not EXTERNAL.search(html), EXTERNAL.search(html)
    assert "default-src 'self'" in response["Content-Security-Policy"]


def test_the_home_page_shows_an_empty_state_without_data(client):
    html = client.get("/").content.decode()
    assert 'data-testid="empty-registry"' in html
    assert 'data-testid="count-organisations"' not in html


def test_the_home_page_counts_verified_organisations_live(client):
    OrganisationFactory(verified=True, region_code="510100")
    OrganisationFactory(verified=True, region_code="440300", kind=OrganisationKind.ENTERPRISE)
    OrganisationFactory(verified=False)
    html = client.get("/").content.decode()
    assert re.search(r'data-testid="count-organisations">2<', html)
    assert re.search(r'data-testid="count-provinces">2<', html)


def test_the_registry_page_hides_unverified_organisations_from_the_public(client):
    visible = OrganisationFactory(name="公开公司", verified=True)
    hidden = OrganisationFactory(name="待核验公司", verified=False)
    html = client.get("/registry/").content.decode()
    assert visible.name in html
    assert hidden.name not in html
    assert client.get(f"/registry/organisations/{hidden.pk}/").status_code == 404
    assert client.get(f"/registry/organisations/{visible.pk}/").status_code == 200


def test_the_registry_page_filters_and_answers_htmx_with_the_results_only(client):
    OrganisationFactory(name="成都公司", region_code="510107", verified=True)
    OrganisationFactory(name="广州公司", region_code="440100", verified=True)
    full = client.get("/registry/", {"region": "510000"}).content.decode()
    fragment = client.get("/registry/", {"region": "510000"}, HTTP_HX_REQUEST="true").content.decode()
    assert "成都公司" in full
    assert "广州公司" not in full
    assert "<html" not in fragment
    assert "成都公司" in fragment


def test_the_registry_page_shows_an_empty_state_when_nothing_matches(client):
    html = client.get("/registry/", {"q": "不存在"}).content.decode()
    assert 'data-testid="empty-organisations"' in html


def test_the_registry_list_page_uses_a_bounded_number_of_queries(client, django_assert_max_num_queries):
    for _ in range(30):
        OrganisationFactory(verified=True)
    client.force_login(UserFactory())
    with django_assert_max_num_queries(12):
        response = client.get("/registry/")
    assert response.content.decode().count("/registry/organisations/") >= 20


def test_registering_on_the_page(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post(
        "/registry/organisations/register/",
        {
            "name": "杭州示例公司",
            "kind": "vendor",
            "credit_code": valid_credit_code(5, region_code="330100"),
            "region": "330100",
        },
    )
    organisation = Organisation.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/registry/organisations/{organisation.pk}/"
    assert client.get(response["Location"]).status_code == 200  # its member sees it before verification


@pytest.mark.parametrize(
    ("change", "field"),
    [({"credit_code": "91330100MA00000050"}, "credit_code"), ({"region": "999999"}, "region"), ({"name": ""}, "name")],
)
def test_bad_registration_answers_400_naming_the_field_and_writes_nothing(client, change, field):
    client.force_login(UserFactory())
    data = {
        "name": "杭州示例公司",
        "kind": "vendor",
        "credit_code": valid_credit_code(5, region_code="330100"),
        "region": "330100",
    }
    response = client.post("/registry/organisations/register/", data | change)
    assert response.status_code == 400
    assert f'data-field="{field}"' in response.content.decode()
    assert not Organisation.objects.exists()


def test_a_duplicate_registration_on_the_page_names_the_credit_code(client, vendor_org):
    client.force_login(UserFactory())
    data = {"name": "冒名公司", "kind": "vendor", "credit_code": vendor_org.credit_code, "region": "510100"}
    response = client.post("/registry/organisations/register/", data)
    assert response.status_code == 400
    assert 'data-field="credit_code"' in response.content.decode()
    assert Organisation.objects.count() == 1


def test_a_too_large_form_answers_400(client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    client.force_login(UserFactory())
    response = client.post("/registry/organisations/register/", {"name": "x" * 5000})
    assert response.status_code == 400
    assert not Organisation.objects.exists()


def test_operators_verify_on_the_page_and_others_cannot(client, operator):
    organisation = OrganisationFactory(verified=False)
    client.force_login(UserFactory())
    assert client.post(f"/registry/organisations/{organisation.pk}/verify/").status_code == 404
    client.force_login(operator)
    client.cookies["django_language"] = "en"
    assert "Mark as verified" in client.get(f"/registry/organisations/{organisation.pk}/").content.decode()
    response = client.post(f"/registry/organisations/{organisation.pk}/verify/")
    assert response.status_code == 302
    organisation.refresh_from_db()
    assert organisation.verified


def test_unknown_pages_answer_404_with_a_page(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert b"<html" in response.content


@pytest.mark.parametrize("path", ["/registry/", "/registry/bases/", "/registry/talent/verify/", "/registry/showcase/"])
def test_registry_pages_carry_the_registry_menu(client, path):
    html = client.get(path).content.decode()
    assert 'data-testid="registry-subnav"' in html
    assert "/registry/imports/" not in html  # the import link is for operators only


def test_the_registry_menu_offers_bulk_import_to_operators_only(client, operator):
    assert 'data-testid="registry-subnav"' not in client.get("/").content.decode()
    client.force_login(operator)
    assert "/registry/imports/" in client.get("/registry/").content.decode()
