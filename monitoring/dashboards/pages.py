"""The dashboard pages. They compute no figure: each draws its panels in the browser from the
dashboard API (`/api/v1/monitoring/summary/<panel>/` for regulators, the public summary for
everyone), so the page, the API and the downloads show the same numbers.

- `/monitoring/dashboard/`: regulators (their scope) and operators (everything); 403 for other
  signed-in users. Bad filters answer 400 with the form's errors and no panel is fetched.
- `/monitoring/`: the public summary, national figures for a period, with the open data's links,
  licence and date.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from monitoring.dashboards import panels
from monitoring.dashboards.forms import DashboardFilterForm, PublicFilterForm
from monitoring.dashboards.presenting import data_date, licence_data
from monitoring.redflags.selectors import can_read_alerts
from monitoring.reports.views import report_links
from portal.errors import PermissionDenied
from registry.models import RegionLevel
from registry.selectors import regions_for_choice, regulator_scope_prefixes


def _with_query(url: str, query: str) -> str:
    return f"{url}?{query}" if query else url


def _sections(names: list[str] | tuple[str, ...], *, export: str, query: str) -> list[dict[str, str]]:
    """What the page needs per panel: its name and its download links under the filters."""
    return [
        {
            "name": name,
            "csv": _with_query(reverse(export, kwargs={"name": name, "fmt": "csv"}), query),
            "xlsx": _with_query(reverse(export, kwargs={"name": name, "fmt": "xlsx"}), query),
        }
        for name in names
    ]


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    scope = regulator_scope_prefixes(user=request.user)
    if scope is None:
        raise PermissionDenied(_("The dashboards are for regulators."))
    choices = regions_for_choice(prefixes=scope, levels=(RegionLevel.PROVINCE, RegionLevel.PREFECTURE))
    form = DashboardFilterForm(request.GET, today=timezone.localdate(), region_choices=choices)
    valid = form.is_valid()
    query = urlencode(form.query()) if valid else ""
    sections = _sections(list(panels.PANELS), export="monitoring:dashboard-export", query=query) if valid else []
    for section in sections:
        section["src"] = _with_query(reverse("monitoring-summary-panel", kwargs={"name": section["name"]}), query)
    context = {"form": form, "sections": sections, "map_url": static("vendor/geo/china.json")}
    return render(request, "monitoring/dashboard.html", context, status=200 if valid else 400)


def index(request: HttpRequest) -> HttpResponse:
    form = PublicFilterForm(request.GET, today=timezone.localdate())
    valid = form.is_valid()
    query = urlencode(form.query()) if valid else ""
    context = {
        "form": form,
        "sections": _sections(panels.PUBLIC_PANELS, export="monitoring:public-export", query=query) if valid else [],
        "summary_src": _with_query(reverse("monitoring-public-summary"), query),
        "summary_csv": _with_query(reverse("monitoring-public-summary-csv"), query),
        "licence": licence_data(),
        "data_date": data_date(),
        "map_url": static("vendor/geo/china.json"),
        "reports": report_links(request.user),
        "can_read_alerts": can_read_alerts(user=request.user),
    }
    return render(request, "monitoring/index.html", context, status=200 if valid else 400)
