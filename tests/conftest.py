"""Shared fixtures. Tests that need a real service are marked; see pyproject.toml for the markers.

REQUIRE_POSTGRES=1, REQUIRE_BROKER=1 and REQUIRE_BROWSER=1 (set by .ci/run) turn the skip of a
marked test whose service is missing into a failure, so CI can never pass by skipping.
"""

from __future__ import annotations

import os
import threading

import pytest
import redis
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.db import connection, connections
from django.utils import translation
from pytest_django.plugin import blocking_manager_key
from rest_framework.test import APIClient

from portal.celery import app as celery_app
from registry.models import Region
from registry.region_data import load_regions
from registry.roles import OrganisationKind, Role
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory
from tests.localstripe import running_localstripe


def _required(name: str) -> bool:
    return os.environ.get(name, "") == "1"


def skip_or_fail(reason: str, *, required_by: str) -> None:
    if _required(required_by):
        pytest.fail(f"{reason} ({required_by}=1)", pytrace=False)
    pytest.skip(reason)


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("postgres") and connection.vendor != "postgresql":
        skip_or_fail("needs PostgreSQL: set DATABASE_URL", required_by="REQUIRE_POSTGRES")


def _redis_answers(url: str) -> bool:
    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


@pytest.fixture(scope="session")
def redis_url() -> str:
    """A Redis database for tests that need a real broker (TEST_REDIS_URL, default db 15)."""
    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    # Under pytest-xdist each process gets its own database (15, 14, …): a worker thread must never
    # take a task queued by another process, which uses another test database.
    xdist_worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if xdist_worker.startswith("gw"):
        base, _slash, db = url.rpartition("/")
        url = f"{base}/{int(db or 15) - int(xdist_worker[2:])}"
    if not _redis_answers(url):
        skip_or_fail(f"needs Redis at {url}", required_by="REQUIRE_BROKER")
    return url


@pytest.fixture(autouse=True)
def _english_outside_requests():
    """Services and commands called directly by a test speak English, whatever earlier tests did;
    requests still get the language the portal picks for them (zh-Hans unless chosen)."""
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _test_settings(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Pages are not served from the cache unless a test asks (tests/marketplace/pages/
    # test_listing_cache.py): a test's transaction never commits, so nothing would invalidate it.
    settings.TENDER_LIST_CACHE_SECONDS = 0
    # Tests do not run collectstatic; the manifest storage is exercised by `make run` and e2e.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None):
    """A transactional test empties every table when it ends, migration data included: put the
    regions back (reference data every organisation needs) before the next test, whatever kind."""
    yield
    marker = item.get_closest_marker("django_db")
    # After the last test the test database is already gone (nextitem is None).
    if nextitem is not None and marker and marker.kwargs.get("transaction"):
        with item.config.stash[blocking_manager_key].unblock():
            if not Region.objects.exists():
                load_regions(Region)


@pytest.fixture(autouse=True)
def _celery_in_process():
    """Tasks queued by services run in-process unless a test starts a real worker (tests/portal/
    test_celery_worker.py), so no test leaves messages behind in a shared broker."""
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture(scope="module")
def celery_worker(redis_url):
    """A real Celery worker (in a thread of this process) consuming from Redis, for one test module.

    Pools and the result backend made earlier in the session point at the in-memory broker; they
    are dropped so that messages really go through Redis. Use it through `queued_tasks`."""
    redis.Redis.from_url(redis_url).flushdb()  # a database reserved for tests: no stale messages
    saved = {key: celery_app.conf[key] for key in ("broker_url", "result_backend", "task_always_eager")}
    celery_app.conf.update(broker_url=redis_url, result_backend=redis_url, task_always_eager=False)
    _drop_celery_connections()
    try:
        with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            yield
    finally:
        celery_app.conf.update(saved)
        _drop_celery_connections()


@task_postrun.connect
def _close_worker_thread_connections(**kwargs: object) -> None:
    """A test worker runs tasks in a thread of its own, whose database connections would outlive
    the test database (its teardown then fails with "being accessed by other users")."""
    if threading.current_thread() is not threading.main_thread():
        connections.close_all()


def _drop_celery_connections() -> None:
    celery_app.close()
    celery_app.amqp._producer_pool = None
    vars(celery_app._local).pop("backend", None)


@pytest.fixture
def queued_tasks(celery_worker, _celery_in_process):
    """Tasks queued in this test go through the broker to the worker (the autouse fixture below
    turns in-process execution back on for every other test)."""
    celery_app.conf.task_always_eager = False


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def operator(db):
    return UserFactory(username="operator", is_staff=True)


@pytest.fixture
def vendor_org(db):
    return OrganisationFactory(kind=OrganisationKind.VENDOR, region_code="510100", verified=True)


@pytest.fixture
def vendor_user(vendor_org):
    return MembershipFactory(organisation=vendor_org, role=Role.VENDOR_STAFF).user


@pytest.fixture
def other_vendor_user(db):
    organisation = OrganisationFactory(kind=OrganisationKind.VENDOR, region_code="340100", verified=True)
    return MembershipFactory(organisation=organisation, role=Role.VENDOR_STAFF).user


@pytest.fixture
def agency_user(db):
    organisation = OrganisationFactory(kind=OrganisationKind.AGENCY, region_code="510000", verified=True)
    return MembershipFactory(organisation=organisation, role=Role.AGENCY_STAFF).user


@pytest.fixture
def regulator_other_region(db):
    organisation = OrganisationFactory(kind=OrganisationKind.AGENCY, region_code="440000", verified=True)
    return MembershipFactory(organisation=organisation, role=Role.REGULATOR, scope_region_code="440000").user


@pytest.fixture(scope="session")
def localstripe():
    """The stand-in for Stripe, started once per test process when a test asks for it."""
    with running_localstripe() as base:
        yield base
