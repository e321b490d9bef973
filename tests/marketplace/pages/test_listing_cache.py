"""Anonymous visitors get the tender search from the cache; any public change invalidates it; a
visitor with a session never gets a cached page."""

import pytest
from django.core.cache import cache

from marketplace import services
from tests.factories.marketplace import TenderFactory, agency_staff

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _cache_on(settings):
    settings.TENDER_LIST_CACHE_SECONDS = 60
    cache.clear()
    yield
    cache.clear()


def test_an_anonymous_visitor_is_served_from_the_cache(client, django_assert_max_num_queries):
    tender = TenderFactory(publish=True)
    first = client.get("/tenders/")
    with django_assert_max_num_queries(0):
        second = client.get("/tenders/")
    assert first.content == second.content
    assert tender.title in second.content.decode()
    assert "csrfmiddlewaretoken" not in second.content.decode()


def test_a_publication_invalidates_the_cached_list(client, django_capture_on_commit_callbacks):
    client.get("/tenders/")
    with django_capture_on_commit_callbacks(execute=True):
        tender = TenderFactory(publish=True)
    assert tender.title in client.get("/tenders/").content.decode()


def test_a_cancellation_invalidates_the_cached_list(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        tender = TenderFactory(publish=True)
    before = client.get("/tenders/?state=cancelled").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        services.tender_cancel(actor=tender.created_by, tender=tender, reason="取消")
    assert tender.title not in before
    assert tender.title in client.get("/tenders/?state=cancelled").content.decode()


def test_filters_and_languages_are_cached_apart(client):
    TenderFactory(publish=True, title="遥感影像标注")
    TenderFactory(publish=True, title="语音转写标注")
    assert "语音转写标注" not in client.get("/tenders/?q=遥感").content.decode()
    assert "遥感影像标注" not in client.get("/tenders/?q=语音").content.decode()
    client.cookies["django_language"] = "en"
    assert 'lang="en"' in client.get("/tenders/?q=遥感").content.decode()


def test_a_signed_in_visitor_is_never_served_from_the_cache(client):
    buyer = agency_staff()
    draft = TenderFactory(actor=buyer)
    client.get("/tenders/")  # an anonymous page is cached
    client.force_login(buyer)
    page = client.get("/tenders/").content.decode()
    assert draft.title in page  # the buyer's own draft: rendered for the buyer, not from the cache
