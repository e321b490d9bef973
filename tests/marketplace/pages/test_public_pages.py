"""The public pages: the tender search (filters, errors, paging, query counts), a tender, its
opening results, and the catalogue."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from marketplace.models import Tender
from marketplace.paging import CappedPaginator
from marketplace.services import LotSpec
from registry.roles import OrganisationKind, Role
from registry.taxonomy import Modality, Sector
from tests.factories.marketplace import CatalogueEntryFactory, TenderFactory
from tests.factories.registry import MembershipFactory, OrganisationFactory

pytestmark = pytest.mark.django_db

INDEX = reverse("marketplace:index")


def _rows(html: str) -> list[str]:
    """The titles in the result table, in order."""
    return re.findall(r'<a href="/tenders/\d+/">([^<]+)</a>', html)


def _agency_in(region_code: str):
    organisation = OrganisationFactory(kind=OrganisationKind.AGENCY, region_code=region_code, verified=True)
    return MembershipFactory(organisation=organisation, role=Role.AGENCY_STAFF).user


def test_the_list_shows_published_tenders_with_their_facts(client, open_tender, draft):
    html = client.get(INDEX).content.decode()
    assert _rows(html) == [open_tender.title]
    assert open_tender.reference in html
    assert open_tender.buyer.name in html
    assert "500,000.00" in html  # the budget, in yuan
    assert 'type="application/atom+xml"' in html
    assert draft.title not in html


def test_the_list_shows_an_empty_state(client):
    response = client.get(INDEX)
    assert response.status_code == 200
    assert 'data-testid="empty-tenders"' in response.content.decode()


def test_filters_narrow_the_list(client):
    """Text, region subtree, sector, modality, budget, state and deadline each filter."""
    sichuan = _agency_in("510000")
    chengdu = _agency_in("510100")
    anhui = _agency_in("340000")
    now = timezone.now()
    TenderFactory(actor=sichuan, publish=True, title="四川视频", deadline=now + timedelta(days=25))
    TenderFactory(
        actor=chengdu,
        publish=True,
        title="成都医疗",
        sector=Sector.HEALTHCARE,
        deadline=now + timedelta(days=40),
        lots=[_lot(Modality.TEXT, 90_000_000)],
    )
    TenderFactory(actor=anhui, publish=True, title="安徽文本", lots=[_lot(Modality.TEXT, 10_000_000)])
    cases = {
        "q=医疗": ["成都医疗"],
        "region=510000": ["成都医疗", "四川视频"],  # the province and its cities
        "region=510100": ["成都医疗"],
        "sector=healthcare": ["成都医疗"],
        "modality=text": ["安徽文本", "成都医疗"],
        "budget_min=200000&budget_max=950000": ["四川视频", "成都医疗"],
        "budget_max=100,000": ["安徽文本"],
        "state=open": ["安徽文本", "成都医疗", "四川视频"],
        "state=evaluation": [],
        f"deadline_after={(now + timedelta(days=30)).date()}": ["成都医疗"],
        f"deadline_before={(now + timedelta(days=30)).date()}": ["安徽文本", "四川视频"],
    }
    for query, titles in cases.items():
        response = client.get(f"{INDEX}?{query}")
        assert response.status_code == 200, query
        assert sorted(_rows(response.content.decode())) == sorted(titles), query


def _lot(modality: str, budget_fen: int) -> LotSpec:
    return LotSpec(title="标注", modality=modality, volume=1_000, budget_fen=budget_fen)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("budget_min=abc", "budget_min"),
        ("budget_min=-5", "budget_min"),
        ("budget_min=1.234", "budget_min"),
        ("budget_min=500&budget_max=100", "budget_max"),
        ("region=999999", "region"),
        ("state=draft", "state"),
        ("sector=space", "sector"),
        ("deadline_after=2026-13-01", "deadline_after"),
        ("deadline_after=2026-05-02&deadline_before=2026-05-01", "deadline_before"),
    ],
)
def test_invalid_filters_answer_400_with_their_errors(client, open_tender, query, field):
    response = client.get(f"{INDEX}?{query}")
    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-testid="filter-errors"' in html
    assert f'data-field="{field}"' in html
    assert _rows(html) == []


def test_htmx_asks_for_the_results_only(client, open_tender):
    html = client.get(f"{INDEX}?q={open_tender.reference}", headers={"HX-Request": "true"}).content.decode()
    assert _rows(html) == [open_tender.title]
    assert "<html" not in html


def test_the_list_pages_by_twenty(client, agency_user):
    for number in range(23):
        TenderFactory(actor=agency_user, publish=True, title=f"批量标注项目{number:02d}")
    client.cookies["django_language"] = "en"
    first = client.get(INDEX).content.decode()
    second = client.get(f"{INDEX}?page=2").content.decode()
    assert len(_rows(first)) == 20
    assert len(_rows(second)) == 3
    assert "23 tenders" in first
    assert "Page 1 of 2" in first


@pytest.mark.parametrize("signed_in", [False, True])
def test_the_list_takes_a_bounded_number_of_queries(client, agency_user, django_assert_max_num_queries, signed_in):
    for number in range(25):
        TenderFactory(actor=agency_user, publish=True, title=f"项目{number}")
    if signed_in:
        client.force_login(agency_user)
    # regions for the select, the region filtered on, the count, the page; a signed-in user adds
    # the session, the user,
    # the roles of the sub-navigation and the permission lookups of their own drafts.
    with django_assert_max_num_queries(4 if not signed_in else 8):
        response = client.get(f"{INDEX}?sector=transport&modality=video&region=510000")
    assert len(_rows(response.content.decode())) == 20


def test_the_paginator_counts_once_and_stops_at_its_cap(agency_user, django_assert_num_queries):
    for _number in range(5):
        TenderFactory(actor=agency_user, publish=True)
    paginator = CappedPaginator(Tender.objects.order_by("pk"), 2, cap=3)
    with django_assert_num_queries(1):
        assert paginator.count == 4
        assert paginator.num_pages == 2
        assert paginator.capped is True
    assert CappedPaginator(Tender.objects.all(), 2, cap=10).count == 5


def test_the_detail_page_shows_every_fact(client, open_tender):
    html = client.get(reverse("marketplace:tender-detail", kwargs={"pk": open_tender.pk})).content.decode()
    for fact in (open_tender.reference, open_tender.title, open_tender.buyer.name, "500,000.00", "视频框选"):
        assert fact in html
    document = open_tender.documents.get()
    assert document.sha256 in html
    assert "首批交付验收" in html
    assert "30.00" in html
    assert 'data-testid="countdown"' in html
    local = timezone.localtime(open_tender.deadline).strftime("%Y-%m-%d %H:%M")
    assert local in html  # Beijing time
    assert 'data-testid="action-bid"' not in html  # anonymous: nothing to do


def test_the_detail_page_offers_each_role_its_actions(as_role, open_tender):
    url = reverse("marketplace:tender-detail", kwargs={"pk": open_tender.pk})
    vendor = as_role("vendor").get(url).content.decode()
    assert 'data-testid="action-bid"' in vendor
    assert 'data-testid="action-ask"' in vendor
    assert 'data-testid="action-amend"' not in vendor
    buyer = as_role("buyer").get(url).content.decode()
    assert 'data-testid="action-amend"' in buyer
    assert 'data-testid="action-cancel"' in buyer
    assert 'data-testid="action-bid"' not in buyer
    operator = as_role("operator").get(url).content.decode()
    assert 'data-testid="action-' in operator  # opening results only
    assert 'data-testid="action-cancel"' not in operator


def test_the_opening_page_says_not_opened_and_shows_no_bidder_before_the_opening(client, open_tender, bid):
    html = client.get(reverse("marketplace:tender-opening", kwargs={"pk": open_tender.pk})).content.decode()
    assert 'data-testid="not-opened"' in html
    assert bid.vendor.name not in html
    assert "412,345.00" not in html


def test_the_opening_page_lists_bidders_and_prices_after_the_opening(client, opened):
    html = client.get(reverse("marketplace:tender-opening", kwargs={"pk": opened.pk})).content.decode()
    assert html.count('data-testid="opening-row"') == 3
    for bid in opened.bids.all():
        assert bid.vendor.name in html
    for price in ("401,000.00", "412,000.00", "423,000.00"):
        assert price in html


def test_a_failed_tender_says_so_on_its_opening_page(client, failed):
    html = client.get(reverse("marketplace:tender-opening", kwargs={"pk": failed.pk})).content.decode()
    assert 'data-testid="failed-notice"' in html


def test_the_catalogue_lists_and_filters_entries(client, agency_user):
    CatalogueEntryFactory(actor=agency_user, dataset="医保结算文本", sector=Sector.HEALTHCARE, modality=Modality.TEXT)
    CatalogueEntryFactory(actor=agency_user, dataset="卡口图像")
    url = reverse("marketplace:catalogue-list")
    assert "医保结算文本" in client.get(url).content.decode()
    filtered = client.get(f"{url}?sector=healthcare").content.decode()
    assert "医保结算文本" in filtered
    assert "卡口图像" not in filtered
    assert client.get(f"{url}?openness=secret").status_code == 400


def test_the_catalogue_list_takes_a_bounded_number_of_queries(client, agency_user, django_assert_max_num_queries):
    for _number in range(25):
        CatalogueEntryFactory(actor=agency_user)
    with django_assert_max_num_queries(2):
        response = client.get(reverse("marketplace:catalogue-list"))
    assert response.content.decode().count("/tenders/catalogue/") >= 20


def test_the_catalogue_entry_offers_a_tender_to_its_agency_only(as_role, entry):
    url = reverse("marketplace:catalogue-detail", kwargs={"pk": entry.pk})
    start = f"{reverse('marketplace:tender-create')}?catalogue={entry.pk}"
    assert start in as_role("buyer").get(url).content.decode()
    assert start not in as_role("other_agency").get(url).content.decode()
    assert start not in as_role("anonymous").get(url).content.decode()


def test_a_published_document_downloads_for_anyone(client, open_tender):
    document = open_tender.documents.get()
    url = reverse("marketplace:tender-document", kwargs={"pk": open_tender.pk, "document_pk": document.pk})
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 tender documents"


def test_the_results_link_the_feed_of_the_same_search(client, open_tender):
    html = client.get(f"{INDEX}?sector=transport&page=1", headers={"HX-Request": "true"}).content.decode()
    assert f'href="{reverse("marketplace:feed")}?sector=transport"' in html
