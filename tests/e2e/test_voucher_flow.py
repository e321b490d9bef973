"""Vouchers in the browser. An enterprise's buyer finds an open programme from the voucher section's
front page and applies with a PDF of evidence; the programme's officer downloads the evidence and
approves a lower amount; the buyer opens the voucher (its code and QR code), follows the redeem
link the QR code holds and pays part of an active exchange contract with it. Then a provider asks
the holder to redeem a voucher and the holder confirms the request on the voucher's page.

Each step is checked on the page and in the database: the application, the voucher, the
redemption, the balance derived from the ledger, and the ledger's invariants (DESIGN §6)."""

from __future__ import annotations

import hashlib

import pytest
from playwright.sync_api import expect

from tests.e2e.session import sign_in, sign_out
from tests.factories.payments import enterprise_contract
from tests.factories.vouchers import YUAN, holder_of, officer_of, open_programme, redeemable
from vouchers import selectors
from vouchers.models import Application, ApplicationState, Redemption, RedemptionState, TransactionKind, Voucher
from vouchers.verification import ledger_violations

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# A small but well-formed PDF: one empty page.
EVIDENCE_PDF = (
    b"%PDF-1.4\n"
    b"1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\n"
    b"2 0 obj <</Type /Pages /Kids [3 0 R] /Count 1>> endobj\n"
    b"3 0 obj <</Type /Page /Parent 2 0 R /MediaBox [0 0 595 842]>> endobj\n"
    b"trailer <</Root 1 0 R>>\n"
    b"%%EOF\n"
)


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"  # the evidence files


@pytest.fixture
def english(page, live_server, settings):
    page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": live_server.url}])
    return page


def test_apply_approve_a_lower_amount_then_redeem_in_the_browser(english, live_server, tmp_path):
    page, base = english, live_server.url
    contract = enterprise_contract()  # active, ¥400,000, its supplier a verified vendor of Chengdu
    holder_user = contract.tender.created_by  # the enterprise's buyer, in Shenzhen
    holder = holder_of(holder_user)
    programme = open_programme()  # Shenzhen's: 50 % coverage, ¥100,000 a holder a year
    officer = officer_of(programme)
    evidence = tmp_path / "申领证明.pdf"
    evidence.write_bytes(EVIDENCE_PDF)

    # The buyer finds the programme on the voucher section's front page and applies.
    sign_in(page, live_server, holder_user.username)
    page.goto(f"{base}/vouchers/")
    expect(page.get_by_test_id("links-holder")).to_be_visible()
    expect(page.get_by_test_id("links-officer")).to_have_count(0)
    page.get_by_test_id("programme-row").get_by_role("link", name=programme.name).click()
    expect(page).to_have_url(f"{base}/vouchers/programmes/{programme.pk}/")
    expect(page.get_by_test_id("programme-state")).to_have_text("open")
    expect(page.get_by_test_id("programme-coverage")).to_have_text("50.00%")
    page.get_by_test_id("apply").click()
    expect(page).to_have_url(f"{base}/vouchers/programmes/{programme.pk}/apply/")
    form = page.get_by_test_id("application-form")
    expect(form.locator("select[name=organisation]")).to_have_value(str(holder.pk))  # its only organisation
    form.locator("input[name=amount]").fill("80,000")
    form.locator("textarea[name=purpose]").fill("支付数据标注合同的部分费用")
    form.locator("input[name=evidence]").set_input_files(evidence)
    page.get_by_test_id("submit-application").click()

    # It waits for review on the buyer's list of applications.
    expect(page).to_have_url(f"{base}/vouchers/applications/")
    expect(page.locator(".message.success")).to_contain_text("Your application is submitted")
    expect(page.get_by_test_id("application-row")).to_have_count(1)
    expect(page.get_by_test_id("application-state")).to_have_text("awaiting review")
    application = Application.objects.get()
    assert application.state == ApplicationState.SUBMITTED
    assert (application.programme, application.applicant) == (programme, holder)
    assert application.requested_fen == 80_000 * YUAN
    assert application.purpose == "支付数据标注合同的部分费用"
    assert application.submitted_by == holder_user
    assert application.evidence_sha256 == hashlib.sha256(EVIDENCE_PDF).hexdigest()
    with application.evidence.open("rb") as stored:
        assert stored.read() == EVIDENCE_PDF
    assert not Voucher.objects.exists()
    sign_out(page)

    # The officer opens the queue, downloads the evidence, and approves ¥60,000 of the ¥80,000.
    sign_in(page, live_server, officer.username)
    page.goto(f"{base}/vouchers/")
    page.get_by_test_id("links-officer").get_by_role("link", name="Applications to review").click()
    expect(page).to_have_url(f"{base}/vouchers/officer/applications/")
    row = page.get_by_test_id("application-row")
    expect(row).to_have_count(1)
    expect(row).to_contain_text(holder.name)
    expect(row).to_contain_text("80,000.00")
    row.get_by_test_id("application-review").click()
    expect(page).to_have_url(f"{base}/vouchers/officer/applications/{application.pk}/")
    expect(page.get_by_test_id("application-state")).to_have_text("awaiting review")
    expect(page.get_by_test_id("requested")).to_have_text("¥80,000.00")
    expect(page.get_by_test_id("budget-available")).to_contain_text("¥1,000,000.00")
    with page.expect_download() as download_info:
        page.get_by_test_id("application-evidence").click()
    download = download_info.value
    assert download.suggested_filename == evidence.name
    assert download.path().read_bytes() == EVIDENCE_PDF
    approve = page.get_by_test_id("approve-form")
    approve.locator("input[name=amount]").fill("60000")
    approve.locator("textarea[name=note]").fill("按合同金额核定")
    page.get_by_test_id("approve").click()
    expect(page).to_have_url(f"{base}/vouchers/officer/applications/")
    expect(page.locator(".message.success")).to_have_text(
        f"Approved: a voucher of 60,000.00 yuan is issued to {holder.name}."
    )
    expect(page.get_by_test_id("empty-applications")).to_be_visible()
    application.refresh_from_db()
    assert application.state == ApplicationState.APPROVED
    assert application.approved_fen == 60_000 * YUAN
    assert application.reviewed_by == officer
    assert application.review_note == "按合同金额核定"
    voucher = Voucher.objects.get()
    assert (voucher.application, voucher.programme, voucher.holder) == (application, programme, holder)
    assert voucher.face_fen == 60_000 * YUAN
    assert selectors.voucher_balance_fen(voucher) == 60_000 * YUAN
    code = str(voucher)
    sign_out(page)

    # The buyer sees the approval, then the voucher: its code, its QR code, its balance.
    sign_in(page, live_server, holder_user.username)
    page.goto(f"{base}/vouchers/applications/")
    expect(page.get_by_test_id("application-state")).to_have_text("approved")
    expect(page.get_by_test_id("application-row")).to_contain_text("按合同金额核定")
    page.goto(f"{base}/vouchers/")
    page.get_by_test_id("links-holder").get_by_role("link", name="My vouchers").click()
    expect(page).to_have_url(f"{base}/vouchers/mine/")
    voucher_row = page.get_by_test_id("voucher-row")
    expect(voucher_row).to_have_count(1)
    expect(voucher_row.get_by_test_id("voucher-balance")).to_have_text("60,000.00")
    voucher_row.get_by_role("link", name=code).click()
    expect(page).to_have_url(f"{base}/vouchers/mine/{voucher.pk}/")
    expect(page.get_by_test_id("voucher-code")).to_have_text(code)
    expect(page.get_by_test_id("voucher-state")).to_have_text("active")
    expect(page.get_by_test_id("voucher-balance")).to_have_text("¥60,000.00")
    qr = page.get_by_test_id("voucher-qr").locator("svg.qr")
    expect(qr).to_be_visible()
    expect(qr).to_have_attribute("aria-label", "QR code of the voucher's redeem page")
    expect(page.get_by_test_id("empty-redemptions")).to_be_visible()
    expect(page.get_by_test_id("history-row")).to_have_count(1)
    expect(page.get_by_test_id("history-row")).to_contain_text("voucher issued")

    # The redeem link (what the QR code holds) opens the redeem page with the code filled in.
    page.get_by_test_id("redeem-link").click()
    expect(page).to_have_url(f"{base}/vouchers/redeem/?code={code}")
    redeem = page.get_by_test_id("redeem-form")
    expect(redeem.locator("input[name=code]")).to_have_value(code)
    redeem.locator("select[name=target]").select_option(f"contract-{contract.pk}")
    redeem.locator("input[name=amount]").fill("12,345.67")
    page.get_by_test_id("redeem").click()

    # The redemption and the balance left.
    expect(page.get_by_test_id("redemption-facts")).to_be_visible()
    expect(page.get_by_test_id("replayed")).to_have_count(0)
    expect(page.get_by_test_id("redemption-amount")).to_have_text("¥12,345.67")
    expect(page.get_by_test_id("redemption-state")).to_have_text("redeemed")
    expect(page.get_by_test_id("new-balance")).to_have_text("¥47,654.33")
    expect(page.get_by_test_id("redemption-facts")).to_contain_text(contract.supplier.name)
    page.get_by_test_id("redemption-facts").get_by_role("link", name=code).click()
    expect(page).to_have_url(f"{base}/vouchers/mine/{voucher.pk}/")
    expect(page.get_by_test_id("voucher-balance")).to_have_text("¥47,654.33")
    expect(page.get_by_test_id("redemption-row")).to_have_count(1)
    expect(page.get_by_test_id("redemption-row").get_by_test_id("redemption-state")).to_have_text("redeemed")
    expect(page.get_by_test_id("history-row")).to_have_count(2)
    expect(page.get_by_test_id("history-row").nth(1)).to_contain_text("voucher redeemed")
    expect(page.get_by_test_id("history-row").nth(1)).to_contain_text("-12,345.67")

    # The database agrees, and the ledger verifies.
    redemption = Redemption.objects.get()
    assert redemption.state == RedemptionState.CONFIRMED
    assert (redemption.voucher, redemption.contract, redemption.order) == (voucher, contract, None)
    assert (redemption.holder, redemption.provider) == (holder, contract.supplier)
    assert redemption.amount_fen == 1_234_567
    assert redemption.requested_by == holder_user
    assert selectors.voucher_balance_fen(voucher) == 60_000 * YUAN - 1_234_567
    assert list(selectors.voucher_history(voucher).values_list("kind", "amount_fen")) == [
        (TransactionKind.ISSUE, 60_000 * YUAN),
        (TransactionKind.REDEEM, -1_234_567),
    ]
    assert list(ledger_violations()) == []


def test_a_providers_request_is_confirmed_by_the_holder_in_the_browser(english, live_server):
    page, base = english, live_server.url
    setup = redeemable()  # a ¥50,000 voucher of the buyer of an active ¥400,000 contract
    voucher, code = setup.voucher, str(setup.voucher)

    # The provider asks for ¥8,000 against its contract with the code the holder gave.
    sign_in(page, live_server, setup.provider_user.username)
    page.goto(f"{base}/vouchers/")
    page.get_by_test_id("links-provider").get_by_role("link", name="Redemptions received").click()
    expect(page).to_have_url(f"{base}/vouchers/provider/redemptions/")
    expect(page.get_by_test_id("empty-redemptions")).to_be_visible()
    page.get_by_test_id("new-request").click()
    expect(page).to_have_url(f"{base}/vouchers/provider/redeem/")
    form = page.get_by_test_id("provider-redeem-form")
    form.locator("input[name=code]").fill(code.lower().replace("-", ""))  # case and dashes do not matter
    form.locator("select[name=contract]").select_option(str(setup.contract.pk))
    form.locator("input[name=amount]").fill("8000")
    page.get_by_test_id("provider-redeem-submit").click()
    expect(page).to_have_url(f"{base}/vouchers/provider/redemptions/?state=pending")
    expect(page.locator(".message.success")).to_contain_text("The redemption of ¥8,000.00 is requested")
    row = page.get_by_test_id("redemption-row")
    expect(row).to_have_count(1)
    expect(row.get_by_test_id("redemption-state")).to_have_text("awaiting the holder's confirmation")
    expect(row.get_by_test_id("masked-code")).to_have_text(f"••••-••••-••••-••••-{code[-4:]}")
    expect(page.locator("main")).not_to_contain_text(code)  # a bearer credential: never shown whole
    redemption = Redemption.objects.get()
    assert redemption.state == RedemptionState.PENDING
    assert redemption.requested_by == setup.provider_user
    assert redemption.amount_fen == 8_000 * YUAN
    assert selectors.voucher_balance_fen(voucher) == 50_000 * YUAN  # no money moves yet
    sign_out(page)

    # The holder sees the request on the voucher's page and confirms it.
    sign_in(page, live_server, setup.holder_user.username)
    page.goto(f"{base}/vouchers/mine/")
    page.get_by_test_id("voucher-row").get_by_role("link", name=code).click()
    expect(page).to_have_url(f"{base}/vouchers/mine/{voucher.pk}/")
    expect(page.get_by_test_id("voucher-balance")).to_have_text("¥50,000.00")
    pending = page.get_by_test_id("pending-row")
    expect(pending).to_have_count(1)
    expect(pending).to_contain_text(setup.contract.supplier.name)
    expect(pending).to_contain_text("8,000.00")
    pending.get_by_test_id("confirm").click()
    expect(page).to_have_url(f"{base}/vouchers/mine/{voucher.pk}/")
    expect(page.locator(".message.success")).to_have_text("The redemption is confirmed.")
    expect(page.get_by_test_id("pending-table")).to_have_count(0)
    expect(page.get_by_test_id("voucher-balance")).to_have_text("¥42,000.00")
    expect(page.get_by_test_id("redemption-row").get_by_test_id("redemption-state")).to_have_text("redeemed")
    expect(page.get_by_test_id("history-row")).to_have_count(2)

    redemption.refresh_from_db()
    assert redemption.state == RedemptionState.CONFIRMED
    assert redemption.confirmed_by == setup.holder_user
    assert selectors.voucher_balance_fen(voucher) == 42_000 * YUAN
    assert list(ledger_violations()) == []
    sign_out(page)

    # The provider's list now shows it redeemed, ready to claim settlement.
    sign_in(page, live_server, setup.provider_user.username)
    page.goto(f"{base}/vouchers/provider/redemptions/")
    expect(row.get_by_test_id("redemption-state")).to_have_text("redeemed")
    expect(row.get_by_test_id("claim-link")).to_be_visible()
