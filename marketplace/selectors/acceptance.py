"""Reads of delivery acceptance: who sees a contract's acceptance, a delivery and its report, and
the public pass rates.

The parties see their contract's acceptance; operators and regulators whose scope covers the
tender see it as observers. The gold set is the buyer's: the supplier's side never receives a gold
label, a gold file or the gold set's label counts, and its report shows defects by what was
delivered (`defects_for_side`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import ExtractYear

from marketplace.models import (
    AcceptancePlan,
    AcceptanceReport,
    Contract,
    ContractMilestone,
    ContractState,
    Decision,
    Delivery,
    DeliveryState,
    GoldSet,
    MilestoneState,
)
from marketplace.models.acceptance import COUNTED_DELIVERY_STATES, OPEN_DELIVERY_STATES
from marketplace.selectors.awards import contract_parties_of, contract_side_of
from marketplace.selectors.trail import may_audit_tender
from portal.errors import NotFound
from portal.permissions import AnyUser

BUYER = "buyer"
SUPPLIER = "supplier"
OBSERVER = "observer"
GOLD_SIDES = frozenset({BUYER, OBSERVER})


def acceptance_side_of(*, user: AnyUser, contract: Contract) -> str:
    """ "buyer", "supplier", "observer" (operators, regulators in scope) or "" (nobody)."""
    side = contract_side_of(user=user, contract=contract)
    if side:
        return side
    return OBSERVER if may_audit_tender(user=user, tender=contract.tender) else ""


@dataclass
class MilestoneAcceptance:
    """One milestone as its acceptance page shows it to one side."""

    milestone: ContractMilestone
    plan: AcceptancePlan | None
    gold: GoldSet | None  # None for the supplier's side, whatever exists
    gold_ready: bool
    seed_digest: str
    deliveries: list[Delivery] = field(default_factory=list)
    deliveries_left: int = 0
    actions: list[str] = field(default_factory=list)


def contract_acceptance(*, user: AnyUser, contract: Contract) -> tuple[str, list[MilestoneAcceptance]]:
    """The side the user reads from and every milestone's plan, gold set, deliveries and next
    actions (`plan`, `gold` for the buyer's staff before the first delivery, `deliver` for the
    supplier's staff, `decide` for the buyer on a scored delivery). NotFound for anyone else."""
    side = acceptance_side_of(user=user, contract=contract)
    if not side:
        raise NotFound()
    plans = {plan.milestone_id: plan for plan in AcceptancePlan.objects.filter(contract=contract)}
    golds = {gold.plan_id: gold for gold in GoldSet.objects.filter(plan__contract=contract)}
    open_digests = dict(
        AcceptancePlan.objects.filter(contract=contract, seeds__revealed_at__isnull=True).values_list(
            "pk", "seeds__digest"
        )
    )
    deliveries: dict[int, list[Delivery]] = {}
    for delivery in Delivery.objects.filter(contract=contract).select_related("report").order_by("-number"):
        deliveries.setdefault(delivery.milestone_id, []).append(delivery)
    rows = []
    for milestone in contract.milestones.order_by("position"):
        plan = plans.get(milestone.pk)
        gold = golds.get(plan.pk) if plan else None
        own = deliveries.get(milestone.pk, [])
        used = sum(1 for delivery in own if delivery.state in COUNTED_DELIVERY_STATES)
        row = MilestoneAcceptance(
            milestone=milestone,
            plan=plan,
            gold=gold if side in GOLD_SIDES else None,
            gold_ready=gold is not None,
            seed_digest=open_digests.get(plan.pk, "") if plan else "",
            deliveries=own,
            deliveries_left=max(0, contract.max_deliveries - used),
        )
        row.actions = _actions(contract, side, row)
        rows.append(row)
    return side, rows


def _actions(contract: Contract, side: str, row: MilestoneAcceptance) -> list[str]:
    if contract.state != ContractState.ACTIVE or row.milestone.state != MilestoneState.SCHEDULED:
        return []
    actions = []
    pending = any(delivery.state in OPEN_DELIVERY_STATES for delivery in row.deliveries)
    if side == BUYER:
        if not row.deliveries:
            actions.append("plan")
            if row.plan is not None:
                actions.append("gold")
        if any(delivery.state == DeliveryState.SCORED for delivery in row.deliveries):
            actions.append("decide")
    if side == SUPPLIER and row.plan is not None and row.gold_ready and not pending and row.deliveries_left:
        actions.append("deliver")
    return actions


def delivery_for(*, user: AnyUser, pk: int | str) -> tuple[Delivery, str]:
    """A delivery and the side the user reads it from; NotFound for anyone else."""
    delivery = (
        Delivery.objects.select_related("plan", "seed", "milestone", "contract__tender", "contract__buyer")
        .select_related("contract__supplier")
        .filter(pk=pk)
        .first()
    )
    if delivery is None:
        raise NotFound()
    side = acceptance_side_of(user=user, contract=delivery.contract)
    if not side:
        raise NotFound()
    return delivery, side


def report_of(*, delivery: Delivery) -> AcceptanceReport | None:
    return AcceptanceReport.objects.filter(delivery=delivery).select_related("decided_by").first()


def defects_for_side(*, report: AcceptanceReport, side: str) -> list[dict[str, Any]]:
    """The report's defects as rows `{"item", …}` in sample order. The supplier's side keeps what
    it delivered and counts of what it missed, never a gold label or gold span."""
    rows = []
    for item in report.sample:
        detail = report.defects.get(item)
        if detail is None:
            continue
        row = {"item": item, **detail}
        if side not in GOLD_SIDES:
            row.pop("expected", None)
            if isinstance(row.get("missed"), list):
                row["missed"] = len(row["missed"])
        rows.append(row)
    return rows


def metrics_for_side(*, report: AcceptanceReport, side: str) -> dict[str, Any]:
    """The report's metrics for one side. A label's `support` is how many gold items (classes) or
    gold spans (entities) carry it, i.e. the gold set's label counts: the supplier's side gets the
    per-label scores without it."""
    if side in GOLD_SIDES:
        return report.metrics
    metrics = dict(report.metrics)
    for kind, per_label in (("classification", "classes"), ("entities", "per_label")):
        if isinstance(metrics.get(kind), dict) and isinstance(metrics[kind].get(per_label), dict):
            scores = {
                label: {name: value for name, value in row.items() if name != "support"}
                for label, row in metrics[kind][per_label].items()
            }
            metrics[kind] = {**metrics[kind], per_label: scores}
    return metrics


def seed_shown(*, delivery: Delivery) -> str:
    """The delivery's sampling seed once revealed (after scoring), else the empty string: until
    then both sides see only its SHA-256."""
    return delivery.seed.seed if delivery.seed.revealed_at is not None else ""


def deliveries_of(*, user: AnyUser) -> QuerySet[Delivery]:
    """Every delivery of the contracts the user is a party to, newest first."""
    parties = contract_parties_of(user=user)
    return (
        Delivery.objects.filter(
            Q(contract__buyer_id__in=parties.buyer_ids) | Q(contract__supplier_id__in=parties.supplier_ids)
        )
        .select_related("contract", "milestone", "report")
        .order_by("-uploaded_at", "-pk")
    )


@dataclass(frozen=True)
class PassRate:
    year: int
    modality: str
    decided: int
    accepted: int
    first_time: int  # accepted on the first delivery

    @property
    def rate_bp(self) -> int:
        """Accepted share of decided deliveries, in basis points."""
        return self.accepted * 10_000 // self.decided if self.decided else 0


def acceptance_pass_rates(*, year: int | None = None) -> list[PassRate]:
    """Public figures: decided deliveries per year of decision and modality of the contract's lot,
    how many were accepted, and how many on the first delivery. No party is named."""
    reports = AcceptanceReport.objects.exclude(decision="")
    if year is not None:
        reports = reports.filter(decided_at__year=year)
    rows = (
        reports.annotate(year=ExtractYear("decided_at"), modality=F("delivery__contract__award__lot__modality"))
        .values("year", "modality")
        .annotate(
            decided=Count("pk"),
            accepted=Count("pk", filter=Q(decision=Decision.ACCEPTED)),
            first_time=Count("pk", filter=Q(decision=Decision.ACCEPTED, delivery__number=1)),
        )
        .order_by("-year", "modality")
    )
    return [PassRate(**row) for row in rows]
