"""Panel downloads: CSV and XLSX parse back to the panel's figures (yuan and percent computed
exactly), a provincial regulator's files carry only their province, the same 403/404/400 as the
API, and the public summary's downloads are national."""

from __future__ import annotations

import csv
import datetime
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from monitoring.rollups.models import Metric
from tests.factories.monitoring_dashboards import fact
from tests.factories.monitoring_redflags import regulator
from tests.factories.registry import MembershipFactory

pytestmark = pytest.mark.django_db

DAY = datetime.date(2025, 5, 10)  # 2025Q2


@pytest.fixture
def two_provinces():
    fact(Metric.LOTS_PUBLISHED, 3, day=DAY, region="440300", sector="finance", modality="image")
    fact(Metric.LOTS_OPENED, 3, day=DAY, region="440300", sector="finance", modality="image")
    fact(Metric.SINGLE_BID_LOTS, 1, day=DAY, region="440300", sector="finance", modality="image")
    fact(Metric.AWARD_BUDGET_FEN, 1_000_01, day=DAY, region="440300", sector="finance", modality="image")
    fact(Metric.AWARD_VALUE_FEN, 900_00, day=DAY, region="440300", sector="finance", modality="image")
    fact(Metric.REPORTED_REVENUE_FEN, 1_234_56, day=DAY, region="440300")
    fact(Metric.LOTS_PUBLISHED, 7, day=DAY, region="510100", sector="finance", modality="text")
    fact(Metric.REPORTED_REVENUE_FEN, 9_999_99, day=DAY, region="510100")


def csv_parts(response):
    """The filters block (label → value) and the table (header, rows) of a panel CSV."""
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    lines = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    blank = lines.index([])
    return dict(lines[:blank]), lines[blank + 1], lines[blank + 2 :]


def xlsx_parts(response):
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.content))
    about, table = workbook.worksheets
    filters = {row[0]: row[1] for row in about.iter_rows(values_only=True)}
    header, *rows = list(table.iter_rows(values_only=True))
    return filters, list(header), [list(row) for row in rows]


def test_a_provincial_regulators_csv_carries_only_their_province(client, two_provinces):
    client.force_login(regulator("440000"))

    response = client.get("/monitoring/dashboard/provinces.csv", {"period": "2025Q2"})

    about, header, rows = csv_parts(response)
    assert 'filename="provinces-2025Q2-440000.csv"' in response["Content-Disposition"]
    assert about["Period"] == "2025Q2 (2025-04-01 – 2025-06-30)"
    assert about["Data as of"]
    assert header[:4] == [
        "Province code",
        "Province",
        "Revenue reported (yuan)",
        "Value of the contracts signed (yuan)",
    ]
    assert [row[0] for row in rows] == ["44"]
    assert rows[0][2] == "1234.56"
    assert "9999.99" not in response.content.decode()


def test_a_provincial_regulators_xlsx_carries_only_their_province(client, two_provinces):
    client.force_login(regulator("440000"))

    response = client.get("/monitoring/dashboard/tenders.xlsx", {"period": "2025Q2", "region": "440300"})

    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert 'filename="tenders-2025Q2-440300.xlsx"' in response["Content-Disposition"]
    about, header, rows = xlsx_parts(response)
    assert about["Region"].endswith("(440300)")
    row = dict(zip(header, rows[0], strict=True))
    assert row["Quarter"] == "2025Q2"
    assert row["Lots published"] == 3  # not 10: Sichuan's 7 lots are not in scope
    assert Decimal(str(row["Single-bid rate (%)"])) == Decimal("33.33")  # 3,333 bp
    assert Decimal(str(row["Discount to budget (%)"])) == Decimal("10.00")  # (100,001 − 90,000) / 100,001
    assert row["Bids per lot"] == 0


def test_the_csv_matches_the_apis_figures(client, two_provinces):
    user = regulator("")
    client.force_login(user)
    api = client.get("/api/v1/monitoring/summary/tenders/", {"period": "2025"}).json()["panel"]

    _about, header, rows = csv_parts(client.get("/monitoring/dashboard/tenders.csv", {"period": "2025"}))

    assert header == [
        column["label"] + {"bp": " (%)", "fen": " (yuan)"}.get(column["unit"], "") for column in api["columns"]
    ]
    for api_row, row in zip(api["rows"], rows, strict=True):
        for column, cell in zip(api["columns"], row, strict=True):
            value = api_row[column["key"]]
            if value is None:
                assert cell == ""
            elif column["unit"] == "bp":
                assert Decimal(cell) * 100 == value
            else:
                assert cell == str(value)
    assert rows[1][header.index("Lots published")] == "10"


def test_anyone_but_a_regulator_is_refused(client, two_provinces):
    assert client.get("/monitoring/dashboard/tenders.csv").status_code == 302  # to the login page
    client.force_login(MembershipFactory().user)
    assert client.get("/monitoring/dashboard/tenders.csv").status_code == 403


@pytest.mark.parametrize(
    "url",
    [
        "/monitoring/dashboard/tenders.csv?region=510000",
        "/monitoring/dashboard/nonsense.csv",
        "/monitoring/dashboard/tenders.pdf",
    ],
)
def test_another_region_an_unknown_panel_or_format_is_404(client, two_provinces, url):
    client.force_login(regulator("440000"))

    response = client.get(url)

    assert response.status_code == 404
    assert "Content-Disposition" not in response


@pytest.mark.parametrize(("params", "field"), [({"period": "2025Q9"}, "period"), ({"sector": "space"}, "sector")])
def test_bad_filters_answer_400_naming_the_field(client, params, field):
    client.force_login(regulator(""))

    response = client.get("/monitoring/dashboard/sectors.xlsx", params)

    assert response.status_code == 400
    assert f"{field}:" in response.content.decode()


def test_the_public_download_is_national_and_anonymous(client, two_provinces):
    response = client.get("/monitoring/public/tenders.csv", {"period": "2025Q2"})

    about, header, rows = csv_parts(response)
    assert 'filename="tenders-2025Q2-national.csv"' in response["Content-Disposition"]
    assert about["Region"] == "national"
    assert rows[0][header.index("Lots published")] == "10"
    _about, header, rows = xlsx_parts(client.get("/monitoring/public/scale.xlsx", {"period": "2025Q2"}))
    assert Decimal(str(rows[0][header.index("Revenue reported (yuan)")])) == Decimal("11234.55")


def test_the_public_download_refuses_a_region_and_the_regulators_panels(client, two_provinces):
    assert client.get("/monitoring/public/tenders.csv", {"region": "440000"}).status_code == 400
    assert client.get("/monitoring/public/provinces.csv").status_code == 404
    assert client.get("/monitoring/public/vouchers.xlsx").status_code == 404
