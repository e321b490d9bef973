"""The dashboard pages: who may open the regulators' dashboard, the filter form's choices and
errors, the panel sections the page's script fills from the API, the navigation link, and the
public summary page. The figures themselves are the API's (test_api.py) and the browser tests'."""

from __future__ import annotations

import re

import pytest

from monitoring.dashboards import panels
from tests.factories import UserFactory
from tests.factories.monitoring_redflags import regulator

pytestmark = pytest.mark.django_db

DASHBOARD = "/monitoring/dashboard/"


def region_options(html: str) -> set[str]:
    select = re.search(r'<select name="region".*?</select>', html, re.S)
    assert select is not None
    return set(re.findall(r'<option value="(\d+)"', select.group(0)))


def panel_sections(html: str) -> list[str]:
    return re.findall(r'data-panel="([a-z_]+)"', html)


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(DASHBOARD)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_a_signed_in_user_who_regulates_nothing_gets_403(client, vendor_user):
    client.force_login(vendor_user)
    response = client.get(DASHBOARD)
    assert response.status_code == 403
    assert "data-panel=" not in response.content.decode()


@pytest.mark.parametrize("who", ["national regulator", "provincial regulator", "operator"])
def test_regulators_and_operators_get_a_section_per_panel(client, operator, who):
    user = {"national regulator": regulator, "provincial regulator": lambda: regulator("440000")}.get(
        who, lambda: operator
    )()
    client.force_login(user)
    response = client.get(DASHBOARD)
    assert response.status_code == 200
    html = response.content.decode()
    assert panel_sections(html) == list(panels.PANELS)
    for name in panels.PANELS:
        assert f'data-src="/api/v1/monitoring/summary/{name}/"' in html
        assert f'href="/monitoring/dashboard/{name}.csv"' in html
        assert f'href="/monitoring/dashboard/{name}.xlsx"' in html
    assert 'src="/static/js/dashboard.js"' in html
    assert 'data-map-url="/static/vendor/geo/china.json"' in html
    assert html.count('role="img"') == len(panels.PANELS)


def test_the_filters_go_to_the_api_and_the_downloads(client):
    client.force_login(regulator("440000"))
    html = client.get(DASHBOARD, {"period": "2025Q2", "region": "440300", "modality": "image"}).content.decode()
    query = "period=2025Q2&amp;region=440300&amp;modality=image"
    assert f'data-src="/api/v1/monitoring/summary/tenders/?{query}"' in html
    assert f'href="/monitoring/dashboard/tenders.csv?{query}"' in html
    assert '<option value="440300" selected>' in html


def test_a_provincial_regulator_chooses_among_their_provinces_prefectures(client):
    client.force_login(regulator("440000"))
    options = region_options(client.get(DASHBOARD).content.decode())
    assert options == {"440000", "440100", "440300"}  # no county (440305), nothing of Sichuan


def test_a_prefectural_regulator_chooses_their_prefecture_under_its_province(client):
    client.force_login(regulator("440300"))
    html = client.get(DASHBOARD).content.decode()
    assert region_options(html) == {"440300"}
    assert '<optgroup label="Guangdong">' in html


def test_a_national_regulator_chooses_among_every_province_and_prefecture(client):
    client.force_login(regulator())
    options = region_options(client.get(DASHBOARD).content.decode())
    assert {"440000", "510000", "510100"} <= options
    assert "510107" not in options


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"period": "2025Q5"}, "period"),
        ({"period": "1999"}, "period"),
        ({"region": "510000"}, "region"),  # another province: refused like an unknown code
        ({"region": "999999"}, "region"),
        ({"sector": "space"}, "sector"),
        ({"modality": "smell"}, "modality"),
    ],
)
def test_bad_filters_are_shown_as_form_errors_and_nothing_is_fetched(client, params, field):
    client.force_login(regulator("440000"))
    response = client.get(DASHBOARD, params)
    assert response.status_code == 400
    html = response.content.decode()
    assert f'data-field="{field}"' in html
    assert 'data-testid="dashboard-invalid"' in html
    assert panel_sections(html) == []
    assert "/api/v1/monitoring/summary/" not in html


def test_the_period_offers_years_and_their_quarters_since_the_base_year(client, settings):
    settings.MONITORING_BASE_YEAR = 2024
    client.force_login(regulator())
    html = client.get(DASHBOARD).content.decode()
    periods = re.findall(r'<option value="(all|\d{4}(?:Q\d)?)"', html)
    assert periods[0] == "all"
    assert {"2024", "2024Q1", "2024Q4", "2025", "2025Q3"} <= set(periods)
    assert "2023" not in periods


def test_the_dashboard_link_is_in_the_navigation_of_regulators_and_operators_only(client, operator, vendor_user):
    for user, shown in [(regulator("510000"), True), (operator, True), (vendor_user, False)]:
        client.force_login(user)
        html = client.get("/").content.decode()
        assert ('data-testid="nav-dashboard"' in html) is shown, user
    client.logout()
    assert 'data-testid="nav-dashboard"' not in client.get("/").content.decode()


# --- The public summary ----------------------------------------------------------------------------


def test_the_public_page_draws_the_public_panels_from_the_open_data(client):
    response = client.get("/monitoring/", {"period": "2025"})
    assert response.status_code == 200
    html = response.content.decode()
    assert panel_sections(html) == list(panels.PUBLIC_PANELS)
    assert 'data-summary-src="/api/v1/monitoring/public-summary/?period=2025"' in html
    assert 'href="/api/v1/monitoring/public-summary.csv?period=2025"' in html
    for name in panels.PUBLIC_PANELS:
        assert f'href="/monitoring/public/{name}.csv?period=2025"' in html
    assert "CC BY 4.0" in html
    assert 'name="region"' not in html
    assert "/api/v1/monitoring/summary/" not in html  # the regulators' figures are not fetched


def test_the_public_page_refuses_a_bad_period(client):
    response = client.get("/monitoring/", {"period": "2025Q9"})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-field="period"' in html
    assert panel_sections(html) == []


def test_the_public_page_no_longer_reads_the_registry(client, django_assert_max_num_queries):
    UserFactory()
    with django_assert_max_num_queries(1):  # the session-less anonymous page: report links only
        assert client.get("/monitoring/").status_code == 200
    assert client.get("/monitoring/organisations-by-province.csv").status_code == 404
