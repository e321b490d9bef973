"""A member of the public (not signed in) verifies a certificate by its number; the holder's
certificate page carries a QR code whose link opens the same verification."""

import datetime

import pytest
from django.utils import translation
from playwright.sync_api import expect

from registry.roles import OrganisationKind
from registry.talent.models import SkillLevel
from tests.factories import OrganisationFactory, UserFactory
from tests.factories.talent import CertificateFactory, PersonFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def certificate(db):
    issuer = OrganisationFactory(name="杭州数源合规咨询有限公司", kind=OrganisationKind.THIRD_PARTY, verified=True)
    holder = PersonFactory(name="林晓峰", region_id="330100", user=UserFactory(username="linxf"))
    return CertificateFactory(
        person=holder,
        issuer=issuer,
        number="ZJSY-2025-00042",
        level=3,
        occupation="ai_trainer",
        issued_on=datetime.date(2025, 1, 15),
        expires_on=datetime.date(2099, 1, 15),
    )


def test_the_public_verifies_a_certificate_by_its_number(page, live_server, certificate):
    page.goto(f"{live_server.url}/registry/talent/verify/")
    page.fill("input[name=number]", "NOT-A-NUMBER")
    page.click("[data-testid=verify-form] button[type=submit]")
    expect(page.get_by_test_id("verify-unknown")).to_contain_text("NOT-A-NUMBER")

    page.fill("input[name=number]", "ZJSY-2025-00042")
    page.click("[data-testid=verify-form] button[type=submit]")

    result = page.get_by_test_id("verify-result")
    expect(result).to_have_count(1)
    expect(page.get_by_test_id("verify-holder")).to_have_text("林**")
    with translation.override("zh-hans"):  # the page speaks Chinese by default
        level = str(SkillLevel(3).label)
    expect(page.get_by_test_id("verify-level")).to_contain_text(level)
    expect(page.get_by_test_id("verify-issuer")).to_have_text("杭州数源合规咨询有限公司")
    expect(result.locator(".badge.ok")).to_be_visible()
    expect(page.get_by_test_id("verify-status")).not_to_be_empty()
    assert "林晓峰" not in page.content()
    assert certificate.person.id_masked not in page.content()


def test_the_qr_code_on_the_certificate_page_links_to_its_verification(page, live_server, certificate):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "linxf")
    page.fill("input[name=password]", "correct horse battery staple")
    page.click("main form button[type=submit]")
    page.goto(f"{live_server.url}/registry/talent/certificates/{certificate.pk}/")

    qr = page.get_by_test_id("certificate-qr")
    expect(qr.locator("svg.qr")).to_be_visible()
    box = qr.locator("svg.qr").bounding_box()
    assert box["width"] > 100
    assert box["height"] > 100
    qr.locator("a").click()

    expect(page.get_by_test_id("verify-holder")).to_have_text("林**")
    assert "issuer=" in page.url
