"""A vendor signs up and registers its organisation; an operator verifies it; the public sees it."""

import pytest
from playwright.sync_api import expect

from registry.models import Organisation
from tests.factories import UserFactory, valid_credit_code
from tests.factories.registry import with_wrong_check_character

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _sign_in(page, live_server, username, password):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("main form button[type=submit]")


def test_sign_up_register_verify_and_publish(page, live_server):
    code = valid_credit_code(321, region_code="430100")
    UserFactory(username="ops", is_staff=True)

    page.goto(f"{live_server.url}/accounts/sign-up/")
    page.fill("input[name=username]", "xiangjiang")
    page.fill("input[name=name]", "湘江标注")
    page.fill("input[name=email]", "xj@example.test")
    page.fill("input[name=password]", "a long enough passphrase")
    page.fill("input[name=password_again]", "a long enough passphrase")
    page.click("main form button[type=submit]")
    expect(page.locator(".user-link")).to_have_text("湘江标注")

    page.goto(f"{live_server.url}/registry/organisations/register/")
    page.fill("input[name=name]", "长沙湘江数据标注有限公司")
    page.select_option("select[name=kind]", "vendor")
    page.fill("input[name=credit_code]", with_wrong_check_character(code))
    page.select_option("select[name=region]", "430100")
    page.click("main form button[type=submit]")
    expect(page.locator("[data-field=credit_code]")).to_be_visible()  # wrong check character

    page.fill("input[name=credit_code]", code.lower())
    page.click("main form button[type=submit]")
    expect(page.locator("h1")).to_have_text("长沙湘江数据标注有限公司")
    expect(page.locator(".badge.pending")).to_be_visible()
    organisation = Organisation.objects.get(credit_code=code)
    assert organisation.verified is False

    page.click("button.link")  # sign out
    page.goto(f"{live_server.url}/registry/organisations/{organisation.pk}/")
    expect(page.get_by_test_id("error-message")).to_be_visible()  # 404 to the public while unverified

    _sign_in(page, live_server, "ops", "correct horse battery staple")
    page.goto(f"{live_server.url}/registry/organisations/{organisation.pk}/")
    page.click("form[action$='/verify/'] button")
    expect(page.locator(".badge.ok")).to_be_visible()

    page.click("button.link")
    page.goto(f"{live_server.url}/registry/?q=湘江")
    expect(page.get_by_test_id("organisation-table")).to_contain_text("长沙湘江数据标注有限公司")
