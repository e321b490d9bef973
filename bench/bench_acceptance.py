"""A full delivery of 1,000,000 classification labels from upload to decision (issue 6), on
PostgreSQL, with its peak memory.

An active contract of the scale data set gets, inside one transaction rolled back at the end, a
buyer's and a supplier's user, an acceptance plan (lot 1,000,000 at the tender's AQL) and a gold set
of 5,000 items; the supplier uploads a 1,000,000-line CSV (a temporary upload file, as Django
spools large uploads), the scoring service runs as the Celery task would, and the buyer confirms.

Baseline, in the same run: the library alone on the same files (parse both, assess), so the ratio
says what the portal adds (storage, SHA-256, zip check, progress writes, report rows). Memory is the
peak RSS of a forked process doing the whole flow, and its growth over the process's size before.

    .venv/bin/python -m bench acceptance
"""

from __future__ import annotations

import multiprocessing
import os
import random
import resource
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.harness import Result

ITEMS = 1_000_000
GOLD = 5_000
LABELS = tuple(f"class-{k}" for k in range(10))
WRONG = 0.01  # of the delivered labels


def _files(folder: Path) -> tuple[Path, Path]:
    rng = random.Random(6)
    truth = [rng.choice(LABELS) for _ in range(ITEMS)]
    gold = folder / "gold.csv"
    with gold.open("w") as out:
        out.write("item_id,label\n")
        out.writelines(f"item-{i:07d},{truth[i]}\n" for i in range(0, ITEMS, ITEMS // GOLD))
    delivery = folder / "delivery.csv"
    with delivery.open("w") as out:
        out.write("item_id,label\n")
        for i, label in enumerate(truth):
            out.write(f"item-{i:07d},{rng.choice(LABELS) if rng.random() < WRONG else label}\n")
    return gold, delivery


def _library_only(gold: Path, delivery: Path) -> float:
    from marketplace.quality.assess import assess
    from marketplace.quality.formats import parse
    from marketplace.quality.sampling import sampling_plan

    started = time.perf_counter()
    with gold.open("rb") as stream:
        gold_set = parse(stream, kind="classification", fmt="csv", label_set=LABELS)
    with delivery.open("rb") as stream:
        delivered = parse(stream, kind="classification", fmt="csv", label_set=LABELS)
    plan = sampling_plan(ITEMS, 250)
    assess(
        gold=gold_set,
        delivered=delivered,
        sample_size=plan.sample_size,
        accept_number=plan.accept,
        seed=os.urandom(32),
        labels=LABELS,
    )
    return time.perf_counter() - started


def _upload(path: Path, name: str) -> Any:
    from django.core.files.uploadedfile import TemporaryUploadedFile

    upload = TemporaryUploadedFile(name, "text/csv", path.stat().st_size, "utf-8")
    with path.open("rb") as source:
        while chunk := source.read(1 << 20):
            upload.write(chunk)
    upload.seek(0)
    return upload


def _portal(gold: Path, delivery: Path, media: Path) -> dict[str, float]:
    """The whole flow through the services, rolled back; returns phase times and memory."""
    from django.conf import settings
    from django.db import transaction

    from marketplace import services
    from marketplace.models import Contract, ContractState, DeliveryState, Tender
    from portal.accounts.models import User
    from registry.models import Membership, VerificationStatus
    from registry.roles import Role, managing_role

    settings.MEDIA_ROOT = media
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    times: dict[str, float] = {}
    with transaction.atomic():
        contract = (
            Contract.objects.select_related("buyer", "supplier")
            .filter(state=ContractState.ACTIVE, supplier__status=VerificationStatus.VERIFIED)
            .order_by("pk")
            .first()
        )
        if contract is None:
            raise RuntimeError("the scale data set has no active contract: run `make bench-data`")
        Tender.objects.filter(pk=contract.tender_id).update(acceptance_aql=250)
        buyer = User.objects.create(username="bench-acceptance-buyer")
        supplier = User.objects.create(username="bench-acceptance-supplier")
        Membership.objects.create(user=buyer, organisation=contract.buyer, role=managing_role(contract.buyer.kind))
        Membership.objects.create(user=supplier, organisation=contract.supplier, role=Role.VENDOR_STAFF)
        milestone = contract.milestones.filter(state="scheduled").order_by("position").first()
        plan = services.acceptance_plan_set(
            actor=buyer,
            contract=contract,
            milestone_id=milestone.pk,
            kind="classification",
            fmt="csv",
            label_set=list(LABELS),
            lot_size=ITEMS,
        )
        gold_upload, delivery_upload = _upload(gold, "gold.csv"), _upload(delivery, "delivery.csv")
        services.gold_set_upload(actor=buyer, plan=plan, upload=gold_upload)
        started = time.perf_counter()
        received = services.delivery_upload(actor=supplier, plan=plan, upload=delivery_upload)
        times["upload"] = time.perf_counter() - started
        # Storage moved the temporary files; closing says so to Django, not at garbage collection.
        gold_upload.close()
        delivery_upload.close()
        scored = services.delivery_score(delivery_id=received.pk)
        times["score"] = time.perf_counter() - started - times["upload"]
        if scored.state != DeliveryState.SCORED:
            raise RuntimeError(f"the delivery was not scored: {scored.errors}")
        services.delivery_decide(actor=buyer, delivery=scored, decision=scored.report.proposed)
        times["total"] = time.perf_counter() - started
        transaction.set_rollback(True)
    times["rss_before_mb"] = before / 1024
    times["rss_peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return times


def _in_child(queue: Any, gold: Path, delivery: Path, media: Path) -> None:
    try:
        queue.put(_portal(gold, delivery, media))
    except BaseException as error:  # reported by the parent
        queue.put(error)


def run() -> list[Result]:
    from django.db import connections

    with tempfile.TemporaryDirectory() as folder:
        gold, delivery = _files(Path(folder))
        library = min(_library_only(gold, delivery) for _ in range(2))
        connections.close_all()  # the child opens its own
        context = multiprocessing.get_context("fork")
        queue = context.Queue()
        child = context.Process(target=_in_child, args=(queue, gold, delivery, Path(folder) / "media"))
        child.start()
        outcome = queue.get()
        child.join()
        if isinstance(outcome, BaseException):
            raise outcome
    return [
        Result("acceptance: 1,000,000-item delivery, upload", outcome["upload"], "s"),
        Result("acceptance: 1,000,000-item delivery, scoring", outcome["score"], "s"),
        Result("acceptance: 1,000,000-item delivery, upload to decision", outcome["total"], "s"),
        Result("acceptance: the library alone on the same files", library, "s"),
        Result("acceptance: portal / library", outcome["total"] / library, "x", "what storage, checks, rows add"),
        Result("acceptance: peak RSS of the flow", outcome["rss_peak_mb"], "MB"),
        Result(
            "acceptance: RSS growth during the flow",
            outcome["rss_peak_mb"] - outcome["rss_before_mb"],
            "MB",
            f"from {outcome['rss_before_mb']:.0f} MB",
        ),
    ]
