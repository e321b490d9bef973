import pytest

from marketplace.models import CatalogueEntry
from portal.audit.models import AuditEntry
from registry.roles import OrganisationKind
from tests.factories import OrganisationFactory
from tests.factories.marketplace import CatalogueEntryFactory, agency_staff, buyer_of
from tests.marketplace.api.conftest import ROLES, refused

pytestmark = pytest.mark.django_db


def _entry_body(organisation, **overrides):
    return {
        "agency": organisation.pk,
        "dataset": "12345 政务热线工单文本",
        "description": "2023-2024 年脱敏工单。",
        "sector": "government_services",
        "modality": "text",
        "volume": 3_000_000,
        "volume_unit": "item",
        "openness": "conditional",
        "annotation_needs": "诉求分类、情感倾向、实体抽取。",
        **overrides,
    }


@pytest.mark.parametrize("role", ROLES)
def test_the_catalogue_is_public(as_role, buyer_user, role):
    entry = CatalogueEntryFactory(actor=buyer_user)
    client, _user = as_role(role, owner=buyer_user)

    listing = client.get("/api/v1/catalogue/")
    detail = client.get(f"/api/v1/catalogue/{entry.pk}/")

    assert listing.status_code == detail.status_code == 200
    assert [row["id"] for row in listing.json()["results"]] == [entry.pk]
    assert detail.json()["agency_name"] == buyer_of(buyer_user).name
    assert detail.json()["volume"] == 2_000_000


def test_the_catalogue_filters(api_client):
    agency = OrganisationFactory(kind=OrganisationKind.AGENCY, verified=True)
    match = CatalogueEntryFactory(actor=agency_staff(agency), dataset="城市道路视频", modality="video", openness="open")
    CatalogueEntryFactory(actor=agency_staff(agency), dataset="城市道路图像", modality="image", openness="open")
    CatalogueEntryFactory(dataset="城市道路视频（他局）", modality="video", openness="open")
    CatalogueEntryFactory(
        actor=agency_staff(agency), dataset="城市道路视频（受限）", modality="video", openness="restricted"
    )

    response = api_client.get(
        "/api/v1/catalogue/",
        {"q": "道路", "sector": "transport", "modality": "video", "openness": "open", "agency": agency.pk},
    )

    assert [row["id"] for row in response.json()["results"]] == [match.pk]


@pytest.mark.parametrize(
    ("params", "field"),
    [({"sector": "space"}, "sector"), ({"openness": "secret"}, "openness"), ({"agency": 999_999}, "agency")],
)
def test_bad_catalogue_filters_answer_400(api_client, params, field):
    response = api_client.get("/api/v1/catalogue/", params)
    assert response.status_code == 400
    assert field in response.json()["fields"]


def test_the_catalogue_list_costs_a_fixed_number_of_queries(api_client, django_assert_max_num_queries):
    for _ in range(5):
        CatalogueEntryFactory()
    with django_assert_max_num_queries(2):
        response = api_client.get("/api/v1/catalogue/")
    assert response.json()["count"] == 5


@pytest.mark.parametrize("role", ROLES)
def test_publishing_an_entry_is_for_the_agencys_staff(as_role, buyer_user, role):
    client, user = as_role(role, owner=buyer_user)

    response = client.post("/api/v1/catalogue/", _entry_body(buyer_of(buyer_user)), format="json")

    if role == "owner":
        assert response.status_code == 201, response.json()
        entry = CatalogueEntry.objects.get()
        assert response.json()["id"] == entry.pk
        assert entry.agency == buyer_of(buyer_user)
        assert AuditEntry.objects.filter(action="catalogue.create", object_id=str(entry.pk), actor=user).exists()
    else:
        assert refused(response, role)
        assert not CatalogueEntry.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [({"sector": "space"}, "sector"), ({"volume": "many"}, "volume"), ({"agency": 999_999}, "agency")],
)
def test_a_bad_entry_answers_400(api_client, buyer_user, overrides, field):
    api_client.force_authenticate(buyer_user)
    response = api_client.post("/api/v1/catalogue/", _entry_body(buyer_of(buyer_user), **overrides), format="json")
    assert response.status_code == 400
    assert field in response.json()["fields"]
    assert not CatalogueEntry.objects.exists()


@pytest.mark.parametrize("role", ROLES)
def test_editing_an_entry_is_for_the_agencys_staff(as_role, buyer_user, role):
    entry = CatalogueEntryFactory(actor=buyer_user)
    client, user = as_role(role, owner=buyer_user)

    response = client.patch(f"/api/v1/catalogue/{entry.pk}/", {"openness": "open"}, format="json")

    entry.refresh_from_db()
    if role == "owner":
        assert response.status_code == 200, response.json()
        assert response.json()["openness"] == entry.openness == "open"
        assert AuditEntry.objects.filter(action="catalogue.update", object_id=str(entry.pk), actor=user).exists()
    else:
        assert refused(response, role)
        assert entry.openness == "conditional"
