import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from portal.management.commands.seed_demo import DEMO_PASSWORD
from registry.models import Organisation, VerificationStatus

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo_data(settings):
    settings.DEMO_DATA_ALLOWED = True
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115


def test_a_demo_user_signs_in_and_sees_the_home_page_in_chinese_then_english(page, live_server, demo_data):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "vendor")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("main form button[type=submit]")

    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.locator("h1")).to_have_text("全国数据标注公共服务平台")
    expect(page.locator(".user-link")).to_have_text("李标注")
    verified = Organisation.objects.filter(status=VerificationStatus.VERIFIED).count()
    expect(page.get_by_test_id("count-organisations")).to_have_text(str(verified))

    page.click("button[value=en]")

    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_have_text("National data-annotation public-service portal")
    expect(page.get_by_role("navigation").get_by_role("link", name="Registry", exact=True)).to_be_visible()
    page.goto(f"{live_server.url}/registry/")
    expect(page.locator("h1")).to_have_text("Registered organisations")


def test_registry_filters_update_the_results_in_place(page, live_server, demo_data):
    page.goto(f"{live_server.url}/registry/")
    expect(page.get_by_test_id("organisation-table")).to_contain_text("合肥慧眼数据标注有限公司")

    page.select_option("select[name=region]", "510000")

    expect(page.get_by_test_id("organisation-table")).not_to_contain_text("合肥慧眼数据标注有限公司")
    expect(page.get_by_test_id("organisation-table")).to_contain_text("成都星标智能科技有限公司")
    assert "region=510000" in page.url
