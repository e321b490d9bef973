"""The dashboards in a browser: a provincial regulator opens the dashboard, sees the panels drawn
from the API, narrows it to a prefecture and downloads a panel's CSV holding that prefecture's
figures only; a national regulator clicks a province on the China map; anyone opens the public
summary (national figures, no region filter)."""

from __future__ import annotations

import csv
import datetime
import io
import re

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import expect

from monitoring.dashboards import panels
from monitoring.rollups.models import Metric
from tests.e2e.session import sign_in
from tests.factories.monitoring_dashboards import fact
from tests.factories.monitoring_redflags import regulator

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

DAY = datetime.date(2025, 5, 10)  # 2025Q2


@pytest.fixture
def two_provinces():
    """Lots published in 2025Q2: 3 in Shenzhen and 11 in Guangzhou (Guangdong), 70 in Chengdu
    (Sichuan), so that each scope has its own total."""
    fact(Metric.LOTS_PUBLISHED, 3, day=DAY, region="440300", modality="image")
    fact(Metric.LOTS_PUBLISHED, 11, day=DAY, region="440100", modality="image")
    fact(Metric.LOTS_PUBLISHED, 70, day=DAY, region="510100", modality="text")


def tenders_row(page, quarter: str):
    return page.locator("[data-panel=tenders] tbody tr", has_text=quarter)


def expect_every_panel_done(page, names) -> None:
    for name in names:
        expect(page.locator(f"[data-panel={name}]")).to_have_attribute("data-state", "drawn")


def test_a_provincial_regulator_filters_by_prefecture_and_downloads_its_csv(page, live_server, two_provinces):
    user = regulator("440000")
    sign_in(page, live_server, user.username)
    page.get_by_test_id("nav-dashboard").click()
    page.select_option("select[name=period]", "2025")
    page.get_by_test_id("dashboard-filter").get_by_role("button").click()

    tenders = page.locator("[data-panel=tenders]")
    expect(tenders).to_have_attribute("data-state", "drawn")
    expect(tenders.locator("h2")).to_have_text("Tender statistics")
    expect(tenders.locator("[data-panel-chart][role=img] canvas")).to_have_count(1)
    expect(tenders.locator("tbody tr")).to_have_count(4)  # the quarters of 2025
    expect(tenders_row(page, "2025Q2").locator("td").nth(2)).to_have_text("14")  # Guangdong, not Sichuan
    # Sichuan is not offered.
    expect(page.locator("select[name=region] option[value='510000']")).to_have_count(0)

    page.select_option("select[name=region]", "440300")
    page.get_by_test_id("dashboard-filter").get_by_role("button").click()

    assert "region=440300" in page.url
    expect(tenders).to_have_attribute("data-state", "drawn")
    expect(tenders_row(page, "2025Q2").locator("td").nth(2)).to_have_text("3")

    with page.expect_download() as download:
        page.get_by_test_id("panel-tenders-csv").click()
    rows = list(csv.reader(io.StringIO(open(download.value.path(), encoding="utf-8-sig").read())))  # noqa: SIM115
    quarter = next(row for row in rows if "2025Q2" in row)
    assert "3" in quarter
    assert not {"11", "14", "70", "84"} & set(quarter)


def test_the_public_summary_draws_national_figures_without_a_region_filter(page, live_server, two_provinces):
    page.goto(f"{live_server.url}/monitoring/?period=2025")

    expect_every_panel_done(page, ["tenders"])
    for name in panels.PUBLIC_PANELS:
        expect(page.locator(f"[data-panel={name}]")).not_to_have_attribute("aria-busy", "true")
    expect(page.locator("[data-panel=tenders] [data-panel-chart] canvas")).to_have_count(1)
    expect(tenders_row(page, "2025Q2").locator("td").nth(2)).to_have_text("84")  # every province
    expect(page.locator("select[name=region]")).to_have_count(0)
    expect(page.get_by_test_id("open-data")).to_contain_text("CC BY 4.0")


def test_the_provinces_map_formats_exactly_and_a_click_filters_by_that_province(page, live_server):
    """A national regulator's provinces panel: the China map colours the provinces by revenue
    reported, the tables format fen, basis points and a missing ratio exactly, and clicking
    Guangdong on the map narrows the dashboard to it."""
    fact(Metric.REPORTED_REVENUE_FEN, 123_456, day=datetime.date(2025, 4, 1), region="440300")
    fact(Metric.REPORTED_REVENUE_FEN, 5, day=datetime.date(2025, 4, 1), region="510100")
    fact(Metric.LOTS_OPENED, 10_000, day=DAY, region="440300", modality="image")
    fact(Metric.SINGLE_BID_LOTS, 1_234, day=DAY, region="440300", modality="image")
    sign_in(page, live_server, regulator("").username)
    page.goto(f"{live_server.url}/monitoring/dashboard/?period=2025")

    provinces = page.locator("[data-panel=provinces]")
    expect(provinces).to_have_attribute("data-state", "drawn")
    expect(provinces.locator("[data-panel-chart][role=img] canvas")).to_have_count(1)
    guangdong = provinces.locator("tbody tr", has=page.locator("td:first-child", has_text="44")).locator("td")
    expect(guangdong.nth(2)).to_have_text("¥1,234.56")
    sichuan = provinces.locator("tbody tr", has=page.locator("td:first-child", has_text="51")).locator("td")
    expect(sichuan.nth(2)).to_have_text("¥0.05")
    expect(tenders_row(page, "2025Q2").locator("td").nth(5)).to_have_text("12.34 %")  # single-bid rate
    expect(tenders_row(page, "2025Q1").locator("td").nth(5)).to_have_text("—")  # no lot opened

    # Click Guangdong where the map draws it (Guangzhou's longitude and latitude), once every
    # panel has loaded. In CI a click sometimes went unanswered (about one run in three; never
    # reproduced here, the cause not found): the same real click is tried up to three times.
    for name in panels.PANELS:
        expect(page.locator(f"[data-panel={name}]")).to_have_attribute("aria-busy", "false")
    chart = provinces.locator("[data-panel-chart]")
    for _attempt in range(3):
        chart.scroll_into_view_if_needed()
        x, y = page.evaluate(
            """() => echarts.getInstanceByDom(document.querySelector('[data-panel=provinces] [data-panel-chart]'))
                     .convertToPixel({seriesIndex: 0}, [113.3, 23.1])"""
        )
        box = chart.bounding_box()
        page.mouse.click(box["x"] + x, box["y"] + y)
        try:
            page.wait_for_url(re.compile(r"region=440000"), timeout=3_000)
            break
        except PlaywrightTimeoutError:
            continue

    expect(page).to_have_url(re.compile(r"region=440000"))
    expect(page.locator("select[name=region]")).to_have_value("440000")
    expect(provinces.locator("tbody tr")).to_have_count(1)  # Guangdong alone
