"""Helpers for the rollup tests: the pending deltas and current totals, as plain dicts."""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.db.models import Sum

from monitoring.models import RollupDelta
from monitoring.rollups.services import current_facts
from registry.roles import OrganisationKind, Role
from tests.factories.registry import MembershipFactory, OrganisationFactory


def pending(metric: str, **where: Any) -> int:
    """The sum of the pending deltas of `metric` (filtered by `where`)."""
    return RollupDelta.objects.filter(metric=metric, **where).aggregate(total=Sum("value"))["total"] or 0


def totals_by_metric() -> dict[str, int]:
    """Facts plus pending deltas, summed per metric."""
    totals: Counter[str] = Counter()
    for key, value in current_facts().items():
        totals[key[-1]] += value
    return dict(totals)


def issuer_staff(region_code: str = "330100"):
    issuer = OrganisationFactory(kind=OrganisationKind.THIRD_PARTY, region_code=region_code, verified=True)
    return MembershipFactory(organisation=issuer, role=Role.VENDOR_STAFF).user
