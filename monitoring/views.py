from __future__ import annotations

import csv

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from monitoring.redflags.selectors import can_read_alerts
from monitoring.reports.views import report_links
from registry.selectors import verified_organisations_by_province


def index(request: HttpRequest) -> HttpResponse:
    """Public summary: verified organisations per province, as a chart with its table."""
    rows = verified_organisations_by_province()
    chart = {"labels": [row.region.display_name for row in rows], "values": [row.count for row in rows]}
    context = {
        "rows": rows,
        "chart": chart,
        "reports": report_links(request.user),
        "can_read_alerts": can_read_alerts(user=request.user),
    }
    return render(request, "monitoring/index.html", context)


def organisations_by_province_csv(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="organisations-by-province.csv"'
    response.write("\ufeff")  # so that spreadsheet programs read UTF-8 Chinese correctly
    writer = csv.writer(response)
    writer.writerow([_("Division code"), _("Province"), _("Verified organisations")])
    for row in verified_organisations_by_province():
        writer.writerow([row.region.code, row.region.display_name, row.count])
    return response
