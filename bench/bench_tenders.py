"""The tender exchange measures of issue 4 (DESIGN §10), on the scale data set (100,000 tenders,
1,000,000 bids):

- the tender search page (`/tenders/`): p95 server time per kind of search and throughput of the
  mix, each against a bare Django view on the same stack (Django's test client, full middleware,
  no network, sequential, as `bench_home_page` and `bench_registry` measure);
- the deadline rush: 200 clients send 2,000 bids over the last minute of a few tenders (some of
  them deliberately late) through `services.bid_submit`, while the deadline sweep runs in a loop;
  every bid decided before the deadline must be accepted, every one decided after refused, and
  every accepted bid opened by the sweep;
- `manage.py export_ocds` of every release: wall time and peak memory of the subprocess, against
  streaming the same release texts out of PostgreSQL with a plain COPY TO STDOUT.
"""

from __future__ import annotations

import multiprocessing
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import django
from django.conf import settings
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connections
from django.test import Client, override_settings
from django.urls import path
from django.utils import timezone

from bench.bench_home_page import bare
from bench.harness import Result, best_of, rate
from marketplace import services
from marketplace.models import Bid, BidState, Lot, Release, Tender
from marketplace.procedures import EvaluationMethod, Procedure
from marketplace.states import TenderState
from portal.accounts.models import User
from portal.celery import app as celery_app
from registry.models import Membership, Organisation, VerificationStatus
from registry.roles import OrganisationKind, Role
from registry.taxonomy import Modality, Sector

REQUESTS_PER_SEARCH = 100
THROUGHPUT_REQUESTS = 300
# The deadline rush.
CLIENTS = 200
BIDS_PER_CLIENT = 10
RUSH_TENDERS = 4
RUSH_SECONDS = 60
# The "server": bid submissions run in this many worker processes, each with its own database
# connection, as a web server's workers would: 200 clients cannot each hold one of PostgreSQL's
# default 100 connections, and threads of one process would share one core.
SERVER_WORKERS = 8
SWEEP_EVERY = 0.5


def run() -> list[Result]:
    return [*search_page(), *deadline_rush(), *ocds_export()]


# --- the tender search page -------------------------------------------------------------------


def _searches(rng: random.Random) -> dict[str, Callable[[], str]]:
    provinces = ["510000", "440000", "330000", "320000", "110000", "370000", "420000"]
    return {
        "page 1, no filter": lambda: "/tenders/",
        "text query": lambda: (
            "/tenders/?q=" + rng.choice(["遥感", "点云", "语音转写", "热线", "质检", "成都市", "标注"])
        ),
        "region subtree + sector": lambda: (
            f"/tenders/?region={rng.choice(provinces)}&sector={rng.choice(Sector.values)}"
        ),
        "budget range (yuan)": lambda: "/tenders/?budget_min={}&budget_max={}".format(
            *sorted(rng.sample([100_000, 200_000, 500_000, 1_000_000, 2_000_000, 5_000_000], 2))
        ),
        "modality": lambda: f"/tenders/?modality={rng.choice(Modality.values)}",
        "page 50": lambda: "/tenders/?page=50",
    }


def _get(client: Client, url: str) -> float:
    started = time.perf_counter()
    response = client.get(url)
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise AssertionError(f"{url} answered {response.status_code}")
    return elapsed


def _p95(times: list[float]) -> float:
    return statistics.quantiles(times, n=100)[94]


def _throughput(client: Client, urls: list[str]) -> float:
    started = time.perf_counter()
    for url in urls:
        _get(client, url)
    return rate(len(urls), started)


def _search_figures(client: Client, searches: dict[str, Callable[[], str]], bare_p95: float, tag: str) -> list[Result]:
    results: list[Result] = []
    every: list[float] = []
    for label, make in searches.items():
        times = [_get(client, make()) for _ in range(REQUESTS_PER_SEARCH)]
        every += times
        results.append(Result(f"tender search p95 ({tag}): {label}", _p95(times), "ms"))
    results += [
        Result(f"tender search p95 ({tag}), all kinds (100,000 tenders)", _p95(every), "ms", "target < 50 ms"),
        Result("  / bare view p95", _p95(every) / bare_p95, "ratio"),
    ]
    return results


def search_page() -> list[Result]:
    """Two ways: every request rendered ("uncached": the listing cache off, what a signed-in user
    or a first visitor costs), and as anonymous visitors get it ("cached": marketplace.
    listing_cache on, each distinct search rendered once, then served until a change)."""
    rng = random.Random(4)
    searches = _searches(rng)
    client = Client()
    from portal import urls as portal_urls

    routes = type("urls", (), {"urlpatterns": [path("bare/", bare), *portal_urls.urlpatterns]})
    static = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    results: list[Result] = []
    with override_settings(ROOT_URLCONF=routes, ALLOWED_HOSTS=["testserver"], STORAGES={"staticfiles": static}):
        bare_p95 = _p95([_get(client, "/bare/") for _ in range(400)])
        results.append(Result("bare Django view p95", bare_p95, "ms"))
        baseline = best_of(3, lambda: _throughput(client, ["/bare/"] * THROUGHPUT_REQUESTS))
        results.append(Result("bare Django view", baseline, "req/s"))
        mix = [make() for make in searches.values() for _ in range(THROUGHPUT_REQUESTS // len(searches))]
        rng.shuffle(mix)
        for tag, seconds in (("uncached", 0), ("cached", 60)):
            with override_settings(TENDER_LIST_CACHE_SECONDS=seconds):
                cache.clear()
                for make in searches.values():  # warm up connections and templates
                    for _ in range(5):
                        _get(client, make())
                results += _search_figures(client, searches, bare_p95, tag)
                search = best_of(3, lambda: _throughput(client, mix))
                results += [
                    Result(f"tender search ({tag}), the six kinds mixed", search, "req/s"),
                    Result(f"tender search ({tag}) / bare view", 100 * search / baseline, "%", "target >= 40 %"),
                ]
    return results


# --- the deadline rush --------------------------------------------------------------------------


NOT_YET = datetime.min.replace(tzinfo=UTC)


@dataclass
class _Call:
    client: int
    tender_id: int
    lot_id: int
    due: float  # seconds relative to the deadline
    price_fen: int
    sent_at: datetime = NOT_YET
    started_at: datetime = NOT_YET
    finished_at: datetime = NOT_YET
    bid_id: int | None = None
    received_at: datetime = NOT_YET
    refused: bool = False
    error: str = ""


def _rush_tenders(agency_staff: User) -> list[Tender]:
    """Tenders opened for bids the normal way, whose deadline is then moved to a minute from now
    (no benchmark waits twenty days; the factories' `past_deadline` does the same)."""
    membership = agency_staff.memberships.get(role=Role.AGENCY_STAFF)
    tenders = []
    for n in range(RUSH_TENDERS):
        spec = services.TenderSpec(
            title=f"截止时刻压力测试招标 {n + 1}",
            description="基准测试：截止前最后一分钟的集中投标。",
            procedure=Procedure.OPEN_TENDER,
            evaluation_method=EvaluationMethod.LOWEST_EVALUATED_PRICE,
            sector=Sector.TRANSPORT,
            deadline=timezone.now() + timedelta(days=25),
            lots=[
                services.LotSpec(title=f"第 {i} 包", modality=Modality.IMAGE, volume=100_000, budget_fen=100_000_000)
                for i in (1, 2)
            ],
            milestones=[services.MilestoneSpec(title="全部交付验收", share_bp=10_000)],
        )
        tender = services.tender_create(actor=agency_staff, buyer=membership.organisation, spec=spec)
        document = SimpleUploadedFile("招标文件.txt", "截止时刻压力测试".encode(), content_type="text/plain")
        services.tender_document_add(actor=agency_staff, tender=tender, title="招标文件", upload=document)
        tenders.append(services.tender_publish(actor=agency_staff, tender=tender))
    return tenders


def _bidders() -> list[tuple[User, Organisation]]:
    memberships = (
        Membership.objects.filter(
            role=Role.VENDOR_STAFF,
            organisation__kind=OrganisationKind.VENDOR,
            organisation__status=VerificationStatus.VERIFIED,
            user__username__startswith="bench-staff-",
        )
        .select_related("user", "organisation")
        .order_by("pk")[:CLIENTS]
    )
    return [(m.user, m.organisation) for m in memberships]


def _schedule(rng: random.Random, tenders: list[Tender]) -> list[list[_Call]]:
    """Each client's bids, in time order, spread over the last minute before the deadline, and one
    in ten in the five seconds after it."""
    lots = [(tender.pk, lot.pk) for tender in tenders for lot in tender.lots.all()]
    plans = []
    for client in range(CLIENTS):
        calls = []
        for _ in range(BIDS_PER_CLIENT):
            due = rng.uniform(-RUSH_SECONDS, 0) if rng.random() < 0.9 else rng.uniform(0, 5)
            tender_id, lot_id = rng.choice(lots)
            calls.append(_Call(client, tender_id, lot_id, due, rng.randrange(60_000_000, 100_000_000, 100)))
        plans.append(sorted(calls, key=lambda c: c.due))
    return plans


def _server_ready(_n: int) -> int:
    return Tender.objects.count()  # opens the worker's connection before the rush


def _submit(call: _Call, user_id: int, vendor_id: int) -> _Call:
    """One request, as a server worker handles it: load the user, the tender and the lot, submit."""
    call.started_at = timezone.now()
    try:
        bid = services.bid_submit(
            actor=User.objects.get(pk=user_id),
            tender=Tender.objects.get(pk=call.tender_id),
            lot=Lot.objects.get(pk=call.lot_id),
            vendor=Organisation.objects.get(pk=vendor_id),
            price_fen=call.price_fen,
            documents=[services.BidDocumentInput(name="技术方案.pdf", content=b"%PDF-1.4 rush")],
        )
    except services.DeadlinePassed:
        call.refused = True
    except Exception as error:  # every other outcome is a failure, reported
        call.error = f"{type(error).__name__}: {error}"
    else:
        call.bid_id, call.received_at = bid.pk, bid.received_at
    call.finished_at = timezone.now()
    return call


def _sweep_until(stop: threading.Event, opened: list[int]) -> None:
    """The beat task's loop: close what is due (the opening runs in-process after each commit,
    as the queued task does without a broker)."""
    try:
        while not stop.is_set():
            opened += services.tenders_close_due()
            stop.wait(SWEEP_EVERY)
    finally:
        connections.close_all()


def deadline_rush() -> list[Result]:
    rng = random.Random(60)
    celery_app.conf.task_always_eager = True  # the sweep's openings run in the sweeping thread
    swept_before = _sweep_stale()
    agency_staff = User.objects.filter(
        memberships__role=Role.AGENCY_STAFF,
        memberships__organisation__status=VerificationStatus.VERIFIED,
        username__startswith="bench-staff-",
    ).first()
    if agency_staff is None:
        raise RuntimeError("the scale data set has no agency staff")
    tenders = _rush_tenders(agency_staff)
    bidders = _bidders()
    plans = _schedule(rng, tenders)
    stop = threading.Event()
    opened: list[int] = []
    sweeper = threading.Thread(target=_sweep_until, args=(stop, opened))
    spawn = multiprocessing.get_context("spawn")  # fresh processes: no connection inherited
    with ProcessPoolExecutor(SERVER_WORKERS, mp_context=spawn, initializer=django.setup) as server:
        list(server.map(_server_ready, range(SERVER_WORKERS * 4)))
        deadline = timezone.now() + timedelta(seconds=RUSH_SECONDS + 2)
        Tender.objects.filter(pk__in=[t.pk for t in tenders]).update(deadline=deadline, next_check_at=deadline)
        deadline_clock = time.time() + (deadline - timezone.now()).total_seconds()
        sweeper.start()

        def client(index: int) -> None:
            user, vendor = bidders[index]
            for call in plans[index]:
                time.sleep(max(0.0, deadline_clock + call.due - time.time()))
                call.sent_at = timezone.now()
                future: Future[_Call] = server.submit(_submit, call, user.pk, vendor.pk)
                done = future.result()
                call.started_at, call.finished_at = done.started_at, done.finished_at
                call.bid_id, call.received_at = done.bid_id, done.received_at
                call.refused, call.error = done.refused, done.error

        clients = [threading.Thread(target=client, args=(i,)) for i in range(len(bidders))]
        for thread in clients:
            thread.start()
        for thread in clients:
            thread.join()
    waited = time.time()
    ids = {t.pk for t in tenders}
    while set(Tender.objects.filter(pk__in=ids).values_list("state", flat=True)) & {"open", "opening"}:
        if time.time() - waited > 120:
            break
        time.sleep(0.2)
    opening_done = timezone.now()
    stop.set()
    sweeper.join()
    return _rush_results(
        calls=[call for plan in plans for call in plan],
        deadline=deadline,
        tenders=tenders,
        opened_after=(opening_done - deadline).total_seconds(),
        swept_before=swept_before,
        clients=len(bidders),
    )


def _sweep_stale() -> int:
    """Tenders of the scale data set whose deadline has passed since it was built are closed and
    opened first, so that the rush's sweep deals with the rush alone."""
    count = 0
    while due := services.tenders_close_due():
        count += len(due)
    return count


def _rush_results(
    *,
    calls: list[_Call],
    deadline: datetime,
    tenders: list[Tender],
    opened_after: float,
    swept_before: int,
    clients: int,
) -> list[Result]:
    accepted = [c for c in calls if c.bid_id is not None]
    accepted_before = [c for c in accepted if c.received_at < deadline and c.started_at < deadline]
    wrongly_accepted = len(accepted) - len(accepted_before)
    refused = [c for c in calls if c.refused]
    wrongly_refused = [c for c in refused if c.finished_at < deadline]
    sent_before_decided_after = [c for c in refused if c.sent_at < deadline <= c.finished_at]
    errors = [c for c in calls if c.error]
    bids = Bid.objects.in_bulk([c.bid_id for c in accepted])
    not_opened = [
        bid for bid in bids.values() if bid.state not in (BidState.VALID, BidState.INVALID, BidState.WITHDRAWN)
    ]
    superseded_unopened = [
        bid
        for bid in bids.values()
        if bid.state == BidState.WITHDRAWN
        and not Bid.objects.filter(lot=bid.lot_id, vendor=bid.vendor_id, received_at__gt=bid.received_at).exists()
    ]
    states = sorted(Tender.objects.filter(pk__in=[t.pk for t in tenders]).values_list("state", flat=True))
    latencies = [(c.finished_at - c.started_at).total_seconds() * 1000 for c in calls]
    queueing = [(c.started_at - c.sent_at).total_seconds() * 1000 for c in calls]
    if errors:
        print("rush errors:", *sorted({c.error for c in errors})[:5], sep="\n  ")
    return [
        Result("deadline rush: clients / bids sent", clients, "clients", f"{len(calls):,} bids"),
        Result("  stale scale-data tenders swept before the rush", swept_before, "tenders"),
        Result("  accepted before the deadline", len(accepted_before), "bids"),
        Result("  refused after the deadline", len(refused), "bids"),
        Result("  of which sent before it, decided after", len(sent_before_decided_after), "bids", "queued"),
        Result("  wrongly accepted after the deadline", wrongly_accepted, "bids", "must be 0"),
        Result("  wrongly refused before the deadline", len(wrongly_refused), "bids", "must be 0"),
        Result("  other errors", len(errors), "bids", "must be 0"),
        Result(
            "  accepted bids the sweep did not open", len(not_opened) + len(superseded_unopened), "bids", "must be 0"
        ),
        Result("  submission p95 (server time)", _p95(latencies), "ms"),
        Result("  submission p95 wait for a server worker", _p95(queueing), "ms"),
        Result("  all rush tenders opened, after the deadline", opened_after, "s", " ".join(states)),
    ]


# --- export_ocds --------------------------------------------------------------------------------


def _measured(command: list[str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of `command`, run as a child of a fresh Python whose only
    child it is (so RUSAGE_CHILDREN is that command's alone)."""
    probe = (
        "import resource, subprocess, sys, time;"
        "started = time.perf_counter();"
        "subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL);"
        "print(time.perf_counter() - started, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    output = subprocess.run([sys.executable, "-c", probe, *command], check=True, capture_output=True, text=True)
    seconds, kilobytes = output.stdout.split()
    return float(seconds), int(kilobytes) / 1024


def ocds_export() -> list[Result]:
    database = settings.DATABASES["default"]
    dsn = f"host={database['HOST']} port={database['PORT'] or 5432} user={database['USER']} dbname={database['NAME']}"
    releases, tenders = Release.objects.count(), Tender.objects.exclude(state=TenderState.DRAFT).count()
    with tempfile.TemporaryDirectory() as directory:
        out = Path(directory) / "releases.json"
        manage = str(Path(settings.BASE_DIR) / "manage.py")
        export_seconds, export_mb = _measured([sys.executable, manage, "export_ocds", "--out", str(out)])
        size = out.stat().st_size
        out.unlink()
        copy = (
            "import psycopg, sys\n"
            "with psycopg.connect(sys.argv[1]) as db, open(sys.argv[2], 'wb') as out:\n"
            "    with db.cursor().copy('COPY (SELECT data FROM marketplace_release ORDER BY id) TO STDOUT') as c:\n"
            "        for chunk in c: out.write(chunk)\n"
        )
        copy_seconds, copy_mb = _measured([sys.executable, "-c", copy, dsn, str(out)])
    return [
        Result(
            f"export_ocds of {releases:,} releases ({tenders:,} tenders)",
            export_seconds,
            "s",
            f"{size / 2**20:,.0f} MB",
        ),
        Result("  peak RSS of export_ocds", export_mb, "MB", "target < 200 MB"),
        Result("COPY TO STDOUT of the same release texts (baseline)", copy_seconds, "s", f"peak RSS {copy_mb:.0f} MB"),
        Result("export_ocds / COPY time", export_seconds / copy_seconds, "ratio"),
    ]
