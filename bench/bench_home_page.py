"""Server time of the home page (live registry counts) against a bare Django view on the same stack.

Both are requested through Django's test client (full middleware stack, no network), sequentially.
"""

from __future__ import annotations

import time

from django.core.management import call_command
from django.http import HttpRequest, HttpResponse
from django.test import Client, override_settings
from django.urls import path

from bench.harness import Result, best_of, rate

REQUESTS = 300


def bare(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok")


urlpatterns = [path("bare/", bare)]


def _throughput(client: Client, url: str) -> float:
    started = time.perf_counter()
    for _ in range(REQUESTS):
        response = client.get(url)
        assert response.status_code == 200, response.status_code
    return rate(REQUESTS, started)


def run() -> list[Result]:
    call_command("seed_demo", verbosity=0, stdout=open("/dev/null", "w"))  # noqa: SIM115
    client = Client()
    from portal import urls as portal_urls

    routes = type("urls", (), {"urlpatterns": [*urlpatterns, *portal_urls.urlpatterns]})
    static = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}  # no collectstatic here
    with override_settings(ROOT_URLCONF=routes, ALLOWED_HOSTS=["testserver"], STORAGES={"staticfiles": static}):
        _throughput(client, "/")  # warm up
        baseline = best_of(3, lambda: _throughput(client, "/bare/"))
        home = best_of(3, lambda: _throughput(client, "/"))
    return [
        Result("bare Django view", baseline, "req/s"),
        Result("home page (live counts)", home, "req/s"),
        Result("home page / bare view", home / baseline, "ratio"),
    ]
