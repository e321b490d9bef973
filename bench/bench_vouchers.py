"""The voucher measures of issue 8 (DESIGN §10): redemptions per second with 16 concurrent
clients, with zero over-redemption, as a ratio to `pgbench -N` on the same PostgreSQL in the same
run (target ≥ 0.25); once through the service layer, once through HTTP with gunicorn.

The service layer is measured as such: each client is one signed-in user, loaded once, calling
`voucher_redeem`. Two more measures frame it: the same with the user read afresh before every call
(as a server worker reads each request's user; the figure of the runs before 2026-11-28's fourth
pass), and a floor, 16 clients running an empty transaction of the redemption's shape (pipeline
mode, Django's `atomic`, one prepared read, one statement sent with the COMMIT): what any service
of that shape could reach on this machine.

Each run makes what it consumes, through the services: a programme of its own (opened by the
officer of a voucher authority of the scale data set), a voucher for each of 15 enterprises of the
authority's region, each the buyer of an active contract of the exchange that no voucher has paid
yet (so no rule of another programme applies). Client n redeems ¥1 at a time from holder n's
voucher against holder n's contract; clients 14 and 15 share a holder, its voucher and its
contract (they contend for the same rows). Each client is an OS process (spawned, Django set up
afresh, a connection of its own; 2 cores and the GIL rule threads out) and uses a fresh
idempotency key per request. Afterwards the programme's ledger is checked (no voucher below zero,
nothing redeemed beyond a face value or a contract's coverage, every success booked once) and the
programme is closed, which cancels its vouchers and returns their balances to its budget: the
next run starts from contracts still untouched.

pgbench runs its TPC-B-like script without the updates of the small tables (`-N`) on a scratch
database (`portal_pgbench`, scale 10, made on first use) with the same 16 clients and duration.
Each measure runs three times, alternating (pgbench, then each mode): the rates are the medians,
the ratios the median of each round's ratio to the pgbench just before it. One client alone, once,
shows how far 16 scale. Finally `verify_voucher_ledger`'s checks run over the whole database, timed.
"""

from __future__ import annotations

import contextlib
import http.client
import multiprocessing
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import psycopg
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.db.models import Exists, OuterRef, Sum
from django.test.utils import CaptureQueriesContext
from django.urls import Resolver404, resolve
from django.utils import timezone
from rest_framework.authtoken.models import Token

from bench.harness import Result
from bench.voucher_clients import (
    Lane,
    Plan,
    Tally,
    floor_client,
    http_client,
    service_client,
    service_client_user_per_call,
)
from marketplace.models import Contract, ContractState, MilestonePayment
from marketplace.services._common import SUPPLIER_KINDS
from portal.accounts.models import User
from registry.models import Membership, Organisation, VerificationStatus
from registry.related_parties import are_related
from registry.roles import OrganisationKind, Role
from vouchers import services
from vouchers.models import Account, LedgerEntry, Programme, ProgrammeKind, ProviderRule, Redemption, Voucher
from vouchers.selectors import USED_STATES
from vouchers.verification import ledger_violations

CLIENTS = 16
HOLDERS = 15  # clients 14 and 15 share the last holder's voucher and contract
SECONDS = 20
ROUNDS = 3
AMOUNT_FEN = 100  # ¥1 a redemption
FACE_FEN = 10_000_000  # ¥100,000 a voucher: far more than a run uses
GUNICORN_WORKERS = 4
PGBENCH_DATABASE = "portal_pgbench"
PGBENCH_SCALE = 10
PGBENCH = "/usr/bin/pgbench"
FLOOR = "floor: an empty transaction of the same shape"


def run() -> list[Result]:
    load = os.getloadavg()[0]
    lanes, programme = _prepare()
    http_ready = _http_ready(lanes[0].code)
    queries = _queries_per_redemption(lanes[0])
    tag = f"bench-{programme.pk}"
    with _Clients(service_client, lanes[:1], Plan(AMOUNT_FEN, SECONDS, 1, f"{tag}-alone")) as clients:
        clients.ready()
        alone = clients.round()
    pgbench: list[float] = []
    rates: dict[str, list[float]] = defaultdict(list)
    tallies: dict[str, list[Tally]] = defaultdict(list)
    with contextlib.ExitStack() as stack:
        modes = {
            "service": stack.enter_context(_Clients(service_client, lanes, Plan(AMOUNT_FEN, SECONDS, ROUNDS, tag))),
            "service, user read per call": stack.enter_context(
                _Clients(service_client_user_per_call, lanes, Plan(AMOUNT_FEN, SECONDS, ROUNDS, f"{tag}-user"))
            ),
            FLOOR: stack.enter_context(
                _Clients(floor_client, lanes, Plan(AMOUNT_FEN, SECONDS, ROUNDS, f"{tag}-floor"))
            ),
        }
        if http_ready:
            port = stack.enter_context(_gunicorn())
            plan = Plan(AMOUNT_FEN, SECONDS, ROUNDS, f"{tag}-http", port)
            modes[f"HTTP, gunicorn {GUNICORN_WORKERS} workers"] = stack.enter_context(
                _Clients(http_client, lanes, plan)
            )
        for clients in modes.values():
            clients.ready()
        for _round in range(ROUNDS):
            pgbench.append(_pgbench())
            for how, clients in modes.items():
                done = clients.round()
                tallies[how] += done
                rates[how].append(_rate(done))
    results = [
        Result("load average (1 min) before the run", load, "", f"{os.cpu_count()} cores"),
        Result(
            "pgbench -N TPS, 16 clients (baseline)",
            statistics.median(pgbench),
            "tx/s",
            f"scale {PGBENCH_SCALE}, {SECONDS} s; " + " / ".join(f"{t:,.0f}" for t in pgbench),
        ),
        Result("voucher redemptions, 1 client (service)", _rate(alone), "redemptions/s"),
    ]
    for how in modes:
        results += _figures(how, rates[how], tallies[how], pgbench)
    if not http_ready:
        results.append(Result("redemptions over HTTP", 0, "-", "skipped: no /api/v1/vouchers/<code>/redemptions/"))
    results.append(Result("queries per redemption (service)", queries, "queries"))
    everything = [*alone, *(tally for how, done in tallies.items() if how != FLOOR for tally in done)]
    results += _check(programme, lanes, everything, also_booked=1)  # and the one counting queries
    services.programme_close(actor=_officer(programme.authority), programme=programme)
    results += _verify()
    return results


def _figures(how: str, rates: list[float], tallies: list[Tally], pgbench: list[float]) -> list[Result]:
    """The median rate of the rounds, and the median of each round's ratio to that round's
    pgbench (measured just before it)."""
    rate = statistics.median(rates)
    ratios = [r / t for r, t in zip(rates, pgbench, strict=True)]
    latencies = sorted(latency for tally in tallies for latency in tally.latencies)
    p95 = latencies[int(len(latencies) * 0.95)] * 1000 if latencies else 0.0
    refused = sum(t.refused for t in tallies)
    errors = sum(t.errors for t in tallies)
    for message in sorted({m for t in tallies for m in t.messages})[:5]:
        print(f"  {how}: {message}")
    return [
        Result(
            f"voucher redemptions, 16 clients ({how})",
            rate,
            "redemptions/s",
            " / ".join(f"{r:,.0f}" for r in rates) + f"; p95 {p95:.0f} ms",
        ),
        Result(
            f"  / pgbench -N TPS ({how})",
            statistics.median(ratios),
            "ratio",
            " / ".join(f"{r:.3f}" for r in ratios) + "; target >= 0.25",
        ),
        Result(f"  refused or failed ({how})", refused + errors, "requests", f"{refused} refused, {errors} errors"),
    ]


# --- what a run consumes ------------------------------------------------------------------------


def _officer(authority: Organisation) -> User:
    membership = Membership.objects.filter(organisation=authority, role=Role.VOUCHER_OFFICER).order_by("pk").first()
    if membership is None:
        raise RuntimeError(f"voucher authority {authority.pk} has no officer: build the scale data set")
    return membership.user


def _untouched_contracts() -> dict[int, Contract]:
    """The largest active contract of each verified enterprise, with a verified supplier, that no
    voucher has paid and no payment has started: redeemable under a new programme."""
    contracts = (
        Contract.objects.filter(
            state=ContractState.ACTIVE,
            buyer__kind=OrganisationKind.ENTERPRISE,
            buyer__status=VerificationStatus.VERIFIED,
            supplier__status=VerificationStatus.VERIFIED,
            supplier__kind__in=SUPPLIER_KINDS,
        )
        .exclude(Exists(Redemption.objects.filter(contract=OuterRef("pk"))))
        .exclude(Exists(MilestonePayment.objects.filter(contract=OuterRef("pk"))))
        .select_related("buyer", "supplier")
        .order_by("buyer_id", "-value_fen", "pk")
    )
    best: dict[int, Contract] = {}
    for contract in contracts:
        best.setdefault(contract.buyer_id, contract)
    return best


def _prepare() -> tuple[list[Lane], Programme]:
    """The authority whose region holds the most such buyers; its programme; their vouchers."""
    contracts = _untouched_contracts()
    buyers_staff = dict(
        Membership.objects.filter(role=Role.ENTERPRISE_BUYER, organisation__in=list(contracts))
        .order_by("organisation_id", "pk")
        .values_list("organisation_id", "user_id")
        .distinct("organisation_id")
    )
    authorities = Organisation.objects.filter(
        kind=OrganisationKind.VOUCHER_AUTHORITY,
        status=VerificationStatus.VERIFIED,
        memberships__role=Role.VOUCHER_OFFICER,
    ).distinct()

    def holders_of(authority: Organisation) -> list[Contract]:
        prefix = authority.region.subtree_prefix
        return [c for b, c in sorted(contracts.items()) if b in buyers_staff and c.buyer.region_id.startswith(prefix)]

    candidates = sorted(authorities.select_related("region"), key=lambda a: a.pk)
    authority = max(candidates, key=lambda a: (min(len(holders_of(a)), HOLDERS), -a.pk), default=None)
    chosen = [c for c in holders_of(authority) if not are_related(c.buyer, c.supplier)][:HOLDERS] if authority else []
    if authority is None or len(chosen) < 2:
        raise RuntimeError("no voucher authority has two buyers with untouched active contracts: rebuild the data set")
    officer = _officer(authority)
    today = timezone.localdate()
    spec = services.ProgrammeSpec(
        name=f"基准测试：并发兑付 {timezone.localtime():%Y-%m-%d %H:%M:%S}",
        kind=ProgrammeKind.COMPUTE,
        year=today.year,
        budget_fen=100 * FACE_FEN * HOLDERS,
        coverage_bp=5_000,
        holder_cap_fen=10 * FACE_FEN,
        valid_from=today - timedelta(days=1),
        valid_until=today + timedelta(days=30),
        holder_region_code=authority.region_id,
        holder_kinds=[OrganisationKind.ENTERPRISE],
        provider_rule=ProviderRule.LIST,
        provider_credit_codes=sorted({c.supplier.credit_code for c in chosen}),
        rules="基准测试专用：每次运行新建，结束后关闭。",
    )
    programme = services.programme_create(actor=officer, authority=authority, spec=spec)
    programme = services.programme_open(actor=officer, programme=programme)
    vouchers = []
    for contract in chosen:
        holder_user = User.objects.get(pk=buyers_staff[contract.buyer_id])
        application = services.application_submit(
            actor=holder_user,
            programme=programme,
            applicant=contract.buyer,
            requested_fen=FACE_FEN,
            purpose="基准测试：并发兑付",
            evidence=SimpleUploadedFile("证明材料.pdf", b"%PDF-1.4 bench", content_type="application/pdf"),
        )
        voucher = services.application_approve(actor=officer, application=application)
        token, _created = Token.objects.get_or_create(user=holder_user)
        vouchers.append((holder_user.pk, voucher.code, contract.pk, token.key))
    # Client n uses holder n; with 15 holders, the last two clients share one.
    lanes = [
        Lane(n, *vouchers[min(n, HOLDERS - 1) if len(vouchers) == HOLDERS else n % len(vouchers)])
        for n in range(CLIENTS)
    ]
    print(
        f"vouchers: programme {programme.pk} of authority {authority.pk} ({authority.region_id}),"
        f" {len(vouchers)} holders for {CLIENTS} clients"
    )
    return lanes, programme


# --- the clients ------------------------------------------------------------------------------


class _Clients:
    """One spawned process per lane for the whole run; `round()` releases them together (each
    then redeems for `SECONDS`) and collects their tallies."""

    def __init__(self, target: Callable[..., None], lanes: list[Lane], plan: Plan) -> None:
        context = multiprocessing.get_context("spawn")
        self.barrier = context.Barrier(len(lanes) + 1)  # and this process
        self.results = context.Queue()
        self.processes = [
            context.Process(target=target, args=(lane, plan, self.barrier, self.results)) for lane in lanes
        ]
        for process in self.processes:
            process.start()

    def __enter__(self) -> _Clients:
        return self

    def ready(self) -> None:
        """Wait until every client is set up (Django, a connection): starting dozens of
        interpreters loads the machine, which must be over before anything is measured."""
        self.barrier.wait(timeout=600)

    def round(self) -> list[Tally]:
        self.barrier.wait(timeout=600)  # release the clients together
        return [self.results.get(timeout=SECONDS + 600) for _ in self.processes]

    def __exit__(self, *exc: object) -> None:
        for process in self.processes:
            process.join(timeout=60)
            if process.is_alive():
                process.terminate()


def _rate(tallies: list[Tally]) -> float:
    """Successful redemptions per second of the wall time the clients ran together."""
    elapsed = max(t.finished for t in tallies) - min(t.started for t in tallies)
    return sum(t.redeemed for t in tallies) / elapsed


def _http_ready(code: str) -> bool:
    try:
        resolve(f"/api/v1/vouchers/{code}/redemptions/")
    except Resolver404:
        return False
    return (Path(sys.executable).parent / "gunicorn").exists()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def _gunicorn() -> Iterator[int]:
    """gunicorn serving the portal on a free port (its messages go to a temporary file, shown if
    it does not start)."""
    port = _free_port()
    command = [
        str(Path(sys.executable).parent / "gunicorn"),
        "portal.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(GUNICORN_WORKERS),
        "--preload",  # the application loaded once, before the workers fork: all ready at once
        "--timeout",
        "120",  # a busy shared machine must not get its workers killed mid-request
        "--log-level",
        "warning",
    ]
    env = {**os.environ, "DEBUG": "0"}
    with tempfile.TemporaryFile("w+") as log:
        server = subprocess.Popen(command, cwd=settings.BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    with socket.create_connection(("127.0.0.1", port), timeout=1):
                        break
                except OSError:
                    if server.poll() is not None or time.monotonic() > deadline:
                        log.seek(0)
                        raise RuntimeError(f"gunicorn did not start:\n{log.read()}") from None
                    time.sleep(0.2)
            _warm_up(port)
            yield port
        finally:
            server.terminate()
            server.wait(timeout=30)


def _warm_up(port: int) -> None:
    """Every worker answers its first request far slower (URLs, views, serializers and catalogues
    load then): a few rounds of concurrent requests first, so the measure sees none of that."""

    def ask(_n: int) -> None:
        with contextlib.suppress(OSError):
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            connection.request("GET", "/api/v1/vouchers/0000/redemptions/", headers={"Accept": "application/json"})
            connection.getresponse().read()
            connection.close()

    with ThreadPoolExecutor(2 * GUNICORN_WORKERS) as pool:
        for _ in range(3):
            list(pool.map(ask, range(4 * GUNICORN_WORKERS)))


# --- pgbench ------------------------------------------------------------------------------------


def _pg_args() -> list[str]:
    db = settings.DATABASES["default"]
    return ["-h", db["HOST"] or "127.0.0.1", "-p", str(db["PORT"] or 5432), "-U", db["USER"]]


def _pgbench() -> float:
    db = settings.DATABASES["default"]
    server = f"host={db['HOST'] or '127.0.0.1'} port={db['PORT'] or 5432} user={db['USER']}"
    with psycopg.connect(f"{server} dbname=postgres", autocommit=True) as admin:
        if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [PGBENCH_DATABASE]).fetchone():
            admin.execute(f'CREATE DATABASE "{PGBENCH_DATABASE}"')
    with psycopg.connect(f"{server} dbname={PGBENCH_DATABASE}", autocommit=True) as scratch:
        ready = scratch.execute("SELECT to_regclass('pgbench_branches') IS NOT NULL").fetchone()
        if (
            not ready
            or not ready[0]
            or scratch.execute("SELECT count(*) FROM pgbench_branches").fetchone() != (PGBENCH_SCALE,)
        ):
            subprocess.run(
                [PGBENCH, *_pg_args(), "-i", "-q", "-s", str(PGBENCH_SCALE), PGBENCH_DATABASE],
                check=True,
                capture_output=True,
            )
    output = subprocess.run(
        [PGBENCH, *_pg_args(), "-N", "-c", str(CLIENTS), "-j", "2", "-T", str(SECONDS), PGBENCH_DATABASE],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    found = re.search(r"tps = ([\d.]+)", output)
    if found is None:
        raise RuntimeError(f"pgbench printed no tps:\n{output}")
    return float(found.group(1))


# --- afterwards -------------------------------------------------------------------------------


def _check(programme: Programme, lanes: list[Lane], tallies: list[Tally], *, also_booked: int) -> list[Result]:
    """Zero over-redemption, from the rows: no voucher of the programme below zero or used beyond
    its face value, no contract paid beyond the coverage, and every success booked exactly once."""
    over = 0
    used = dict(
        Redemption.objects.filter(programme=programme, state__in=USED_STATES)
        .order_by()
        .values_list("voucher")
        .annotate(total=Sum("amount_fen"))
    )
    balances = dict(
        LedgerEntry.objects.filter(programme=programme, account=Account.ISSUED)
        .order_by()
        .values_list("voucher")
        .annotate(total=Sum("amount_fen"))
    )
    for pk, face in Voucher.objects.filter(programme=programme).values_list("pk", "face_fen"):
        if balances.get(pk, 0) < 0 or used.get(pk, 0) > face or balances.get(pk, 0) != face - used.get(pk, 0):
            over += 1
    for contract in Contract.objects.filter(pk__in={lane.contract_id for lane in lanes}):
        paid = (
            Redemption.objects.filter(contract=contract, state__in=USED_STATES).aggregate(total=Sum("amount_fen"))[
                "total"
            ]
            or 0
        )
        if paid > contract.value_fen * programme.coverage_bp // 10_000:
            over += 1
    booked = Redemption.objects.filter(programme=programme, state__in=USED_STATES).count()
    reported = sum(t.redeemed for t in tallies) + also_booked
    return [
        Result("vouchers or contracts over-redeemed", over, "rows", "must be 0"),
        Result("redemptions booked / successes reported", booked, "rows", f"{reported:,} reported; must be equal"),
    ]


def _queries_per_redemption(lane: Lane) -> int:
    """How many queries one redemption costs through the service (its user loaded first)."""
    with CaptureQueriesContext(connection) as queries:
        services.voucher_redeem(
            actor=User.objects.get(pk=lane.user_id),
            code=lane.code,
            contract_id=lane.contract_id,
            amount_fen=AMOUNT_FEN,
            idempotency_key=f"bench-queries-{time.time_ns()}",
        )
    return len(queries.captured_queries)


def _verify() -> list[Result]:
    started = time.perf_counter()
    violations = sum(1 for _ in ledger_violations())
    seconds = time.perf_counter() - started
    vouchers = Voucher.objects.count()
    return [
        Result(f"verify_voucher_ledger, {vouchers:,} vouchers", seconds, "s", f"{violations} violations; must be 0"),
    ]
