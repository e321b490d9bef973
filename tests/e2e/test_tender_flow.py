"""From a catalogue entry to the opening, in the browser: the agency lists a dataset, starts a tender
from it through the wizard, attaches a document and publishes; a vendor asks, the agency answers;
the vendor bids and reads its receipt; the deadline passes, the sweep opens the bids, and the public
opening results show the bidders and their prices."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone, translation
from playwright.sync_api import expect

from marketplace import services
from marketplace.models import Bid, CatalogueEntry, Tender
from marketplace.states import TenderState
from registry.roles import OrganisationKind, Role
from tests.e2e.session import sign_in, sign_out
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory
from tests.factories.marketplace import bid_on, past_deadline, vendor_staff

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _member(username: str, kind: str, role: str, region_code: str):
    organisation = OrganisationFactory(kind=kind, region_code=region_code, verified=True)
    MembershipFactory(organisation=organisation, user=UserFactory(username=username), role=role)
    return organisation


def test_catalogue_to_opening_in_the_browser(page, live_server):
    _member("agency", OrganisationKind.AGENCY, Role.AGENCY_STAFF, "510000")
    vendor = _member("vendor", OrganisationKind.VENDOR, Role.VENDOR_STAFF, "510100")
    base = live_server.url

    # The agency lists a dataset in the catalogue.
    sign_in(page, live_server, "agency")
    page.goto(f"{base}/tenders/catalogue/new/")
    page.fill("input[name=dataset]", "成都市公交车载视频")
    page.select_option("select[name=sector]", "transport")
    page.select_option("select[name=modality]", "video")
    page.fill("input[name=volume]", "120000")
    page.select_option("select[name=volume_unit]", "frame")
    page.select_option("select[name=openness]", "conditional")
    page.fill("textarea[name=annotation_needs]", "乘客与车辆目标框选，人脸脱敏。")
    page.click("form[data-testid=catalogue-form] button[type=submit]")
    expect(page.locator("h1")).to_have_text("成都市公交车载视频")
    entry = CatalogueEntry.objects.get()

    # … starts a tender from it: step 1 comes prefilled from the entry.
    page.get_by_test_id("start-tender").click()
    expect(page.locator("input[name=catalogue_entry]")).to_have_value(str(entry.pk))
    expect(page.locator("input[name='lots-0-title']")).to_have_value("成都市公交车载视频")
    page.select_option("select[name=procedure]", "open_tender")
    deadline = timezone.localtime() + timedelta(days=30)
    page.fill("input[name=deadline]", deadline.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_test_id("add_lot").click()  # a second, blank lot row (left blank: skipped)
    expect(page.get_by_test_id("lots-row")).to_have_count(3)
    page.fill("input[name='lots-0-budget']", "600000")
    page.get_by_test_id("save-draft").click()

    # Step 2: the tender documents.
    expect(page.get_by_test_id("document-form")).to_be_visible()
    page.fill("input[name=title]", "招标文件")
    page.set_input_files(
        "input[name=file]", files=[{"name": "招标文件.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4 docs"}]
    )
    page.get_by_test_id("upload-document").click()
    expect(page.get_by_test_id("document-table")).to_contain_text("招标文件")

    # Step 3: review and publish.
    page.get_by_test_id("to-review").click()
    expect(page.get_by_test_id("bid-period")).to_contain_text("20")
    page.get_by_test_id("publish").click()
    with translation.override("zh-hans"):  # the portal's default language
        open_label = str(TenderState.OPEN.label)
    expect(page.get_by_test_id("tender-state")).to_have_text(open_label)
    tender = Tender.objects.get()
    assert tender.catalogue_entry == entry
    assert tender.budget_fen == 60_000_000
    sign_out(page)

    # A vendor asks a question …
    sign_in(page, live_server, "vendor")
    page.goto(f"{base}/tenders/{tender.pk}/")
    page.get_by_test_id("action-ask").click()
    page.fill("textarea[name=question]", "是否需要标注夜间画面？")
    page.get_by_test_id("ask").click()
    expect(page.get_by_test_id("question")).to_contain_text("是否需要标注夜间画面？")
    sign_out(page)

    # … the agency answers it, without being told who asked …
    sign_in(page, live_server, "agency")
    page.goto(f"{base}/tenders/{tender.pk}/clarifications/")
    expect(page.get_by_test_id("question")).not_to_contain_text(vendor.name)
    page.locator("form[data-testid=answer-form] textarea").fill("需要，夜间画面约占 30%。")
    page.get_by_test_id("answer").click()
    expect(page.get_by_test_id("question")).to_contain_text("需要，夜间画面约占 30%。")
    sign_out(page)

    # … and the vendor reads the answer and bids.
    sign_in(page, live_server, "vendor")
    page.goto(f"{base}/tenders/{tender.pk}/")
    expect(page.get_by_test_id("answered-clarifications")).to_contain_text("夜间画面约占 30%")
    page.get_by_test_id("action-bid").click()
    page.fill("input[name=price]", "518,800.00")
    page.set_input_files(
        "input[name=documents]",
        files=[
            {"name": "技术方案.pdf", "mimeType": "application/pdf", "buffer": b"%PDF technical"},
            {"name": "报价单.pdf", "mimeType": "application/pdf", "buffer": b"%PDF quotation"},
        ],
    )
    page.get_by_test_id("submit-bid").click()
    bid = Bid.objects.get(vendor=vendor)
    expect(page.get_by_test_id("receipt-sha256")).to_have_text(bid.receipt_sha256)
    expect(page.get_by_test_id("sealed-price")).to_contain_text("518,800.00")
    page.goto(f"{base}/tenders/bids/")
    expect(page.get_by_test_id("bid-row")).to_contain_text(bid.receipt_sha256)
    sign_out(page)

    # Two more vendors bid; the deadline passes and the sweep opens the bids.
    bid_on(tender, vendor_staff(region_code="340100"), price_fen=55_000_000)
    bid_on(tender, vendor_staff(region_code="440300"), price_fen=57_500_050)
    past_deadline(tender)
    for tender_id in services.tenders_close_due():
        services.tender_open(tender_id=tender_id)  # already done when the task ran in-process
    tender.refresh_from_db()
    assert tender.state == TenderState.EVALUATION

    # The public opening results show every bidder and price.
    page.goto(f"{base}/tenders/{tender.pk}/opening/")
    expect(page.get_by_test_id("opening-row")).to_have_count(3)
    table = page.get_by_test_id("opening-table")
    expect(table).to_contain_text(vendor.name)
    for price in ("518,800.00", "550,000.00", "575,000.50"):
        expect(table).to_contain_text(price)
