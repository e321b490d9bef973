"""/api/ocds/: a tender's release package and record, and the cursor-paginated feed of all releases."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from marketplace.models import Release
from marketplace.ocds import encoding
from marketplace.ocds.api import cursor_for
from marketplace.ocds.build import ocid_of

pytestmark = pytest.mark.django_db
ERROR_KEYS = {"code", "message", "fields"}
JSON_UTF8 = "application/json; charset=utf-8"


def _json(response) -> dict:
    assert response["Content-Type"] == JSON_UTF8
    return encoding.loads(response.content.decode())


def _release_ids(**filters) -> list[str]:
    return list(Release.objects.filter(**filters).order_by("pk").values_list("release_id", flat=True))


@pytest.fixture(params=["anonymous", "vendor", "owner", "regulator", "operator"])
def anyone(request, api_client, open_data, vendor_user, regulator_other_region, operator):
    """The endpoints are public: every role gets the same answer."""
    users = {
        "vendor": vendor_user,
        "owner": open_data.catalogued.created_by,
        "regulator": regulator_other_region,
        "operator": operator,
    }
    if request.param in users:
        api_client.force_authenticate(users[request.param])
    return api_client


def test_a_tenders_release_package_holds_its_releases_oldest_first(anyone, open_data, django_assert_max_num_queries):
    tender = open_data.catalogued
    with django_assert_max_num_queries(3):
        response = anyone.get(f"/api/ocds/tenders/{tender.pk}/releases/")

    assert response.status_code == 200
    package = _json(response)
    assert package["uri"] == f"http://testserver/api/ocds/tenders/{tender.pk}/releases/"
    assert package["version"] == "1.1"
    assert [release["id"] for release in package["releases"]] == _release_ids(tender=tender)
    assert {release["ocid"] for release in package["releases"]} == {ocid_of(tender.pk)}
    assert package["publishedDate"] == package["releases"][-1]["date"]
    assert [release["tag"] for release in package["releases"]] == [["planning", "tender"], ["tenderAmendment"]]


def test_a_tenders_record_has_linked_releases_and_the_compiled_release(anyone, open_data):
    tender = open_data.cancelled

    response = anyone.get(f"/api/ocds/tenders/{tender.pk}/record/")

    assert response.status_code == 200
    package = _json(response)
    releases_url = f"http://testserver/api/ocds/tenders/{tender.pk}/releases/"
    assert package["packages"] == [releases_url]
    [record] = package["records"]
    assert record["ocid"] == ocid_of(tender.pk)
    assert [linked["url"] for linked in record["releases"]] == [
        f"{releases_url}#{release_id}" for release_id in _release_ids(tender=tender)
    ]
    compiled = record["compiledRelease"]
    assert compiled["tag"] == ["compiled"]
    assert compiled["tender"]["status"] == "cancelled"
    assert compiled["tender"]["statusDetails"] == "预算调整，项目暂缓。"


@pytest.mark.parametrize("endpoint", ["releases", "record"])
def test_drafts_and_unknown_tenders_answer_404(anyone, open_data, endpoint):
    for tender_id in (open_data.draft.pk, 999_999):
        response = anyone.get(f"/api/ocds/tenders/{tender_id}/{endpoint}/")

        assert response.status_code == 404
        assert set(response.json()) == ERROR_KEYS
        assert response.json()["code"] == "not_found"


def test_the_feed_walks_every_release_exactly_once_in_order(api_client, open_data, django_assert_max_num_queries):
    seen, pages = [], 0
    url = "/api/ocds/releases/?limit=4"
    while url:
        with django_assert_max_num_queries(1):
            response = api_client.get(url)
        assert response.status_code == 200
        page = _json(response)
        pages += 1
        assert len(page["releases"]) <= 4
        seen += [release["id"] for release in page["releases"]]
        next_url = page.get("links", {}).get("next")
        if next_url:
            assert next_url.startswith("http://testserver/api/ocds/releases/?cursor=")
            parts = urlsplit(next_url)
            url = f"{parts.path}?{parts.query}"
        else:
            url = None

    assert seen == _release_ids()
    assert pages == -(-len(seen) // 4)


def test_the_feed_pages_100_releases_by_default(api_client, open_data):
    response = api_client.get("/api/ocds/releases/")

    package = _json(response)
    assert [release["id"] for release in package["releases"]] == _release_ids()  # fewer than 100 here
    assert "links" not in package
    assert package["publishedDate"] == package["releases"][-1]["date"]


def test_a_cursor_continues_after_the_release_it_names(api_client, open_data):
    first = Release.objects.order_by("pk").first()

    response = api_client.get(f"/api/ocds/releases/?cursor={cursor_for(first.pk)}&limit=1")

    [release] = _json(response)["releases"]
    assert release["id"] == _release_ids()[1]


def test_an_empty_feed_is_an_empty_package(api_client, db):
    response = api_client.get("/api/ocds/releases/")

    assert response.status_code == 200
    assert _json(response)["releases"] == []


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("cursor=garbage", "cursor"),
        ("cursor=" + "YWZ0ZXI6LTE", "cursor"),  # "after:-1"
        ("cursor=%E2%9C%93", "cursor"),
        ("limit=0", "limit"),
        ("limit=1001", "limit"),
        ("limit=ten", "limit"),
    ],
)
def test_a_bad_cursor_or_limit_answers_400_naming_it(api_client, open_data, query, field):
    response = api_client.get(f"/api/ocds/releases/?{query}")

    assert response.status_code == 400
    body = response.json()
    assert set(body) == ERROR_KEYS
    assert body["code"] == "invalid"
    assert list(body["fields"]) == [field]


def test_the_openapi_schema_documents_the_ocds_endpoints(api_client):
    response = api_client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")

    paths = response.json()["paths"]
    assert {"/api/ocds/tenders/{tender_id}/releases/", "/api/ocds/tenders/{tender_id}/record/"} <= set(paths)
    feed = paths["/api/ocds/releases/"]["get"]
    assert {parameter["name"] for parameter in feed["parameters"]} == {"cursor", "limit"}
