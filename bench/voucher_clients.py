"""The client processes of `bench.bench_vouchers`. Each is a fresh interpreter (spawned), so this
module imports nothing of Django at the top: a service client sets Django up itself, with a
connection of its own; an HTTP client needs only the standard library.

A client lives for the whole run: it starts each round when the benchmark releases it (a barrier
the benchmark also waits on), redeems for the round's seconds, and hands its tally back."""

from __future__ import annotations

import http.client
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Lane:
    """What one client redeems: a voucher of a holder, against that holder's contract."""

    client: int
    user_id: int
    code: str
    contract_id: int
    token: str = ""


@dataclass
class Tally:
    client: int
    redeemed: int = 0
    refused: int = 0
    errors: int = 0
    started: float = 0.0
    finished: float = 0.0
    latencies: list[float] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)

    def error(self, message: str) -> None:
        self.errors += 1
        self.note(message)

    def note(self, message: str) -> None:
        if len(self.messages) < 3:
            self.messages.append(message)


@dataclass(frozen=True)
class Plan:
    amount_fen: int
    seconds: float
    rounds: int
    tag: str  # idempotency keys are "<tag>-<round>-<client>-<n>"
    port: int = 0  # HTTP clients: gunicorn's


Attempt = Callable[[str], str]  # redeem once with this key: "" when redeemed, "refused: …" when a rule refused


def _rounds(lane: Lane, plan: Plan, attempt: Attempt, barrier: Any, results: Any) -> None:
    barrier.wait()  # set up: nothing is measured until every client of every mode is
    for round_ in range(plan.rounds):
        tally = Tally(lane.client)
        barrier.wait()
        tally.started = time.perf_counter()
        stop = tally.started + plan.seconds
        n = 0
        while time.perf_counter() < stop:
            n += 1
            began = time.perf_counter()
            try:
                outcome = attempt(f"{plan.tag}-{round_}-{lane.client}-{n}")
            except Exception as error:  # every other outcome is a failure, reported
                tally.error(f"{type(error).__name__}: {error}")
                continue
            if outcome:
                tally.refused += 1
                tally.note(outcome)
            else:
                tally.redeemed += 1
                tally.latencies.append(time.perf_counter() - began)
        tally.finished = time.perf_counter()
        results.put(tally)


def service_client(lane: Lane, plan: Plan, barrier: Any, results: Any) -> None:
    """Redeem through `vouchers.services.voucher_redeem`, with a fresh idempotency key each time:
    the service layer itself, the actor loaded once (a client is one signed-in user)."""
    _service_client(lane, plan, barrier, results, user_per_call=False)


def service_client_user_per_call(lane: Lane, plan: Plan, barrier: Any, results: Any) -> None:
    """As `service_client`, the actor read afresh before every call, as a server worker reads the
    user of each request (the measure of the earlier runs)."""
    _service_client(lane, plan, barrier, results, user_per_call=True)


def floor_client(lane: Lane, plan: Plan, barrier: Any, results: Any) -> None:
    """No redemption: the least any service call of this shape costs from a Django process, a
    transaction in psycopg's pipeline mode inside Django's `atomic` with one prepared read and one
    prepared statement sent with the COMMIT, as the redemption's. A ceiling for any code that keeps
    that shape on this machine."""
    import django

    django.setup()
    from django.db import connection, transaction

    from portal import prepared

    prepared.fetchone("SELECT 1", [])  # the connection is open before the start

    def attempt(key: str) -> str:
        with connection.connection.pipeline(), transaction.atomic():
            prepared.fetchone("SELECT %s::text", [key])
            prepared.send("SELECT %s::text", [key])
        return ""

    _rounds(lane, plan, attempt, barrier, results)


def _service_client(lane: Lane, plan: Plan, barrier: Any, results: Any, *, user_per_call: bool) -> None:
    import django

    django.setup()
    from portal.accounts.models import User
    from vouchers import services
    from vouchers.services._common import RedemptionRefused

    actor = User.objects.get(pk=lane.user_id)  # and the connection is open before the start

    def attempt(key: str) -> str:
        try:
            services.voucher_redeem(
                actor=User.objects.get(pk=lane.user_id) if user_per_call else actor,
                code=lane.code,
                contract_id=lane.contract_id,
                amount_fen=plan.amount_fen,
                idempotency_key=key,
            )
        except RedemptionRefused as refusal:
            return f"refused: {refusal.code}"
        return ""

    _rounds(lane, plan, attempt, barrier, results)


def http_client(lane: Lane, plan: Plan, barrier: Any, results: Any) -> None:
    """POST /api/v1/vouchers/<code>/redemptions/, token-authenticated, each with a fresh
    Idempotency-Key; a new connection per request (gunicorn's sync workers close it)."""
    body = json.dumps({"contract": lane.contract_id, "amount_fen": plan.amount_fen}).encode()
    path = f"/api/v1/vouchers/{lane.code}/redemptions/"

    def attempt(key: str) -> str:
        headers = {
            "Authorization": f"Token {lane.token}",
            "Idempotency-Key": key,
            "Content-Type": "application/json",
            "Accept": "application/json",
        }
        connection = http.client.HTTPConnection("127.0.0.1", plan.port, timeout=60)
        try:
            connection.request("POST", path, body=body, headers=headers)
            response = connection.getresponse()
            answer = response.read().decode(errors="replace")
        finally:
            connection.close()
        if response.status == 201:
            return ""
        if response.status == 400:
            return f"refused: {answer[:200]}"
        raise RuntimeError(f"HTTP {response.status}: {answer[:200]}")

    _rounds(lane, plan, attempt, barrier, results)
