"""The site shell: home page and health endpoint."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from marketplace.selectors import exchange_summary
from portal.health import broker_status, database_status
from registry.roles import OrganisationKind
from registry.selectors import registry_summary


def home(request: HttpRequest) -> HttpResponse:
    summary = registry_summary()
    kinds = [(OrganisationKind(kind).label, count) for kind, count in summary.by_kind.items()]
    return render(request, "home.html", {"summary": summary, "kinds": kinds, "exchange": exchange_summary()})


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """200 while the database answers (a broker outage degrades, it does not take pages down)."""
    database = database_status()
    broker = broker_status()
    healthy = database["ok"]
    status = "ok" if healthy and broker["ok"] else ("degraded" if healthy else "down")
    return JsonResponse({"status": status, "database": database, "broker": broker}, status=200 if healthy else 503)
