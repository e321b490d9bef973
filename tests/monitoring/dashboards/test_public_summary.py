"""The public summary: anonymous, national whatever the caller, `period` only, the licence, and
its open-data CSV parsing back to the JSON's figures; documented in the schema."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from monitoring.dashboards.exports import OPEN_DATA_HEADER
from monitoring.dashboards.panels import PUBLIC_PANELS
from monitoring.rollups.models import Metric
from tests.factories.monitoring_dashboards import fact
from tests.factories.monitoring_redflags import regulator

pytestmark = pytest.mark.django_db

JSON_URL = "/api/v1/monitoring/public-summary/"
CSV_URL = "/api/v1/monitoring/public-summary.csv"
DAY = datetime.date(2025, 5, 10)  # 2025Q2


@pytest.fixture
def two_provinces():
    fact(Metric.LOTS_PUBLISHED, 3, day=DAY, region="440300", sector="finance", modality="image")
    fact(Metric.LOTS_PUBLISHED, 7, day=DAY, region="510100", sector="finance", modality="text")
    fact(Metric.LOTS_OPENED, 4, day=DAY, region="510100", sector="finance", modality="text")
    fact(Metric.SINGLE_BID_LOTS, 1, day=DAY, region="510100", sector="finance", modality="text")


def panel_of(body, name):
    return next(panel for panel in body["panels"] if panel["name"] == name)


def tenders_row(body, period="2025Q2"):
    return next(row for row in panel_of(body, "tenders")["rows"] if row["period"] == period)


def csv_rows(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


@override_settings(OPEN_DATA_LICENCE_NAME="CC BY 4.0", OPEN_DATA_LICENCE_URL="https://example.org/by/4.0/")
def test_anyone_reads_national_figures_with_the_licence(two_provinces):
    response = APIClient().get(JSON_URL, {"period": "2025"})

    assert response.status_code == 200
    body = response.json()
    assert [panel["name"] for panel in body["panels"]] == list(PUBLIC_PANELS)
    assert body["filters"]["period"] == "2025"
    assert body["filters"]["scope"] == []
    assert body["licence"]["name"] == "CC BY 4.0"
    assert body["licence"]["url"] == "https://example.org/by/4.0/"
    assert "CC BY 4.0" in body["licence"]["statement"]
    assert body["data_date"]
    row = tenders_row(body)
    assert row["lots"] == 10  # both provinces
    assert row["single_bid_rate_bp"] == 2_500  # 1 of the 4 lots opened


def test_a_provincial_regulator_still_gets_the_national_figures(two_provinces):
    client = APIClient()
    client.force_authenticate(regulator("440000"))

    assert tenders_row(client.get(JSON_URL, {"period": "2025Q2"}).json())["lots"] == 10


@pytest.mark.parametrize("url", [JSON_URL, CSV_URL])
@pytest.mark.parametrize(("params", "field"), [({"region": "440000"}, "region"), ({"period": "2025Q7"}, "period")])
def test_region_and_bad_periods_are_refused_naming_the_field(url, params, field):
    response = APIClient().get(url, params)

    assert response.status_code == 400
    assert field in response.json()["fields"]


def test_the_open_data_csv_carries_every_figure_of_the_json(two_provinces):
    client = APIClient()
    body = client.get(JSON_URL, {"period": "2025"}).json()

    rows = csv_rows(client.get(CSV_URL, {"period": "2025"}))

    assert tuple(rows[0]) == OPEN_DATA_HEADER
    records = [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    expected = {}
    for panel in body["panels"]:
        units = {column["key"]: column["unit"] for column in panel["columns"]}
        key = next(column["key"] for column in panel["columns"] if column["unit"] == "text")
        for row in panel["rows"]:
            for measure, value in row.items():
                if units[measure] != "text":
                    expected[(panel["name"], row[key], measure)] = "" if value is None else str(value)
    assert {(r["panel"], r["category"], r["measure"]): r["value"] for r in records} == expected
    lots = next(r for r in records if (r["panel"], r["category"], r["measure"]) == ("tenders", "2025Q2", "lots"))
    assert lots["value"] == "10"
    assert lots["unit"] == "count"
    assert lots["period"] == "2025"
    assert lots["data_date"] == body["data_date"]
    assert lots["licence"] == body["licence"]["name"]
    assert lots["licence_url"] == body["licence"]["url"]
    no_denominator = next(
        r for r in records if (r["panel"], r["category"], r["measure"]) == ("tenders", "2025Q1", "single_bid_rate_bp")
    )
    assert no_denominator["value"] == ""


def test_the_schema_documents_the_public_summary(api_client):
    schema = api_client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()

    for path in (JSON_URL, CSV_URL):
        operation = schema["paths"][path]["get"]
        assert operation["description"]
        names = {parameter["name"] for parameter in operation["parameters"]}
        assert "period" in names
        assert not names & {"region", "sector", "modality"}
        assert {"200", "400"} <= set(operation["responses"])
    assert "text/csv" in schema["paths"][CSV_URL]["get"]["responses"]["200"]["content"]
