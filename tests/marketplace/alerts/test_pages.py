"""The saved-searches page and the search page's "Save this search" button."""

import pytest
from django.urls import reverse

from marketplace.models import SavedSearch
from registry.taxonomy import Modality, Sector

pytestmark = pytest.mark.django_db

PAGE = "/tenders/alerts/"


@pytest.fixture
def english(client):
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def as_vendor(english, vendor_user):
    english.force_login(vendor_user)
    return english


def test_anonymous_visitors_are_sent_to_sign_in(english, vendor_user, save_search):
    search = save_search(vendor_user)
    for response in (
        english.get(PAGE),
        english.post(PAGE, {"name": "遥感"}),
        english.post(reverse("marketplace:saved-search-delete", args=[search.pk])),
    ):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))
    assert list(SavedSearch.objects.values_list("pk", flat=True)) == [search.pk]


def test_the_page_lists_only_the_users_own_searches(as_vendor, vendor_user, other_vendor_user, save_search):
    save_search(vendor_user, name="四川遥感", text="遥感", region_code="510000", sector=Sector.AGRICULTURE)
    save_search(other_vendor_user, name="别人的搜索")

    response = as_vendor.get(PAGE, HTTP_ACCEPT_LANGUAGE="en")

    page = response.content.decode()
    assert response.status_code == 200
    assert "Saved searches" in page
    assert "四川遥感" in page
    assert "agriculture" in page
    assert "别人的搜索" not in page
    assert page.count('data-testid="saved-search"') == 1
    assert "/tenders/?q=%E9%81%A5%E6%84%9F&amp;region=510000&amp;sector=agriculture" in page


def test_an_empty_page_says_so(as_vendor):
    page = as_vendor.get(PAGE, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'data-testid="empty-saved-searches"' in page


def test_posting_the_form_saves_a_search(as_vendor, vendor_user):
    response = as_vendor.post(
        PAGE,
        {
            "name": "成都视频",
            "q": "交通",
            "region": "510100",
            "sector": Sector.TRANSPORT,
            "modality": Modality.VIDEO,
            "budget_min": "1000",
            "budget_max": "500000.50",
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 302
    assert response["Location"] == PAGE
    search = SavedSearch.objects.get(user=vendor_user)
    assert (search.name, search.text, search.region_id) == ("成都视频", "交通", "510100")
    assert (search.sector, search.modality) == (Sector.TRANSPORT, Modality.VIDEO)
    assert (search.budget_min_fen, search.budget_max_fen) == (100_000, 50_000_050)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "遥感", "budget_min": "20", "budget_max": "10"}, "budget_max"),
        ({"name": "遥感", "budget_min": "lots"}, "budget_min"),
        ({"name": "遥感", "sector": "astrology"}, "sector"),
        ({"name": "遥感", "region": "999999"}, "region"),
    ],
)
def test_invalid_forms_answer_400_with_the_error_and_save_nothing(as_vendor, data, field):
    response = as_vendor.post(PAGE, data, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400
    assert f'data-field="{field}"' in response.content.decode()
    assert not SavedSearch.objects.exists()


def test_a_duplicate_name_is_shown_on_the_name_field(as_vendor, vendor_user, save_search):
    save_search(vendor_user, name="遥感")
    response = as_vendor.post(PAGE, {"name": "遥感", "q": "影像"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "You already have a saved search with this name." in response.content.decode()
    assert SavedSearch.objects.get(user=vendor_user).text == ""


def test_the_search_pages_filters_prefill_the_form(as_vendor):
    response = as_vendor.get(
        PAGE,
        {"q": "遥感", "region": "510000", "sector": "agriculture", "budget_min": "1000", "state": "open"},
        HTTP_ACCEPT_LANGUAGE="en",
    )

    form = response.context["form"]
    assert not form.is_bound
    assert form.initial == {
        "name": "遥感",
        "q": "遥感",
        "region": "510000",
        "sector": "agriculture",
        "budget_min": "1000",
    }
    assert 'value="1000"' in response.content.decode()


def test_an_htmx_request_is_redirected_to_the_whole_page(as_vendor):
    response = as_vendor.get(PAGE, {"q": "遥感"}, HTTP_HX_REQUEST="true")
    assert response["HX-Redirect"] == f"{PAGE}?q=%E9%81%A5%E6%84%9F"


def test_delete_removes_the_users_own_search(as_vendor, vendor_user, save_search):
    search = save_search(vendor_user)
    response = as_vendor.post(reverse("marketplace:saved-search-delete", args=[search.pk]))
    assert response.status_code == 302
    assert response["Location"] == PAGE
    assert not SavedSearch.objects.exists()


def test_someone_elses_search_cannot_be_deleted(as_vendor, other_vendor_user, save_search):
    search = save_search(other_vendor_user)
    response = as_vendor.post(reverse("marketplace:saved-search-delete", args=[search.pk]), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 404
    assert SavedSearch.objects.filter(pk=search.pk).exists()


def test_deleting_needs_a_post(as_vendor, vendor_user, save_search):
    search = save_search(vendor_user)
    assert as_vendor.get(reverse("marketplace:saved-search-delete", args=[search.pk])).status_code == 405
    assert SavedSearch.objects.exists()


@pytest.mark.parametrize("signed_in", [False, True])
def test_the_search_page_offers_to_save_the_search_to_signed_in_people(english, vendor_user, signed_in):
    if signed_in:
        english.force_login(vendor_user)

    page = english.get("/tenders/", {"q": "遥感"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert ('data-testid="save-search"' in page) is signed_in
    if signed_in:
        assert f'formaction="{PAGE}"' in page
        assert "Save this search" in page


def test_the_page_takes_a_bounded_number_of_queries(as_vendor, vendor_user, save_search, django_assert_max_num_queries):
    for n in range(10):
        save_search(vendor_user, name=f"search {n}", region_code="510000")
    # session, user, regions for the select, searches with their regions, subnav roles, unread count
    with django_assert_max_num_queries(7):
        response = as_vendor.get(PAGE, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
