"""The dashboard API: who may read it, region scoping, filter validation, and a panel's figures."""

from __future__ import annotations

import datetime

import pytest
from rest_framework.test import APIClient

from monitoring.rollups.models import Metric
from tests.factories.bases import AnnotationBaseFactory
from tests.factories.monitoring_dashboards import fact
from tests.factories.monitoring_redflags import regulator
from tests.factories.registry import MembershipFactory

pytestmark = pytest.mark.django_db

DAY = datetime.date(2025, 5, 10)  # 2025Q2


def api(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


@pytest.fixture
def two_provinces():
    """Guangdong (44) and Sichuan (51) tenders in 2025Q2."""
    fact(Metric.LOTS_PUBLISHED, 3, day=DAY, region="440300", modality="image")
    fact(Metric.LOTS_OPENED, 2, day=DAY, region="440300", modality="image")
    fact(Metric.BIDS_OPENED, 5, day=DAY, region="440300", modality="image")
    fact(Metric.SINGLE_BID_LOTS, 1, day=DAY, region="440300", modality="image")
    fact(Metric.LOTS_PUBLISHED, 7, day=DAY, region="510100", modality="text")


def tenders_row(response, period="2025Q2"):
    assert response.status_code == 200, response.json()
    return next(row for row in response.json()["panel"]["rows"] if row["period"] == period)


def test_a_provincial_regulator_sees_only_their_province(two_provinces):
    client = api(regulator("440000"))

    row = tenders_row(client.get("/api/v1/monitoring/summary/tenders/", {"period": "2025"}))
    assert row["lots"] == 3
    assert row["bids_per_lot"] == "2.50"
    assert row["single_bid_rate_bp"] == 5_000

    assert client.get("/api/v1/monitoring/summary/tenders/", {"region": "510000"}).status_code == 404
    assert client.get("/api/v1/monitoring/summary/", {"region": "510100"}).status_code == 404
    assert (
        tenders_row(client.get("/api/v1/monitoring/summary/tenders/", {"period": "2025", "region": "440300"}))["lots"]
        == 3
    )


def test_an_operator_sees_every_province_and_filters_by_modality(two_provinces):
    operator = MembershipFactory().user
    operator.is_staff = True
    operator.save()
    client = api(operator)

    assert tenders_row(client.get("/api/v1/monitoring/summary/tenders/", {"period": "2025Q2"}))["lots"] == 10
    row = tenders_row(client.get("/api/v1/monitoring/summary/tenders/", {"period": "2025Q2", "modality": "text"}))
    assert row["lots"] == 7
    assert "tenders" not in row


def test_anyone_else_is_refused():
    assert api().get("/api/v1/monitoring/summary/").status_code in (401, 403)
    assert api(MembershipFactory().user).get("/api/v1/monitoring/summary/").status_code == 403


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"period": "2025Q5"}, "period"),
        ({"period": "1999"}, "period"),
        ({"region": "999999"}, "region"),
        ({"sector": "space"}, "sector"),
        ({"modality": "smell"}, "modality"),
    ],
)
def test_bad_filters_are_named(params, field):
    response = api(regulator("")).get("/api/v1/monitoring/summary/", params)
    assert response.status_code == 400
    assert field in response.json()["fields"]


def test_an_unknown_panel_is_404():
    assert api(regulator("")).get("/api/v1/monitoring/summary/nonsense/").status_code == 404


def test_every_panel_of_a_provincial_regulator_stays_in_their_province():
    fact(Metric.REPORTED_REVENUE_FEN, 100, day=DAY, region="440300")
    fact(Metric.CERTIFICATES_LEVEL_5, 2, day=DAY, region="440300")
    fact(Metric.REPORTED_REVENUE_FEN, 9_000, day=DAY, region="510100")
    fact(Metric.CERTIFICATES_LEVEL_5, 50, day=DAY, region="510100")
    shenzhen, chengdu = AnnotationBaseFactory(city_code="440300"), AnnotationBaseFactory(city_code="510100")
    fact(Metric.BASE_OUTPUT_ITEMS, 10, day=DAY, region="440300", base_id=shenzhen.pk)
    fact(Metric.BASE_OUTPUT_ITEMS, 99, day=DAY, region="510100", base_id=chengdu.pk)

    response = api(regulator("440000")).get("/api/v1/monitoring/summary/", {"period": "2025Q2"})

    assert response.status_code == 200
    body = {panel["name"]: panel for panel in response.json()["panels"]}
    assert list(body) == [
        "scale",
        "provinces",
        "sectors",
        "modalities",
        "tenders",
        "acceptance",
        "talent",
        "bases",
        "vouchers",
    ]
    assert body["scale"]["rows"] == [
        {
            "period": "2025Q2",
            "revenue_fen": 100,
            "headcount": 0,
            "items": 0,
            "reports": 0,
            "revenue_qoq_bp": None,
            "revenue_yoy_bp": None,
        }
    ]
    assert [(row["province"], row["revenue_fen"]) for row in body["provinces"]["rows"]] == [("44", 100)]
    assert [(row["province"], row["total"]) for row in body["talent"]["rows"]] == [("44", 2)]
    assert [(row["base"], row["items"]) for row in body["bases"]["rows"]] == [(shenzhen.name, 10)]
    assert body["talent"]["chart"] == {
        "kind": "bar",
        "category": "province_name",
        "series": ["level_5", "level_4", "level_3", "level_2", "level_1"],
        "stacked": True,
    }
