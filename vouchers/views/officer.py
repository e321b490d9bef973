"""Pages of voucher officers: programmes, the application and claim queues, the programme report.

Officers of a programme's voucher authority act on it; operators read every programme, queue and
claim but act on none (the services refuse them). Anyone else is sent to sign in (anonymous) or
told the page is for officers (list pages, 403); a programme, application, claim or voucher they
do not run answers 404, like a missing one.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import PurePath
from typing import Any, TypeVar

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from marketplace.paging import CappedPaginator
from marketplace.views._common import PAGE_SIZE, query_without_page, run_form_service
from portal.errors import Conflict, NotFound, PermissionDenied
from portal.money import format_fen, hundredths_text
from portal.permissions import is_operator, signed_in
from registry.roles import OrganisationKind
from registry.selectors import regions_for_choice
from vouchers import selectors, services
from vouchers.forms_officer import (
    PROGRAMME_FIELD_NAMES,
    ApplicationApproveForm,
    ApplicationFilterForm,
    ClaimApproveForm,
    ClaimDisburseForm,
    ProgrammeForm,
    ReasonForm,
)
from vouchers.models import (
    PROGRAMME_TRANSITIONS,
    Application,
    ApplicationState,
    ClaimState,
    Programme,
    ProgrammeState,
    ProviderRule,
    SettlementClaim,
    Voucher,
)

T = TypeVar("T")

# The URL's action for each state a programme may move to, and the service that moves it there.
ACTIONS: dict[str, tuple[str, Callable[..., Programme]]] = {
    "open": (ProgrammeState.OPEN, services.programme_open),
    "pause": (ProgrammeState.PAUSED, services.programme_pause),
    "close": (ProgrammeState.CLOSED, services.programme_close),
}
DONE = {
    "open": gettext_lazy("The programme is open: its budget is funded and holders can apply."),
    "pause": gettext_lazy("The programme is paused: it takes no applications and no redemptions."),
    "close": gettext_lazy(
        "The programme is closed: open applications were rejected and active vouchers cancelled, "
        "their balances back in the budget."
    ),
}
# The report's flows, as its table, chart and CSV show them.
REPORT_SERIES = (
    ("funded_fen", gettext_lazy("Budget funded")),
    ("issued_fen", gettext_lazy("Issued")),
    ("redeemed_fen", gettext_lazy("Redeemed")),
    ("settled_fen", gettext_lazy("Settled")),
    ("returned_fen", gettext_lazy("Expired or cancelled")),
)
CLAIM_QUEUE_STATES = (ClaimState.SUBMITTED, ClaimState.APPROVED)


# --- Who may see what ---------------------------------------------------------------------------


def _require_officer_or_operator(request: HttpRequest) -> None:
    """The officers' list pages: for officers of a voucher authority and operators."""
    if not (is_operator(request.user) or selectors.officer_authorities(request.user).exists()):
        raise PermissionDenied(_("This page is for the officers of a voucher authority."))


def _programme(request: HttpRequest, pk: int) -> Programme:
    """A programme the user runs (operators: any); 404 otherwise."""
    programme = (
        selectors.programmes_run_by(user=request.user)
        .select_related("authority__region", "holder_region", "provider_region")
        .filter(pk=pk)
        .first()
    )
    if programme is None:
        raise NotFound()
    return programme


def _require_officer_of(request: HttpRequest, programme: Programme) -> None:
    if not selectors.is_officer_of(request.user, programme):
        raise PermissionDenied(_("Only officers of the programme's voucher authority can do this."))


def _post(request: HttpRequest, form_class: type[forms.Form], action: str, **kwargs: Any) -> forms.Form:
    """The form bound to the POST when the button pressed was `action`, else unbound."""
    bound = request.method == "POST" and request.POST.get("action") == action
    return form_class(request.POST if bound else None, **kwargs)


def _errors_as_messages(request: HttpRequest, form: forms.Form) -> None:
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, str(error))


# --- Programmes ---------------------------------------------------------------------------------


@login_required
def officer_programmes(request: HttpRequest) -> HttpResponse:
    """The programmes of the user's authorities (operators: all), with their budget figures."""
    _require_officer_or_operator(request)
    programmes = selectors.with_programme_balances(selectors.programmes_run_by(user=request.user))
    page = CappedPaginator(programmes, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "query": query_without_page(request),
        "can_create": selectors.officer_authorities(request.user).exists(),
    }
    return render(request, "vouchers/officer/programmes.html", context)


def _programme_form_page(
    request: HttpRequest, form: ProgrammeForm, call: Callable[[], Programme], programme: Programme | None
) -> HttpResponse:
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            saved, status = run_form_service(form, call, names=PROGRAMME_FIELD_NAMES)
            if saved is not None:
                if programme is None:
                    messages.success(request, _("The programme is saved as a draft. Open it when its terms are final."))
                else:
                    messages.success(request, _("The draft is saved."))
                return redirect("vouchers:programme-manage", pk=saved.pk)
    context = {"form": form, "programme": programme}
    return render(request, "vouchers/officer/programme_form.html", context, status=status)


@login_required
def programme_create(request: HttpRequest) -> HttpResponse:
    authorities = list(selectors.officer_authorities(request.user).select_related("region").order_by("name", "pk"))
    if not authorities:
        raise PermissionDenied(_("Only officers of a voucher authority can create programmes."))
    form = ProgrammeForm(
        request.POST if request.method == "POST" else None,
        authorities=authorities,
        region_choices=regions_for_choice(),
    )
    return _programme_form_page(
        request,
        form,
        lambda: services.programme_create(actor=signed_in(request.user), authority=form.authority(), spec=form.spec()),
        None,
    )


@login_required
def programme_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """A draft's terms; once open, they are what holders applied under."""
    programme = _programme(request, pk)
    _require_officer_of(request, programme)
    if programme.state != ProgrammeState.DRAFT:
        messages.error(request, _("Only a draft programme can be edited."))
        return redirect("vouchers:programme-manage", pk=programme.pk)
    form = ProgrammeForm(
        request.POST if request.method == "POST" else None,
        initial=ProgrammeForm.initial_for(programme),
        region_choices=regions_for_choice(),
    )
    return _programme_form_page(
        request,
        form,
        lambda: services.programme_update(actor=signed_in(request.user), programme=programme, spec=form.spec()),
        programme,
    )


def _transitions(programme: Programme) -> list[str]:
    """The actions the programme's state allows, in a fixed order."""
    allowed = PROGRAMME_TRANSITIONS[programme.state]
    return [action for action, (state, _service) in ACTIONS.items() if state in allowed]


def _report_charts(report: list[selectors.ReportRow]) -> list[dict[str, Any]]:
    """One small chart per flow (static/js/charts.js draws one series per chart), in yuan."""
    labels = [row.month.strftime("%Y-%m") for row in report]
    return [
        {
            "id": f"programme-chart-{key.removesuffix('_fen')}",
            "label": label,
            "data": {"labels": labels, "values": [hundredths_text(getattr(row, key)) for row in report]},
        }
        for key, label in REPORT_SERIES
    ]


@login_required
def programme_manage(request: HttpRequest, pk: int) -> HttpResponse:
    """The officer's page of a programme: its state and moves, balances, monthly report and
    vouchers (each cancellable while active)."""
    programme = _programme(request, pk)
    acts = selectors.is_officer_of(request.user, programme)
    report = selectors.programme_report(programme)
    # Paged and counted without the balances (a programme may hold thousands of vouchers); only
    # the page's rows get them.
    page = CappedPaginator(programme.vouchers.values_list("pk", flat=True), PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = selectors.with_balance(
        programme.vouchers.filter(pk__in=list(page.object_list)).select_related("holder")
    )
    context = {
        "programme": programme,
        "acts": acts,
        "transitions": _transitions(programme) if acts else [],
        "balances": selectors.programme_balances(programme),
        "report": report,
        "report_rows": [(row, [getattr(row, key) for key, _label in REPORT_SERIES]) for row in report],
        "series": [label for _key, label in REPORT_SERIES],
        "charts": _report_charts(report) if report else [],
        "holder_kinds": [OrganisationKind(kind).label for kind in programme.holder_kinds],
        "providers": list(programme.providers.order_by("name")) if programme.provider_rule == ProviderRule.LIST else [],
        "waiting": programme.applications.filter(state=ApplicationState.SUBMITTED).count(),
        "page": page,
        "query": query_without_page(request),
    }
    return render(request, "vouchers/officer/programme_manage.html", context)


@login_required
@require_POST
def programme_transition(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Open (or reopen), pause or close the programme; a move its state forbids is explained."""
    if action not in ACTIONS:
        raise NotFound()
    programme = _programme(request, pk)
    move = ACTIONS[action][1]
    try:
        move(actor=signed_in(request.user), programme=programme)
    except Conflict as error:
        messages.error(request, error.message)
    else:
        messages.success(request, DONE[action])
    return redirect("vouchers:programme-manage", pk=programme.pk)


@login_required
def programme_report_csv(request: HttpRequest, pk: int) -> HttpResponse:
    """The monthly report as CSV (UTF-8 with a BOM, so that spreadsheet programs read Chinese)."""
    programme = _programme(request, pk)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="voucher-programme-{programme.pk}-report.csv"'
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow([_("Month"), *[_("%(flow)s (yuan)") % {"flow": label} for _key, label in REPORT_SERIES]])
    for row in selectors.programme_report(programme):
        writer.writerow(
            [row.month.strftime("%Y-%m"), *[hundredths_text(getattr(row, key)) for key, _l in REPORT_SERIES]]
        )
    return response


# --- Applications -------------------------------------------------------------------------------


@login_required
def application_queue(request: HttpRequest) -> HttpResponse:
    """Applications awaiting review in the user's programmes, oldest first; one programme's only
    with `?programme=`."""
    _require_officer_or_operator(request)
    programmes = list(selectors.programmes_run_by(user=request.user).only("pk", "name", "year", "authority"))
    form = ApplicationFilterForm(request.GET or None, programmes=programmes)
    queue = selectors.application_queue(user=request.user, programme=form.chosen())
    page = CappedPaginator(queue, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"form": form, "page": page, "query": query_without_page(request)}
    return render(request, "vouchers/officer/application_queue.html", context, status=400 if form.errors else 200)


def _application(request: HttpRequest, pk: int) -> Application:
    """An application of a programme the user runs; 404 otherwise (its applicant's staff see it
    on their own pages, not here)."""
    application = (
        selectors.applications_visible_to(user=request.user)
        .filter(programme__in=selectors.programmes_run_by(user=request.user), pk=pk)
        .select_related("programme__holder_region", "applicant__region", "submitted_by", "reviewed_by", "voucher")
        .first()
    )
    if application is None:
        raise NotFound()
    return application


@login_required
def application_review(request: HttpRequest, pk: int) -> HttpResponse:
    """An application with its evidence; an officer approves it (the amount may be lower), which
    issues the voucher, or rejects it with a reason."""
    application = _application(request, pk)
    approve_form = _post(request, ApplicationApproveForm, "approve")
    reject_form = _post(request, ReasonForm, "reject")
    status = 200
    if request.method == "POST":
        _require_officer_of(request, application.programme)
        actor = signed_in(request.user)
        status = 400
        if approve_form.is_bound and approve_form.is_valid():
            voucher, status = run_form_service(
                approve_form,
                lambda: services.application_approve(
                    actor=actor,
                    application=application,
                    amount_fen=approve_form.cleaned_data["amount"],
                    note=approve_form.cleaned_data["note"],
                ),
                names={"amount_fen": "amount"},
            )
            if voucher is not None:
                messages.success(
                    request,
                    _("Approved: a voucher of %(amount)s yuan is issued to %(holder)s.")
                    % {"amount": format_fen(voucher.face_fen), "holder": application.applicant.name},
                )
                return redirect("vouchers:application-queue")
        elif reject_form.is_bound and reject_form.is_valid():
            rejected, status = run_form_service(
                reject_form,
                lambda: services.application_reject(
                    actor=actor, application=application, reason=reject_form.cleaned_data["reason"]
                ),
            )
            if rejected is not None:
                messages.success(request, _("The application is rejected; the applicant sees your reason."))
                return redirect("vouchers:application-queue")
    context = {
        "application": application,
        "programme": application.programme,
        "acts": selectors.is_officer_of(request.user, application.programme),
        "budget_available_fen": selectors.budget_available_fen(application.programme),
        "approve_form": approve_form,
        "reject_form": reject_form,
    }
    return render(request, "vouchers/officer/application_review.html", context, status=status)


@login_required
def application_evidence(request: HttpRequest, pk: int) -> FileResponse:
    """The application's evidence file: for the applicant's staff and the programme's officers."""
    application = selectors.applications_visible_to(user=request.user).filter(pk=pk).first()
    if application is None or not application.evidence:
        raise NotFound()
    try:
        handle = application.evidence.open("rb")
    except FileNotFoundError as error:
        raise NotFound() from error
    return FileResponse(
        handle, as_attachment=True, filename=application.evidence_name or PurePath(application.evidence.name).name
    )


# --- Settlement claims --------------------------------------------------------------------------


@login_required
def claim_queue(request: HttpRequest) -> HttpResponse:
    """Claims awaiting review or disbursement in the user's programmes, oldest first;
    `?state=submitted` or `?state=approved` narrows it."""
    _require_officer_or_operator(request)
    state = request.GET.get("state", "")
    claims = selectors.claim_queue(user=request.user).select_related("redemption__holder", "redemption__provider")
    if state in CLAIM_QUEUE_STATES:
        claims = claims.filter(state=state)
    else:
        state = ""
    page = CappedPaginator(claims, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "query": query_without_page(request), "state": state, "states": CLAIM_QUEUE_STATES}
    return render(request, "vouchers/officer/claim_queue.html", context)


def _claim(request: HttpRequest, pk: int) -> SettlementClaim:
    claim = (
        selectors.claims_visible_to(user=request.user)
        .filter(programme__in=selectors.programmes_run_by(user=request.user), pk=pk)
        .select_related(
            "redemption__holder",
            "redemption__provider",
            "redemption__contract",
            "redemption__order__provider",
            "submitted_by",
            "reviewed_by",
        )
        .first()
    )
    if claim is None:
        raise NotFound()
    return claim


@login_required
def claim_review(request: HttpRequest, pk: int) -> HttpResponse:
    """A claim with its redemption, what it paid for and the evidence; an officer approves or
    rejects it, then records the transfer that disburses an approved one (and writes it off)."""
    claim = _claim(request, pk)
    approve_form = _post(request, ClaimApproveForm, "approve")
    reject_form = _post(request, ReasonForm, "reject")
    disburse_form = _post(request, ClaimDisburseForm, "disburse")
    status = 200
    if request.method == "POST":
        _require_officer_of(request, claim.programme)
        actor = signed_in(request.user)
        status = 400
        done: SettlementClaim | None = None
        success = ""
        if approve_form.is_bound and approve_form.is_valid():
            done, status = run_form_service(
                approve_form,
                lambda: services.claim_approve(actor=actor, claim=claim, note=approve_form.cleaned_data["note"]),
            )
            success = _("The claim is approved. Record the transfer once the amount is paid.")
        elif reject_form.is_bound and reject_form.is_valid():
            done, status = run_form_service(
                reject_form,
                lambda: services.claim_reject(actor=actor, claim=claim, reason=reject_form.cleaned_data["reason"]),
            )
            success = _("The claim is rejected; the claimant sees your reason and may claim again.")
        elif disburse_form.is_bound and disburse_form.is_valid():
            done, status = run_form_service(
                disburse_form,
                lambda: services.claim_disburse(
                    actor=actor,
                    claim=claim,
                    transfer_number=disburse_form.cleaned_data["transfer_number"],
                    transferred_on=disburse_form.cleaned_data["transferred_on"],
                ),
            )
            success = _("The transfer is recorded and the redemption written off.")
        if done is not None:
            messages.success(request, success)
            if done.state == ClaimState.APPROVED:
                return redirect("vouchers:claim-review", pk=done.pk)
            return redirect("vouchers:claim-queue")
    context = {
        "claim": claim,
        "redemption": claim.redemption,
        "programme": claim.programme,
        "acts": selectors.is_officer_of(request.user, claim.programme),
        "approve_form": approve_form,
        "reject_form": reject_form,
        "disburse_form": disburse_form,
    }
    return render(request, "vouchers/officer/claim_review.html", context, status=status)


# --- Vouchers -----------------------------------------------------------------------------------


@login_required
@require_POST
def voucher_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    """Cancel a voucher with the reason; its unused balance goes back to the budget."""
    voucher: Voucher | None = (
        selectors.vouchers_visible_to(user=request.user)
        .filter(programme__in=selectors.programmes_run_by(user=request.user), pk=pk)
        .first()
    )
    if voucher is None:
        raise NotFound()
    form = ReasonForm(request.POST)
    if form.is_valid():
        cancelled, _status = run_form_service(
            form,
            lambda: services.voucher_cancel(
                actor=signed_in(request.user), voucher=voucher, reason=form.cleaned_data["reason"]
            ),
        )
        if cancelled is not None:
            messages.success(
                request,
                _("Voucher %(code)s is cancelled; its unused balance is back in the budget.") % {"code": voucher},
            )
    _errors_as_messages(request, form)
    return redirect("vouchers:programme-manage", pk=voucher.programme_id)


urlpatterns = [
    path("officer/programmes/", officer_programmes, name="officer-programmes"),
    path("officer/programmes/new/", programme_create, name="programme-create"),
    path("officer/programmes/<int:pk>/", programme_manage, name="programme-manage"),
    path("officer/programmes/<int:pk>/edit/", programme_edit, name="programme-edit"),
    path("officer/programmes/<int:pk>/report.csv", programme_report_csv, name="programme-report-csv"),
    path("officer/programmes/<int:pk>/<str:action>/", programme_transition, name="programme-transition"),
    path("officer/applications/", application_queue, name="application-queue"),
    path("officer/applications/<int:pk>/", application_review, name="application-review"),
    path("applications/<int:pk>/evidence/", application_evidence, name="application-evidence"),
    path("officer/claims/", claim_queue, name="claim-queue"),
    path("officer/claims/<int:pk>/", claim_review, name="claim-review"),
    path("officer/vouchers/<int:pk>/cancel/", voucher_cancel, name="voucher-cancel"),
]
