"""The regulators' dashboard at scale (DESIGN §10: under 100 ms server time, at least 20× faster
than aggregating the source tables), and the rebuild of every rollup.

- Server time: `GET /api/v1/monitoring/summary/` (every panel the dashboard page draws; the page
  itself is a shell that asks for them) through Django's test client, for an operator (national,
  since the base year) and for a provincial regulator (the province with the most facts), after
  a warm-up; the median and the 95th percentile of the requests.
- Against the source tables: the same panels computed by `panels.summary` with the reader that
  aggregates the source tables (`monitoring.rollups.source.source_totals`, the rebuild's queries
  restricted to the period and the region) instead of the rollups: the same figures (checked
  equal), the same code around them, so the ratio is that of the reads alone.
- The rebuild of every rollup from the source tables (`rollups_rebuild`), once.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any

from django.db.models import Count
from django.db.models.functions import Substr
from django.test import Client, override_settings

from bench.harness import Result

REQUESTS = 40
SOURCE_RUNS = 3


def _users() -> tuple[Any, Any, str]:
    """An operator and the regulator of the province with the most facts (made once)."""
    from monitoring.rollups.models import RollupFact
    from portal.accounts.models import User
    from registry.models import Membership, Organisation, Region, VerificationStatus
    from registry.roles import OrganisationKind, Role

    operator, _ = User.objects.get_or_create(username="bench-operator", defaults={"is_staff": True})
    busiest = (
        RollupFact.objects.annotate(province=Substr("region", 1, 2))
        .values("province")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .first()
    )
    assert busiest is not None, "no rollup facts: run `make bench-data` (it builds them)"
    province = Region.objects.get(pk=busiest["province"] + "0000")
    regulator, created = User.objects.get_or_create(username=f"bench-regulator-{province.code}")
    if created:
        agency = Organisation.objects.filter(kind=OrganisationKind.AGENCY, status=VerificationStatus.VERIFIED).first()
        assert agency is not None
        Membership.objects.create(user=regulator, organisation=agency, role=Role.REGULATOR, scope_region=province)
    return operator, regulator, province.code


def _server_times(client: Client, url: str) -> list[float]:
    client.get(url)  # warm up
    times = []
    for _ in range(REQUESTS):
        started = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - started)
        assert response.status_code == 200, response.content[:500]
    return times


def _p95(times: list[float]) -> float:
    return statistics.quantiles(times, n=20)[-1]


def _timed(work: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = work()
    return time.perf_counter() - started, result


def _panels(user: Any, reader: Any) -> list[dict[str, Any]]:
    """Every panel of the user's dashboard (default filters), as the API presents them."""
    from monitoring.dashboards import panels
    from monitoring.dashboards.filters import dashboard_filters
    from monitoring.dashboards.presenting import panel_data

    filters = dashboard_filters(user=user, params={})
    return [panel_data(panel) for panel in panels.summary(filters, reader=reader)]


def _measure(who: str, user: Any) -> list[Result]:
    from monitoring.rollups.selectors import rollup_totals
    from monitoring.rollups.source import source_totals

    client = Client()
    client.force_login(user)
    times = _server_times(client, "/api/v1/monitoring/summary/")
    server = statistics.median(times)
    source_runs = [_timed(lambda: _panels(user, source_totals)) for _ in range(SOURCE_RUNS)]
    assert all(figures == _panels(user, rollup_totals) for _, figures in source_runs), (
        f"{who}: the source tables and the rollups disagree"
    )
    source = statistics.median(seconds for seconds, _ in source_runs)
    rollups = statistics.median(_timed(lambda: _panels(user, rollup_totals))[0] for _ in range(REQUESTS))
    return [
        Result(f"dashboard summary, {who}: server time median", server * 1000, "ms"),
        Result(f"dashboard summary, {who}: server time p95", _p95(times) * 1000, "ms", "target < 100"),
        Result(f"dashboard panels from the rollups, {who}", rollups * 1000, "ms"),
        Result(f"dashboard panels from the source tables, {who}", source * 1000, "ms", "same figures"),
        Result(f"source tables / rollups, {who}", source / rollups, "ratio", "target ≥ 20"),
        Result(f"source tables / server time, {who}", source / server, "ratio", "target ≥ 20"),
    ]


def run() -> list[Result]:
    from monitoring.rollups.services import rollups_rebuild

    operator, regulator, province = _users()
    results: list[Result] = []
    with override_settings(ALLOWED_HOSTS=["testserver"]):
        results += _measure("national operator", operator)
        results += _measure(f"regulator of {province}", regulator)
    seconds, facts = _timed(rollups_rebuild)
    results.append(Result("rebuild of every rollup", seconds, "s", f"{facts:,} facts"))
    return results
