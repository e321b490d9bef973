"""The registry measures of issue 3, on the scale data set (10,000 organisations, 1,000,000 certificates):

- certificate verification p95, page and API, with a bare Django view's p95 as the yardstick;
- organisation search p95 (page and API) over varied filters, same yardstick;
- import throughput for 100,000 organisations against a plain COPY of the same rows (the
  organisation rows and the members group and view permission each one needs). Both run inside a
  transaction that is rolled back, so the data set stays as it was.
"""

from __future__ import annotations

import csv
import io
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from django.core.files import File
from django.db import connection, transaction
from django.test import Client, override_settings
from django.urls import path

from bench.bench_home_page import bare
from bench.copy import copy_rows, next_id
from bench.harness import Result
from bench.scale_registry import certificate_numbers
from registry.credit_code import check_character

REQUESTS = 400
IMPORT_ROWS = 100_000
REGIONS = ["510100", "510107", "440300", "330100", "340100", "110108", "210100", "430100"]


def _latencies(client: Client, urls: list[str]) -> list[float]:
    times = []
    for url in urls:
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        if response.status_code not in (200, 404):
            raise AssertionError(f"{url} answered {response.status_code}")
    return times


def _p95(times: list[float]) -> float:
    return statistics.quantiles(times, n=100)[94]


def _search_urls(rng: random.Random, prefix: str) -> list[str]:
    from registry.taxonomy import Modality, Sector

    filters: list[Callable[[], str]] = [
        lambda: f"q={rng.choice(['智标', '数源', '慧眼', '星图', '云帆'])}",
        lambda: f"region={rng.choice(['510000', '440000', '330000', '110000'])}",
        lambda: "kind=vendor",
        lambda: f"modality={rng.choice(Modality.values)}",
        lambda: f"sector={rng.choice(Sector.values)}",
        lambda: f"region={rng.choice(REGIONS)}&kind=vendor&modality={rng.choice(Modality.values)}",
        lambda: f"page={rng.randint(1, 50)}",
    ]
    return [f"{prefix}?{rng.choice(filters)()}" for _ in range(REQUESTS)]


def _organisation_csv(count: int) -> Path:
    from registry.models import Organisation

    start = next_id(Organisation) + 1_000_000
    handle = tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False, encoding="utf-8", newline="")  # noqa: SIM115
    with handle:
        writer = csv.writer(handle)
        writer.writerow(["name", "kind", "credit_code", "region", "status"])
        for n in range(count):
            region = REGIONS[n % len(REGIONS)]
            first17 = f"91{region}MC{start + n:07d}"
            writer.writerow(
                [f"导入基准数据标注有限公司{n}", "vendor", first17 + check_character(first17), region, "verified"]
            )
    return Path(handle.name)


class _RollBack(Exception):
    pass


def _rolled_back(work: Callable[[], None]) -> float:
    """Seconds `work` takes inside a transaction that is then rolled back."""
    started = time.perf_counter()
    try:
        with transaction.atomic():
            work()
            elapsed = time.perf_counter() - started
            raise _RollBack
    except _RollBack:
        return elapsed


def _copy_baseline(rows: list[list[str]]) -> None:
    from django.contrib.auth.models import Group, Permission
    from django.utils import timezone

    from registry.models import Organisation, OrganisationGroupObjectPermission

    now = timezone.now()
    first_org, first_group = next_id(Organisation), next_id(Group)
    view = Permission.objects.get(codename="view_organisation", content_type__app_label="registry")
    copy_rows(Group, ({"id": first_group + n, "name": f"organisation:{row[2]}"} for n, row in enumerate(rows)))
    copy_rows(
        Organisation,
        (
            {
                "id": first_org + n,
                "name": row[0],
                "kind": row[1],
                "credit_code": row[2],
                "region_id": row[3],
                "status": row[4],
                "status_changed_at": now,
                "members_group_id": first_group + n,
                "created_at": now,
                "updated_at": now,
            }
            for n, row in enumerate(rows)
        ),
    )
    first_perm = next_id(OrganisationGroupObjectPermission)
    copy_rows(
        OrganisationGroupObjectPermission,
        (
            {
                "id": first_perm + n,
                "content_object_id": first_org + n,
                "group_id": first_group + n,
                "permission_id": view.pk,
            }
            for n in range(len(rows))
        ),
    )


def _import(csv_path: Path) -> None:
    from portal.accounts.models import User
    from registry.imports.models import ImportStatus
    from registry.imports.services import import_job_create, import_job_run

    operator, _ = User.objects.get_or_create(username="bench-operator", defaults={"is_staff": True})
    with csv_path.open("rb") as handle:
        job = import_job_create(
            actor=operator, kind="organisations", upload=File(handle, name="bench.csv"), enqueue=False
        )
    job = import_job_run(job_id=job.pk)
    if job.status != ImportStatus.DONE or job.written_rows != IMPORT_ROWS:
        raise AssertionError(f"import ended {job.status} with {job.written_rows} rows written")


def run() -> list[Result]:
    rng = random.Random(11)
    client = Client()
    from portal import urls as portal_urls

    routes = type("urls", (), {"urlpatterns": [path("bare/", bare), *portal_urls.urlpatterns]})
    static = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    results: list[Result] = []
    with override_settings(ROOT_URLCONF=routes, ALLOWED_HOSTS=["testserver"], STORAGES={"staticfiles": static}):
        _latencies(client, ["/bare/"] * 50 + ["/registry/?q=智标"] * 20)  # warm up
        bare_p95 = _p95(_latencies(client, ["/bare/"] * REQUESTS))
        results.append(Result("bare Django view p95", bare_p95, "ms"))
        numbers = certificate_numbers(REQUESTS)
        for label, url in (
            ("certificate verification API p95 (1,000,000)", "/api/v1/certificates/verify/?number={}"),
            ("certificate verification page p95 (1,000,000)", "/registry/talent/verify/?number={}"),
        ):
            p95 = _p95(_latencies(client, [url.format(n) for n in numbers]))
            results += [Result(label, p95, "ms"), Result("  / bare view p95", p95 / bare_p95, "ratio")]
        for label, prefix in (
            ("organisation search API p95 (10,000)", "/api/v1/organisations/"),
            ("organisation search page p95 (10,000)", "/registry/"),
        ):
            p95 = _p95(_latencies(client, _search_urls(rng, prefix)))
            results += [Result(label, p95, "ms"), Result("  / bare view p95", p95 / bare_p95, "ratio")]

    csv_path = _organisation_csv(IMPORT_ROWS)
    try:
        with csv_path.open(encoding="utf-8") as handle:
            rows = list(csv.reader(io.StringIO(handle.read())))[1:]
        copy_seconds = _rolled_back(lambda: _copy_baseline(rows))
        import_seconds = _rolled_back(lambda: _import(csv_path))
    finally:
        csv_path.unlink(missing_ok=True)
    with connection.cursor() as cursor:  # the rolled-back rows left dead tuples behind
        cursor.execute("VACUUM ANALYZE auth_group, registry_organisation, registry_organisationgroupobjectpermission")
    copy_rate, import_rate = IMPORT_ROWS / copy_seconds, IMPORT_ROWS / import_seconds
    results += [
        Result("COPY of 100,000 organisations (baseline)", copy_rate, "rows/s"),
        Result("import of 100,000 organisations (check + write)", import_rate, "rows/s"),
        Result("import / COPY", import_rate / copy_rate, "ratio"),
    ]
    return results
