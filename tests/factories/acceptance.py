"""Factories for delivery acceptance: a signed contract, a milestone's plan with its gold set, label
files, deliveries. Everything goes through the services, so audit rows, seeds and notifications
exist as they would."""

from __future__ import annotations

import json
import random
from collections.abc import Mapping

from django.core.files.uploadedfile import SimpleUploadedFile

from marketplace import services
from marketplace.models import AcceptancePlan, Contract, ContractMilestone, Delivery
from portal.accounts.models import User
from registry.roles import Role
from tests.factories.evaluation import awarded_tender

LABELS = ("cat", "dog", "bird")


def signed_contract(**kwargs) -> Contract:
    """The first contract of an awarded tender, signed by both parties (active)."""
    tender, contracts = awarded_tender(**kwargs)
    contract = contracts[0]
    services.contract_sign(actor=tender.created_by, contract=contract)
    contract = services.contract_sign(actor=supplier_user(contract), contract=contract)
    contract.refresh_from_db()
    return contract


def buyer_user_of(contract: Contract) -> User:
    return contract.tender.created_by


def supplier_user(contract: Contract) -> User:
    return contract.supplier.memberships.filter(role=Role.VENDOR_STAFF).first().user


def first_milestone(contract: Contract) -> ContractMilestone:
    return contract.milestones.order_by("position").first()


def gold_labels(count: int = 200, *, labels: tuple[str, ...] = LABELS, seed: int = 1) -> dict[str, str]:
    rng = random.Random(seed)
    return {f"img-{i:05d}": rng.choice(labels) for i in range(count)}


def labels_with_errors(gold: Mapping[str, str], *, wrong: int, labels: tuple[str, ...] = LABELS) -> dict[str, str]:
    """The gold labels with the first `wrong` items (in id order) labelled otherwise."""
    delivered = dict(gold)
    for item in sorted(gold)[:wrong]:
        delivered[item] = next(label for label in labels if label != gold[item])
    return delivered


def csv_file(labels: Mapping[str, str], name: str = "labels.csv") -> SimpleUploadedFile:
    body = "item_id,label\n" + "".join(f"{item},{label}\n" for item, label in labels.items())
    return SimpleUploadedFile(name, body.encode(), content_type="text/csv")


def jsonl_file(labels: Mapping[str, str], name: str = "labels.jsonl") -> SimpleUploadedFile:
    body = "".join(json.dumps({"item_id": item, "label": label}) + "\n" for item, label in labels.items())
    return SimpleUploadedFile(name, body.encode(), content_type="application/jsonl")


def planned_milestone(
    contract: Contract | None = None,
    *,
    kind: str = "classification",
    fmt: str = "csv",
    label_set: tuple[str, ...] = LABELS,
    lot_size: int = 1_000,
    gold: SimpleUploadedFile | None = None,
    with_gold: bool = True,
) -> AcceptancePlan:
    """A signed contract's first milestone with an acceptance plan and a gold set (`gold`, by
    default 200 random classification labels; none with `with_gold=False`). Lot 1,000 at the
    tender's AQL 2.5 samples 80."""
    contract = contract or signed_contract()
    milestone = first_milestone(contract)
    buyer = buyer_user_of(contract)
    plan = services.acceptance_plan_set(
        actor=buyer,
        contract=contract,
        milestone_id=milestone.pk,
        kind=kind,
        fmt=fmt,
        label_set=list(label_set),
        lot_size=lot_size,
    )
    if gold is None and with_gold and kind == "classification":
        gold = csv_file(gold_labels(), "gold.csv") if fmt == "csv" else jsonl_file(gold_labels(), "gold.jsonl")
    if with_gold and gold is not None:
        services.gold_set_upload(actor=buyer, plan=plan, upload=gold)
    plan.refresh_from_db()
    return plan


def deliver(
    plan: AcceptancePlan, upload: SimpleUploadedFile, *, user: User | None = None, score: bool = True
) -> Delivery:
    """Upload a delivery and (unless `score` is false) score it by calling the scoring task's
    service: a test's transaction never commits, so the queued task would not run."""
    delivery = services.delivery_upload(actor=user or supplier_user(plan.contract), plan=plan, upload=upload)
    if score:
        services.delivery_score(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    return delivery
