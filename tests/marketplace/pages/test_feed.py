"""The Atom feed: valid Atom with absolute links, the list's filters, public tenders only."""

from __future__ import annotations

from xml.etree.ElementTree import Element

import pytest
from defusedxml import ElementTree
from django.urls import reverse

from registry.taxonomy import Sector
from tests.factories.marketplace import TenderFactory

pytestmark = pytest.mark.django_db

FEED = reverse("marketplace:feed")
ATOM = "{http://www.w3.org/2005/Atom}"


def _entries(response) -> list[Element]:
    root = ElementTree.fromstring(response.content)
    assert root.tag == f"{ATOM}feed"
    return root.findall(f"{ATOM}entry")


def test_the_feed_is_atom_with_an_entry_per_published_tender(client, open_tender, draft, agency_user):
    TenderFactory(actor=agency_user, publish=True, title="医疗影像标注", sector=Sector.HEALTHCARE)
    response = client.get(FEED)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    entries = _entries(response)
    titles = [entry.findtext(f"{ATOM}title") for entry in entries]
    assert titles[1] == f"{open_tender.reference} {open_tender.title}"
    assert len(titles) == 2  # not the draft
    link = entries[1].find(f"{ATOM}link").get("href")
    assert link == f"http://testserver{reverse('marketplace:tender-detail', kwargs={'pk': open_tender.pk})}"
    assert entries[1].findtext(f"{ATOM}author/{ATOM}name") == open_tender.buyer.name
    assert "500,000.00" in entries[1].findtext(f"{ATOM}summary")


def test_the_feed_honours_the_list_filters(client, open_tender, agency_user):
    TenderFactory(actor=agency_user, publish=True, title="医疗影像标注", sector=Sector.HEALTHCARE)
    entries = _entries(client.get(f"{FEED}?sector=healthcare"))
    assert [entry.findtext(f"{ATOM}title").split(" ", 1)[1] for entry in entries] == ["医疗影像标注"]
    root = ElementTree.fromstring(client.get(f"{FEED}?sector=healthcare").content)
    self_link = next(link for link in root.findall(f"{ATOM}link") if link.get("rel") == "self")
    assert self_link.get("href") == f"http://testserver{FEED}?sector=healthcare"


def test_the_feed_keeps_the_latest_fifty(client, agency_user):
    for number in range(52):
        TenderFactory(actor=agency_user, publish=True, title=f"项目{number}")
    assert len(_entries(client.get(FEED))) == 50


def test_the_feed_refuses_invalid_filters(client):
    response = client.get(f"{FEED}?budget_min=lots")
    assert response.status_code == 400


def test_the_feed_shows_no_draft_even_to_its_buyer(client, agency_user, draft):
    client.force_login(agency_user)
    assert _entries(client.get(FEED)) == []
