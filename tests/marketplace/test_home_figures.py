"""The home page shows what the exchange holds today."""

import pytest

from marketplace import services
from tests.factories.marketplace import CatalogueEntryFactory, TenderFactory

pytestmark = pytest.mark.django_db


def test_the_home_page_counts_open_tenders_their_budget_and_catalogue_entries(client):
    CatalogueEntryFactory()
    TenderFactory(publish=True)
    TenderFactory(publish=True)
    TenderFactory()  # a draft is nobody's business
    cancelled = TenderFactory(publish=True)
    services.tender_cancel(actor=cancelled.created_by, tender=cancelled, reason="取消")

    page = client.get("/").content.decode()

    assert 'data-testid="count-open-tenders"' in page
    figures = {
        name: page.split(f'data-testid="{name}">', 1)[1].split("</dd>", 1)[0]
        for name in ("count-open-tenders", "open-budget", "count-catalogue")
    }
    assert ">2<" in figures["count-open-tenders"]
    assert figures["open-budget"] == "1,000,000.00"
    assert ">1<" in figures["count-catalogue"]
