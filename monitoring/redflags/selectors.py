"""Who sees which red-flag alerts: operators and national regulators all of them, a regulator
scoped to a region the alerts of that region and the regions below it; nobody else any. The pages,
the API and any export read alerts through `alerts_visible_to` only."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from monitoring.redflags.models import Alert
from portal.errors import NotFound
from portal.permissions import AnyUser
from registry.models import Region
from registry.selectors import region_subtree_q, regulator_scope_q


@dataclass(frozen=True)
class AlertFilters:
    flag: str = ""
    state: str = ""
    region: Region | None = None  # this region and those below it


def can_read_alerts(*, user: AnyUser) -> bool:
    """Regulators (any scope) and operators."""
    return regulator_scope_q(user=user) is not None


def alerts_visible_to(*, user: AnyUser, filters: AlertFilters | None = None) -> QuerySet[Alert]:
    scope = regulator_scope_q(user=user, field="region")
    if scope is None:
        return Alert.objects.none()
    alerts = Alert.objects.filter(scope)
    filters = filters or AlertFilters()
    if filters.flag:
        alerts = alerts.filter(flag=filters.flag)
    if filters.state:
        alerts = alerts.filter(state=filters.state)
    if filters.region is not None:
        alerts = alerts.filter(region_subtree_q(filters.region, field="region"))
    return alerts.select_related("tender", "buyer", "region", "decided_by").order_by("-created_at", "-pk")


def alert_for(*, user: AnyUser, pk: int | str) -> Alert:
    """One alert the user may see; NotFound (404) otherwise, like a missing one."""
    alert = alerts_visible_to(user=user).filter(pk=pk).first()
    if alert is None:
        raise NotFound()
    return alert
