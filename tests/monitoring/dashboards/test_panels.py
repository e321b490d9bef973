"""Each panel's arithmetic on crafted rollup facts: sums, ratios and their zero denominators,
quarters without data, growth and the CAGR notes, the filters that do not apply."""

from __future__ import annotations

import datetime
import sys
from decimal import Decimal

import pytest
from django.utils import timezone

from monitoring import growth
from monitoring.dashboards import panels
from monitoring.dashboards.filters import DashboardFilters, parse_period
from monitoring.rollups.models import Metric
from tests.factories.bases import AnnotationBaseFactory
from tests.factories.monitoring_dashboards import fact

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 5, 1)  # 2026Q2 is under way: 2026Q1 is the last complete quarter


@pytest.fixture(autouse=True)
def _today(monkeypatch, settings):
    settings.MONITORING_BASE_YEAR = 2024
    settings.MONITORING_GROWTH_TARGET_BP = 2000
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: TODAY)


def filters(period="2025", prefixes=(), sector=None, modality=None) -> DashboardFilters:
    return DashboardFilters(
        period=parse_period(period, today=TODAY), region=None, sector=sector, modality=modality, prefixes=prefixes
    )


def rows_by(panel, key):
    return {row[key]: row for row in panel.rows}


def quarter_day(quarter: str) -> datetime.date:
    return datetime.date(int(quarter[:4]), 3 * int(quarter[5]) - 2, 1)


# --- scale ---------------------------------------------------------------------------------------


@pytest.fixture
def reports():
    """Revenue reported: 25 M fen a quarter in 2024, nothing in 2025Q1, 30 M fen a quarter from
    2025Q2 to 2026Q1, and a large 2026Q2 that is not complete yet. Half in 44, half in 51."""
    revenue = {f"2024Q{q}": 25_000_000 for q in range(1, 5)}
    revenue |= dict.fromkeys(("2025Q2", "2025Q3", "2025Q4", "2026Q1"), 30_000_000)
    revenue["2026Q2"] = 900_000_000
    for quarter, value in revenue.items():
        for region in ("440300", "510100"):
            day = quarter_day(quarter)
            fact(Metric.REPORTED_REVENUE_FEN, value // 2, day=day, region=region)
            fact(Metric.REPORTS_SUBMITTED, 1, day=day, region=region)
            fact(Metric.REPORTED_HEADCOUNT, 10, day=day, region=region)
    fact(Metric.REPORTED_ITEMS, 500, day=quarter_day("2025Q2"), region="440300", modality="image")
    fact(Metric.REPORTED_ITEMS, 70, day=quarter_day("2025Q2"), region="440300", modality="text")


def test_scale_sums_the_reports_per_quarter_with_growth(reports):
    panel = panels.panel("scale", filters("2025"))

    rows = rows_by(panel, "period")
    assert list(rows) == ["2025Q1", "2025Q2", "2025Q3", "2025Q4"]
    assert rows["2025Q1"] == {
        "period": "2025Q1",
        "revenue_fen": None,
        "headcount": None,
        "items": None,
        "reports": 0,
        "revenue_qoq_bp": None,
        "revenue_yoy_bp": None,
    }
    q2 = rows["2025Q2"]
    assert (q2["revenue_fen"], q2["headcount"], q2["items"], q2["reports"]) == (30_000_000, 20, 570, 2)
    assert q2["revenue_qoq_bp"] is None  # 2025Q1 has no reports: a gap, not a fall to zero
    assert q2["revenue_yoy_bp"] == 2_000  # 30 M on 25 M
    assert rows["2025Q3"]["revenue_qoq_bp"] == 0
    assert rows["2025Q3"]["revenue_yoy_bp"] == 2_000
    assert panel.notes["ignored_filters"] == []


def test_scale_cagr_runs_from_the_base_year_to_the_last_complete_quarter_whatever_the_period(reports):
    notes = panels.panel("scale", filters("2025Q3")).notes

    assert notes["growth_unavailable"] == ""
    result = notes["growth"]
    assert result["base_year"] == 2024
    assert result["base_revenue_fen"] == 100_000_000
    assert result["latest_period"] == "2026Q1"  # 2026Q2 is not over
    assert result["latest_revenue_fen"] == 120_000_000  # 2025Q2 … 2026Q1
    assert result["years"] == "1.25"
    # 1.2 ** (1 / 1.25) − 1 = 15.70 %
    assert result["cagr_bp"] == int((Decimal("1.2") ** Decimal("0.8") - 1) * 10_000 + Decimal("0.5"))
    assert result["cagr_bp"] == 1_570
    assert result["target_bp"] == 2_000
    assert result["gap_bp"] == -430
    assert result["meets_target"] is False
    assert result["horizon_year"] == 2027
    # The latest four quarters carried 1.75 years on, to the end of 2027.
    assert result["projected_at_target_fen"] == growth.compound(120_000_000, Decimal("0.2"), Decimal("1.75"))
    assert result["projected_at_cagr_fen"] == growth.compound(120_000_000, Decimal(result["cagr"]), Decimal("1.75"))
    assert result["projected_at_cagr_fen"] < result["projected_at_target_fen"]
    assert panels.panel("scale", filters("all")).notes["growth"] == result


def test_scale_follows_the_region_and_ignores_the_sector(reports):
    panel = panels.panel("scale", filters("2025", prefixes=("44",), sector="finance", modality="image"))

    q2 = rows_by(panel, "period")["2025Q2"]
    assert q2["revenue_fen"] == 15_000_000
    assert q2["items"] == 500  # the items follow the modality
    assert panel.notes["ignored_filters"] == ["sector", "modality"]
    assert panel.notes["growth"]["base_revenue_fen"] == 50_000_000


def test_scale_without_reports_has_empty_rows_and_says_why_there_is_no_growth():
    panel = panels.panel("scale", filters("2025"))

    assert [row["revenue_fen"] for row in panel.rows] == [None, None, None, None]
    assert [row["reports"] for row in panel.rows] == [0, 0, 0, 0]
    assert panel.notes["growth"] is None
    assert "quarter" in panel.notes["growth_unavailable"]


def test_scale_without_base_year_revenue_has_no_cagr():
    fact(Metric.REPORTED_REVENUE_FEN, 1_000, day=quarter_day("2025Q4"))

    notes = panels.panel("scale", filters("2025")).notes

    assert notes["growth"] is None
    assert "2024" in notes["growth_unavailable"]


# --- provinces -----------------------------------------------------------------------------------


@pytest.fixture
def provinces_facts():
    day = datetime.date(2025, 5, 10)
    fact(Metric.REPORTED_REVENUE_FEN, 1_000_00, day=day, region="440300")
    fact(Metric.REPORTED_REVENUE_FEN, 500_00, day=day, region="440100")
    fact(Metric.CONTRACT_VALUE_FEN, 800_00, day=day, region="440300", sector="finance", modality="image")
    fact(Metric.CONTRACT_VALUE_FEN, 200_00, day=day, region="440300", sector="healthcare", modality="text")
    fact(Metric.LOTS_PUBLISHED, 4, day=day, region="440300", sector="finance", modality="image")
    fact(Metric.CERTIFICATES_LEVEL_5, 3, day=day, region="440300")
    fact(Metric.CERTIFICATES_LEVEL_1, 1, day=day, region="440300")
    fact(Metric.VOUCHER_REDEEMED_FEN, 300_00, day=day, region="440300")
    fact(Metric.ORGANISATIONS_VERIFIED, 5, day=day, region="440300")
    fact(Metric.ORGANISATIONS_VERIFIED, -1, day=day + datetime.timedelta(days=30), region="440100")
    fact(Metric.REPORTED_REVENUE_FEN, 7_000_00, day=day, region="510100")
    fact(Metric.CERTIFICATES_LEVEL_3, 9, day=day, region="510100")


def test_provinces_has_a_row_per_province_with_its_totals(provinces_facts):
    panel = panels.panel("provinces", filters("2025"))

    rows = rows_by(panel, "province")
    assert len(rows) == 34  # every provincial-level division, for the map
    assert rows["44"] == {
        "province": "44",
        "province_name": "Guangdong",
        "revenue_fen": 1_500_00,
        "contract_value_fen": 1_000_00,
        "lots": 4,
        "organisations_verified": 4,  # five verified, one left verification
        "certificates": 4,
        "voucher_redeemed_fen": 300_00,
    }
    assert rows["51"]["revenue_fen"] == 7_000_00
    assert rows["51"]["certificates"] == 9
    assert rows["11"]["revenue_fen"] == 0
    assert panel.chart.kind == "map"


def test_provinces_in_a_scope_and_a_sector(provinces_facts):
    panel = panels.panel("provinces", filters("2025", prefixes=("44",), sector="finance"))

    assert [row["province"] for row in panel.rows] == ["44"]
    row = panel.rows[0]
    assert row["contract_value_fen"] == 800_00  # the marketplace figures follow the sector …
    assert row["revenue_fen"] == 1_500_00  # … the reports do not
    assert panel.notes["ignored_filters"] == ["sector"]


# --- sectors, modalities, acceptance -------------------------------------------------------------


@pytest.fixture
def market():
    day = datetime.date(2025, 8, 1)
    fact(Metric.TENDERS_PUBLISHED, 2, day=day, sector="finance")
    fact(Metric.LOTS_PUBLISHED, 3, day=day, sector="finance", modality="image")
    fact(Metric.LOT_BUDGET_FEN, 900_00, day=day, sector="finance", modality="image")
    fact(Metric.LOTS_PUBLISHED, 1, day=day, sector="finance", modality="text")
    fact(Metric.LOT_BUDGET_FEN, 100_00, day=day, sector="finance", modality="text")
    fact(Metric.CONTRACTS_SIGNED, 2, day=day, sector="finance", modality="image")
    fact(Metric.CONTRACT_VALUE_FEN, 700_00, day=day, sector="finance", modality="image")
    fact(Metric.CONTRACTS_SIGNED, 1, day=day, sector="healthcare", modality="text")
    fact(Metric.CONTRACT_VALUE_FEN, 50_00, day=day, sector="healthcare", modality="text")
    fact(Metric.REPORTED_ITEMS, 1_000, day=day, modality="image")
    fact(Metric.ACCEPTANCES_DECIDED, 4, day=day, sector="finance", modality="image")
    fact(Metric.ACCEPTANCES_ACCEPTED, 3, day=day, sector="finance", modality="image")
    fact(Metric.ACCEPTANCE_QUALITY_BP, 38_000, day=day, sector="finance", modality="image")
    fact(Metric.ACCEPTANCES_DECIDED, 2, day=day, sector="healthcare", modality="text")
    fact(Metric.ACCEPTANCE_QUALITY_BP, 10_001, day=day, sector="healthcare", modality="text")


def test_sectors_split_the_tenders_and_contracts(market):
    panel = panels.panel("sectors", filters("2025"))

    rows = rows_by(panel, "sector")
    assert len(rows) == 10
    assert rows["finance"] == {
        "sector": "finance",
        "sector_name": "finance",
        "tenders": 2,
        "lot_budget_fen": 1_000_00,
        "contracts": 2,
        "contract_value_fen": 700_00,
    }
    assert rows["healthcare"]["contract_value_fen"] == 50_00
    assert rows["transport"]["contracts"] == 0


def test_sectors_under_a_modality_leave_tenders_out(market):
    panel = panels.panel("sectors", filters("2025", modality="image"))

    assert "tenders" not in {column.key for column in panel.columns}
    assert rows_by(panel, "sector")["finance"] == {
        "sector": "finance",
        "sector_name": "finance",
        "lot_budget_fen": 900_00,
        "contracts": 2,
        "contract_value_fen": 700_00,
    }
    assert [row["sector"] for row in panels.panel("sectors", filters("2025", sector="healthcare")).rows] == [
        "healthcare"
    ]


def test_modalities_count_per_modality_and_items_ignore_the_sector(market):
    panel = panels.panel("modalities", filters("2025", sector="healthcare"))

    rows = rows_by(panel, "modality")
    assert rows["image"]["lots"] == 0  # the image lots are finance's
    assert rows["image"]["items"] == 1_000  # reports have no sector
    assert rows["text"]["contracts"] == 1
    assert rows["text"]["deliveries_decided"] == 2
    assert panel.notes["ignored_filters"] == ["sector"]
    unfiltered = rows_by(panels.panel("modalities", filters("2025")), "modality")
    assert (unfiltered["image"]["lots"], unfiltered["text"]["lots"]) == (3, 1)
    assert panels.panel("modalities", filters("2025")).notes["ignored_filters"] == []


def test_acceptance_rates_with_zero_denominators(market):
    panel = panels.panel("acceptance", filters("2025"))

    rows = rows_by(panel, "modality")
    assert rows["image"]["pass_rate_bp"] == 7_500  # 3 of 4
    assert rows["image"]["quality_bp"] == 9_500  # 38,000 / 4
    assert rows["text"]["pass_rate_bp"] == 0  # 0 of 2
    assert rows["text"]["quality_bp"] == 5_000  # 10,001 / 2, rounded down
    assert rows["video"] == {
        "modality": "video",
        "modality_name": "video",
        "decided": 0,
        "accepted": 0,
        "pass_rate_bp": None,
        "quality_bp": None,
    }
    # The total is computed from the counts: 3 of 6, 48,001 / 6.
    assert rows["total"]["pass_rate_bp"] == 5_000
    assert rows["total"]["quality_bp"] == 8_000
    only_text = panels.panel("acceptance", filters("2025", modality="text")).rows
    assert [row["modality"] for row in only_text] == ["text"]


# --- talent --------------------------------------------------------------------------------------


def test_talent_counts_levels_per_province_with_totals():
    day = datetime.date(2025, 3, 1)
    fact(Metric.CERTIFICATES_LEVEL_5, 10, day=day, region="440300")
    fact(Metric.CERTIFICATES_LEVEL_4, 4, day=day, region="440100")
    fact(Metric.CERTIFICATES_LEVEL_1, 1, day=day, region="440300")
    fact(Metric.CERTIFICATES_LEVEL_2, 2, day=day, region="510100")
    fact(Metric.CERTIFICATES_LEVEL_5, 99, day=datetime.date(2024, 12, 31), region="440300")  # outside 2025

    panel = panels.panel("talent", filters("2025", sector="finance"))

    assert panel.rows == [
        {
            "province": "44",
            "province_name": "Guangdong",
            "level_5": 10,
            "level_4": 4,
            "level_3": 0,
            "level_2": 0,
            "level_1": 1,
            "total": 15,
        },
        {
            "province": "51",
            "province_name": "Sichuan",
            "level_5": 0,
            "level_4": 0,
            "level_3": 0,
            "level_2": 2,
            "level_1": 0,
            "total": 2,
        },
    ]
    assert panel.notes["totals"] == {"level_5": 10, "level_4": 4, "level_3": 0, "level_2": 2, "level_1": 1, "total": 17}
    assert panel.notes["ignored_filters"] == ["sector"]
    assert panel.chart.stacked
    assert [row["province"] for row in panels.panel("talent", filters("2025", prefixes=("51",))).rows] == ["51"]


@pytest.mark.parametrize("name", list(panels.PANELS))
def test_every_panel_answers_on_no_data(name):
    panel = panels.panel(name, filters("2025Q1", sector="finance", modality="image"))

    assert panel.name == name
    keys = {column.key for column in panel.columns}
    assert all(set(row) == keys for row in panel.rows)


# --- bases ---------------------------------------------------------------------------------------


def test_bases_are_ranked_by_items_then_revenue_within_the_region():
    chengdu, shenzhen, tie, sichuan_late = (
        AnnotationBaseFactory(city_code=code) for code in ("510100", "440300", "440300", "510100")
    )
    day = datetime.date(2025, 4, 1)
    for base, items, revenue in ((chengdu, 500, 10), (shenzhen, 900, 5), (tie, 900, 7)):
        fact(Metric.BASE_OUTPUT_ITEMS, items, day=day, region=base.city_id, base_id=base.pk)
        fact(Metric.BASE_OUTPUT_REVENUE_FEN, revenue, day=day, region=base.city_id, base_id=base.pk)
    fact(Metric.BASE_OUTPUT_ITEMS, 10_000, day=datetime.date(2026, 1, 1), region="510100", base_id=sichuan_late.pk)

    panel = panels.panel("bases", filters("2025"))
    assert [(row["rank"], row["base"], row["items"], row["revenue_fen"]) for row in panel.rows] == [
        (1, tie.name, 900, 7),
        (2, shenzhen.name, 900, 5),
        (3, chengdu.name, 500, 10),
    ]
    assert panel.notes["bases"] == 3

    sichuan = panels.panel("bases", filters("2025", prefixes=("51",), modality="image"))
    assert [row["base"] for row in sichuan.rows] == [chengdu.name]
    assert sichuan.notes["ignored_filters"] == ["modality"]


def test_bases_keeps_the_top_of_the_ranking(monkeypatch):
    monkeypatch.setattr(sys.modules["monitoring.dashboards.panels.bases"], "TOP", 2)  # the package shadows it
    for items in (1, 2, 3):
        base = AnnotationBaseFactory()
        fact(Metric.BASE_OUTPUT_ITEMS, items, day=datetime.date(2025, 4, 1), region="510100", base_id=base.pk)

    panel = panels.panel("bases", filters("2025"))
    assert [row["items"] for row in panel.rows] == [3, 2]
    assert panel.notes["bases"] == 3
