"""Pages of statistical reports.

- Staff of vendors and base operators: their organisations' reports, the filing form (save a
  draft, submit, amend by submitting again) and each report with its anomaly flags.
- Regulators: the organisations in their region's subtree whose report of a quarter is late
  (missing after the deadline, or submitted after it) or flagged, with a CSV export of the same
  list; operators see every region.

Anyone else gets 403 on the list pages; a report they may not see answers 404, like a missing one.
"""

from __future__ import annotations

import csv
import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.paging import CappedPaginator
from marketplace.views._common import PAGE_SIZE, query_without_page, run_form_service
from monitoring.models import AnomalyKind, ReportState, StatisticalReport, StatisticalReportFlag
from monitoring.reports import calendar, selectors, services
from monitoring.reports.forms import FIELD_NAMES, OversightFilterForm, ReportForm
from portal.errors import PermissionDenied
from portal.money import format_fen, hundredths_text
from portal.permissions import signed_in
from registry.models import Organisation, Region
from registry.selectors import regions_for_choice
from registry.taxonomy import Modality


def _reporting_organisations(request: HttpRequest) -> list[Organisation]:
    organisations = list(selectors.reporting_organisations_of(request.user).order_by("name", "pk"))
    if not organisations:
        raise PermissionDenied(_("Statistical reports are filed by the staff of vendors and annotation bases."))
    return organisations


@login_required
def report_list(request: HttpRequest) -> HttpResponse:
    """The reports of the user's organisations, newest quarter first, and the quarter to report."""
    organisations = _reporting_organisations(request)
    reports = selectors.statistical_reports_visible_to(user=request.user).filter(organisation__in=organisations)
    page = CappedPaginator(reports, PAGE_SIZE).get_page(request.GET.get("page"))
    now = timezone.now()
    year, quarter = calendar.last_ended_quarter(timezone.localdate())
    for report in page.object_list:
        report.late = calendar.is_late(
            year=report.year, quarter=report.quarter, first_submitted_at=report.first_submitted_at, now=now
        )
    context = {
        "page": page,
        "query": query_without_page(request),
        "current": {"year": year, "quarter": quarter, "due_on": calendar.due_on(year, quarter)},
    }
    return render(request, "monitoring/reports/list.html", context)


def _int_param(request: HttpRequest, name: str) -> int | None:
    value = request.GET.get(name, "")
    return int(value) if value.isdigit() and len(value) < 6 else None


@login_required
def report_file(request: HttpRequest) -> HttpResponse:
    """File a quarter's report: `?organisation=&year=&quarter=` choose it (default: the user's
    first organisation, the last ended quarter), its saved figures filled in."""
    organisations = _reporting_organisations(request)
    by_pk = {organisation.pk: organisation for organisation in organisations}
    default_year, default_quarter = calendar.last_ended_quarter(timezone.localdate())
    organisation = by_pk.get(_int_param(request, "organisation") or 0, organisations[0])
    year = _int_param(request, "year") or default_year
    quarter = _int_param(request, "quarter") or default_quarter
    existing = selectors.statistical_report_of(organisation=organisation, year=year, quarter=quarter)
    initial: dict[str, Any] = {"organisation": organisation.pk, "year": year, "quarter": quarter}
    if existing is not None:
        initial.update(
            revenue=existing.revenue_fen,
            headcount=existing.headcount,
            total_items=existing.total_items,
            public_data_share=existing.public_data_share_bp,
            **{f"volume_{volume.modality}": volume.items for volume in existing.volumes.all()},
        )
    form = ReportForm(request.POST if request.method == "POST" else None, initial=initial, organisations=organisations)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            submit = request.POST.get("action") != "draft"
            service = services.statistical_report_submit if submit else services.statistical_report_save_draft
            saved, status = run_form_service(
                form,
                lambda: service(
                    actor=signed_in(request.user), organisation=form.chosen_organisation(), **form.figures()
                ),
                names=FIELD_NAMES,
            )
            if saved is not None:
                if not submit:
                    messages.success(request, _("The draft is saved. Submit it before the due day."))
                elif saved.flags.exists():
                    messages.warning(
                        request, _("The report is submitted. Some figures look unusual: see the flags below.")
                    )
                else:
                    messages.success(request, _("The report is submitted."))
                return redirect("monitoring:report-detail", pk=saved.pk)
    context = {
        "form": form,
        "existing": existing,
        "volume_fields": [form[f"volume_{modality}"] for modality in Modality.values],
        "due_on": calendar.due_on(year, quarter) if 1 <= quarter <= 4 else None,
    }
    return render(request, "monitoring/reports/file.html", context, status=status)


def _jump_value(field: str, value: int) -> str:
    return _("%(amount)s yuan") % {"amount": format_fen(value)} if field == "revenue_fen" else f"{value:,}"


def flag_explanation(flag: StatisticalReportFlag) -> str:
    """What a flag's evidence says, in a sentence for the reader."""
    evidence = flag.evidence
    if flag.kind in (AnomalyKind.REVENUE_BELOW_PORTAL, AnomalyKind.REVENUE_ABOVE_PORTAL):
        figures = {
            "revenue": format_fen(evidence.get("revenue_fen", 0)),
            "paid": format_fen(evidence.get("portal_paid_fen", 0)),
            "signed": format_fen(evidence.get("portal_signed_fen", 0)),
            "factor": evidence.get("factor", ""),
        }
        if flag.kind == AnomalyKind.REVENUE_BELOW_PORTAL:
            return (
                _(
                    "Reported revenue %(revenue)s yuan; contracts on the portal paid this organisation %(paid)s yuan "
                    "in the quarter."
                )
                % figures
            )
        return (
            _(
                "Reported revenue %(revenue)s yuan is more than %(factor)s times what the portal knows of the quarter "
                "(paid %(paid)s yuan, contracts signed %(signed)s yuan)."
            )
            % figures
        )
    field = evidence.get("field", "")
    return _(
        "%(previous_period)s: %(previous)s; this quarter: %(current)s (threshold: ×%(factor)s or ÷%(factor)s)."
    ) % {
        "previous_period": evidence.get("previous_period", ""),
        "previous": _jump_value(field, evidence.get("previous", 0)),
        "current": _jump_value(field, evidence.get("current", 0)),
        "factor": evidence.get("factor", ""),
    }


@login_required
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    report = selectors.statistical_report_visible(user=request.user, pk=pk)
    context = {
        "report": report,
        "volumes": sorted(report.volumes.all(), key=lambda volume: Modality.values.index(volume.modality)),
        "flags": [(flag, flag_explanation(flag)) for flag in report.flags.all()],
        "share_percent": hundredths_text(report.public_data_share_bp),
        "due_on": calendar.due_on(report.year, report.quarter),
        "late": calendar.is_late(
            year=report.year, quarter=report.quarter, first_submitted_at=report.first_submitted_at, now=timezone.now()
        ),
        "can_file": selectors.files_for(request.user, report.organisation),
    }
    return render(request, "monitoring/reports/detail.html", context)


# --- Regulators ---------------------------------------------------------------------------------


def _oversight(request: HttpRequest) -> tuple[OversightFilterForm, dict[str, Any], Any]:
    if not selectors.may_oversee(request.user):
        raise PermissionDenied(_("This page is for regulators."))
    form = OversightFilterForm(request.GET or None, region_choices=regions_for_choice())
    data = form.cleaned_data if form.is_valid() else {}
    default_year, default_quarter = calendar.last_ended_quarter(timezone.localdate())
    year = data.get("year") or default_year
    quarter = data.get("quarter") or default_quarter
    region = Region.objects.filter(pk=data["region"]).first() if data.get("region") else None
    period = {"year": year, "quarter": quarter, "due_on": calendar.due_on(year, quarter)}
    rows = selectors.statistical_report_oversight(
        user=request.user,
        year=year,
        quarter=quarter,
        now=timezone.now(),
        region=region,
        problem=data.get("problem") or "",
    )
    return form, period, rows


@login_required
def report_oversight(request: HttpRequest) -> HttpResponse:
    form, period, rows = _oversight(request)
    page = CappedPaginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"form": form, "period": period, "page": page, "query": query_without_page(request)}
    return render(request, "monitoring/reports/oversight.html", context)


def _status(row: Organisation) -> str:
    state: Any = getattr(row, "report_state", None)
    if state != ReportState.SUBMITTED:
        return _("missing") if getattr(row, "late", False) else _("not submitted yet")
    return _("submitted late") if getattr(row, "late", False) else _("on time")


@login_required
def report_oversight_csv(request: HttpRequest) -> HttpResponse:
    """The regulators' list as CSV, with the same filters and scope as the page (every row, not
    one page): the figures and flags of the reports that were submitted."""
    _form, period, rows = _oversight(request)
    rows = list(rows)
    reports = StatisticalReport.objects.prefetch_related("flags").in_bulk(
        [row.report_id for row in rows if getattr(row, "report_state", None) == ReportState.SUBMITTED]
    )
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    name = f"statistical-reports-{period['year']}Q{period['quarter']}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response.write("\ufeff")  # so that spreadsheet programs read UTF-8 Chinese correctly
    writer = csv.writer(response)
    writer.writerow(
        [
            _("Division code"),
            _("Region"),
            _("Organisation"),
            _("Unified social credit code"),
            _("Period"),
            _("Due on"),
            _("First submitted at"),
            _("Status"),
            _("Flags"),
            _("Revenue (yuan)"),
            _("Headcount"),
            _("Annotated items, total"),
        ]
    )
    for row in rows:
        report = reports.get(getattr(row, "report_id", None) or 0)
        submitted_at: datetime.datetime | None = getattr(row, "report_submitted_at", None)
        writer.writerow(
            [
                row.region.code,
                row.region.display_name,
                row.name,
                row.credit_code,
                f"{period['year']}Q{period['quarter']}",
                period["due_on"].isoformat(),
                timezone.localtime(submitted_at).strftime("%Y-%m-%d %H:%M") if submitted_at else "",
                _status(row),
                "; ".join(str(flag.get_kind_display()) for flag in report.flags.all()) if report else "",
                hundredths_text(report.revenue_fen) if report else "",
                report.headcount if report else "",
                report.total_items if report else "",
            ]
        )
    return response


def report_links(user: Any) -> dict[str, bool]:
    """Which statistical report pages the monitoring index links to for this user."""
    return {
        "files_reports": bool(selectors.reporting_organisations_of(user).exists()),
        "oversees_reports": selectors.may_oversee(user),
    }
