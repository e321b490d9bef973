"""/api/v1/saved-searches/: each person lists, creates and deletes their own."""

import pytest

from marketplace.models import SavedSearch
from tests.marketplace.api.conftest import ROLES

pytestmark = pytest.mark.django_db

URL = "/api/v1/saved-searches/"


@pytest.fixture
def owner(vendor_user):
    return vendor_user


@pytest.fixture
def owned(owner, save_search):
    return save_search(owner, name="四川遥感", text="遥感", region_code="510000")


@pytest.mark.parametrize("role", ROLES)
def test_only_the_owner_sees_and_deletes_a_search(as_role, owner, owned, role):
    client, _user = as_role(role, owner=owner)

    listing = client.get(URL)
    one = client.get(f"{URL}{owned.pk}/")
    deleted = client.delete(f"{URL}{owned.pk}/")

    if role == "anonymous":
        assert listing.status_code == one.status_code == deleted.status_code == 401
        assert SavedSearch.objects.filter(pk=owned.pk).exists()
    elif role == "owner":
        assert [row["id"] for row in listing.json()["results"]] == [owned.pk]
        assert one.json()["region"] == "510000"
        assert deleted.status_code == 204
        assert not SavedSearch.objects.filter(pk=owned.pk).exists()
    else:
        assert listing.json()["results"] == []
        assert one.status_code == deleted.status_code == 404
        assert SavedSearch.objects.filter(pk=owned.pk).exists()


@pytest.mark.parametrize("role", ROLES)
def test_any_signed_in_person_saves_their_own_searches(as_role, owner, role):
    client, user = as_role(role, owner=owner)

    response = client.post(URL, {"name": "交通视频", "sector": "transport", "modality": "video"}, format="json")

    if role == "anonymous":
        assert response.status_code == 401
        assert not SavedSearch.objects.exists()
        return
    assert response.status_code == 201
    body = response.json()
    search = SavedSearch.objects.get()
    assert search.user == user
    assert body["id"] == search.pk
    assert {k: body[k] for k in ("name", "text", "region", "sector", "modality", "budget_min_fen")} == {
        "name": "交通视频",
        "text": "",
        "region": None,
        "sector": "transport",
        "modality": "video",
        "budget_min_fen": None,
    }


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "name"),
        ({"name": " "}, "name"),
        ({"name": "x", "region": "999999"}, "region"),
        ({"name": "x", "sector": "astrology"}, "sector"),
        ({"name": "x", "budget_min_fen": 2, "budget_max_fen": 1}, "budget_max_fen"),
        ({"name": "x", "budget_min_fen": -1}, "budget_min_fen"),
    ],
)
def test_invalid_searches_answer_400_and_save_nothing(api_client, owner, body, field):
    api_client.force_authenticate(owner)

    response = api_client.post(URL, body, format="json")

    assert response.status_code == 400
    assert field in response.json()["fields"]
    assert not SavedSearch.objects.exists()


def test_the_list_takes_a_bounded_number_of_queries(api_client, owner, save_search, django_assert_max_num_queries):
    for n in range(10):
        save_search(owner, name=f"search {n}", region_code="510000")
    api_client.force_authenticate(owner)
    with django_assert_max_num_queries(2):  # count, page
        response = api_client.get(URL)
    assert len(response.json()["results"]) == 10
