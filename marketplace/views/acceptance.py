"""Pages of delivery acceptance (验收, DESIGN §5): a contract's acceptance page, the buyer's plan,
gold set and decision, the vendor's deliveries with their scoring progress, the report (page and
PDF) and the public pass rates.

Who sees what is the selectors' business (`contract_acceptance`, `delivery_for`,
`defects_for_side`): a user who is neither a party nor an observer gets 404, like a missing page;
a party asking for the other side's action gets 403. Uploads go through
`portal.uploads.SizeLimitedUploadHandler`, so an oversized file is never written out in full.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST

from marketplace import selectors, services
from marketplace.acceptance_display import defect_table, metric_tables
from marketplace.acceptance_pdf import acceptance_report_pdf
from marketplace.forms_acceptance import (
    AcceptancePlanForm,
    DeliveryDecideForm,
    DeliveryUploadForm,
    GoldSetForm,
    formats_by_kind,
)
from marketplace.models import AcceptanceReport, Decision, Delivery, DeliveryState
from marketplace.quality.formats import FORMATS
from marketplace.selectors.acceptance import BUYER, SUPPLIER, MilestoneAcceptance
from marketplace.views._common import run_form_service
from portal.errors import Conflict, NotFound, PermissionDenied
from portal.forms import add_service_errors
from portal.permissions import signed_in
from portal.uploads import SizeLimitedUploadHandler
from registry.taxonomy import Modality

DEFECTS_PER_PAGE = 50
# Which side acts, per action of `selectors.contract_acceptance`.
ACTION_SIDES = {"plan": BUYER, "gold": BUYER, "deliver": SUPPLIER, "decide": BUYER}


def _milestone_row(request: HttpRequest, pk: int, milestone_pk: int, *, action: str) -> MilestoneAcceptance:
    """The milestone's acceptance as the user's side reads it, when that side may take `action`
    now: 404 for strangers (and a milestone of another contract), 403 for the other side, 409 when
    the milestone's state does not allow it."""
    contract = selectors.contract_detail(user=request.user, pk=pk)
    side, rows = selectors.contract_acceptance(user=request.user, contract=contract)
    row = next((row for row in rows if row.milestone.pk == milestone_pk), None)
    if row is None:
        raise NotFound()
    if side != ACTION_SIDES[action]:
        if ACTION_SIDES[action] == BUYER:
            raise PermissionDenied(_("Only the buyer's own staff can do this."))
        raise PermissionDenied(_("Only the supplier's staff deliver."))
    if action not in row.actions:
        raise Conflict(str(_CLOSED[action]))
    return row


_CLOSED = {
    "plan": gettext_lazy(
        "The acceptance plan can change only on an active contract, before the milestone's first delivery."
    ),
    "gold": gettext_lazy(
        "Set the acceptance plan first; the gold set can change only before the milestone's first delivery."
    ),
    "deliver": gettext_lazy(
        "No delivery can be made now: the acceptance plan is not complete, the previous delivery awaits its "
        "decision, the milestone is settled, or no delivery is left."
    ),
}


@login_required
def contract_acceptance(request: HttpRequest, pk: int) -> HttpResponse:
    """Every milestone's acceptance plan, gold set (buyer and observers) and deliveries."""
    contract = selectors.contract_detail(user=request.user, pk=pk)
    side, rows = selectors.contract_acceptance(user=request.user, contract=contract)
    context = {"contract": contract, "side": side, "rows": rows}
    return render(request, "marketplace/acceptance/contract.html", context)


@login_required
def acceptance_plan(request: HttpRequest, pk: int, milestone_pk: int) -> HttpResponse:
    """The buyer's plan for one milestone: annotation type, file format, label set and lot size;
    the AQL is the tender's, and GB/T 2828.1 gives the rest."""
    row = _milestone_row(request, pk, milestone_pk, action="plan")
    contract = row.milestone.contract
    initial: dict[str, Any] = {}
    if row.plan is not None:
        initial = {
            "kind": row.plan.kind,
            "format": row.plan.format,
            "label_set": "\n".join(row.plan.label_set),
            "lot_size": row.plan.lot_size,
        }
    form = AcceptancePlanForm(request.POST if request.method == "POST" else None, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            plan, status = run_form_service(
                form,
                lambda: services.acceptance_plan_set(
                    actor=signed_in(request.user),
                    contract=contract,
                    milestone_id=row.milestone.pk,
                    kind=form.cleaned_data["kind"],
                    fmt=form.cleaned_data["format"],
                    label_set=form.labels(),
                    lot_size=form.cleaned_data["lot_size"],
                ),
            )
            if plan is not None:
                messages.success(request, _("The acceptance plan is saved."))
                return redirect("marketplace:contract-acceptance", pk=contract.pk)
    context = {
        "contract": contract,
        "row": row,
        "form": form,
        "aql": contract.tender.get_acceptance_aql_display(),
        "formats": formats_by_kind(FORMATS),
    }
    return render(request, "marketplace/acceptance/plan_form.html", context, status=status)


def _too_large(handler: SizeLimitedUploadHandler, limit: int) -> str:
    if not handler.too_large:
        return ""
    return _("The file is larger than %(limit)s, the largest accepted here.") % {"limit": filesizeformat(limit)}


@csrf_exempt  # checked by `_gold_set` once the size-limiting handler is in place
@login_required
def gold_set(request: HttpRequest, pk: int, milestone_pk: int) -> HttpResponse:
    """The buyer's gold set for one milestone (金标准): read whole, then kept from the vendor."""
    row = _milestone_row(request, pk, milestone_pk, action="gold")
    handler = SizeLimitedUploadHandler(request, max_bytes=settings.ACCEPTANCE_GOLD_MAX_BYTES)
    if request.method == "POST":
        request.upload_handlers = [handler, *request.upload_handlers]
    return _gold_set(request, row, handler)


@csrf_protect
def _gold_set(request: HttpRequest, row: MilestoneAcceptance, handler: SizeLimitedUploadHandler) -> HttpResponse:
    contract = row.milestone.contract
    form = GoldSetForm()
    status = 200
    if request.method == "POST":
        files = request.FILES  # parses the body: only then does the handler know the size
        limit = settings.ACCEPTANCE_GOLD_MAX_BYTES
        form = GoldSetForm(request.POST, files, too_large_message=_too_large(handler, limit))
        status = 400
        if form.is_valid() and (plan := row.plan) is not None:
            gold, status = run_form_service(
                form,
                lambda: services.gold_set_upload(
                    actor=signed_in(request.user), plan=plan, upload=form.cleaned_data["file"]
                ),
            )
            if gold is not None:
                messages.success(request, _("The gold set is stored. The vendor sees only that it is ready."))
                return redirect("marketplace:contract-acceptance", pk=contract.pk)
    context = {
        "contract": contract,
        "row": row,
        "form": form,
        "max_size": filesizeformat(settings.ACCEPTANCE_GOLD_MAX_BYTES),
    }
    return render(request, "marketplace/acceptance/gold_form.html", context, status=status)


@csrf_exempt  # checked by `_delivery_upload` once the size-limiting handler is in place
@login_required
def delivery_upload(request: HttpRequest, pk: int, milestone_pk: int) -> HttpResponse:
    """The vendor's delivery for one milestone; its scoring is queued and the delivery page follows
    it with a progress bar."""
    row = _milestone_row(request, pk, milestone_pk, action="deliver")
    handler = SizeLimitedUploadHandler(request, max_bytes=settings.ACCEPTANCE_DELIVERY_MAX_BYTES)
    if request.method == "POST":
        request.upload_handlers = [handler, *request.upload_handlers]
    return _delivery_upload(request, row, handler)


@csrf_protect
def _delivery_upload(request: HttpRequest, row: MilestoneAcceptance, handler: SizeLimitedUploadHandler) -> HttpResponse:
    contract = row.milestone.contract
    form = DeliveryUploadForm()
    status = 200
    if request.method == "POST":
        files = request.FILES
        limit = settings.ACCEPTANCE_DELIVERY_MAX_BYTES
        form = DeliveryUploadForm(request.POST, files, too_large_message=_too_large(handler, limit))
        status = 400
        if form.is_valid() and (plan := row.plan) is not None:
            delivery, status = run_form_service(
                form,
                lambda: services.delivery_upload(
                    actor=signed_in(request.user),
                    plan=plan,
                    upload=form.cleaned_data["file"],
                    note=form.cleaned_data["note"],
                ),
            )
            if delivery is not None:
                messages.success(request, _("The delivery is received; it is being scored."))
                return redirect("marketplace:delivery-detail", pk=delivery.pk)
    context = {
        "contract": contract,
        "row": row,
        "form": form,
        "max_size": filesizeformat(settings.ACCEPTANCE_DELIVERY_MAX_BYTES),
    }
    return render(request, "marketplace/acceptance/delivery_form.html", context, status=status)


def _report_for(delivery: Delivery) -> AcceptanceReport | None:
    if delivery.state not in (DeliveryState.SCORED, DeliveryState.ACCEPTED, DeliveryState.REJECTED):
        return None
    return selectors.report_of(delivery=delivery)


def _detail_page(
    request: HttpRequest, delivery: Delivery, side: str, form: DeliveryDecideForm | None = None, status: int = 200
) -> HttpResponse:
    report = _report_for(delivery)
    context: dict[str, Any] = {
        "delivery": delivery,
        "side": side,
        "contract": delivery.contract,
        "milestone": delivery.milestone,
        "plan": delivery.plan,
        "report": report,
        "seed": selectors.seed_shown(delivery=delivery),
    }
    if report is not None:
        defects = defect_table(
            selectors.defects_for_side(report=report, side=side), kind=delivery.plan.kind, gold_side=side != SUPPLIER
        )
        context["defect_header"] = defects.header
        context["defects"] = Paginator(defects.rows, DEFECTS_PER_PAGE).get_page(request.GET.get("page"))
        context["gold_side"] = side != SUPPLIER
        context["metric_tables"] = metric_tables(selectors.metrics_for_side(report=report, side=side))
        if side == BUYER and delivery.state == DeliveryState.SCORED:
            context["decide_form"] = form or DeliveryDecideForm(initial={"decision": report.proposed})
    return render(request, "marketplace/acceptance/delivery_detail.html", context, status=status)


@login_required
def delivery_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A delivery: its scoring's progress, why it could not be read, or its report and decision."""
    delivery, side = selectors.delivery_for(user=request.user, pk=pk)
    return _detail_page(request, delivery, side)


@login_required
def delivery_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The part of the delivery page that htmx polls every second while the scoring runs; once it
    has finished, htmx is told to reload the page, which then shows the report or the errors."""
    delivery, _side = selectors.delivery_for(user=request.user, pk=pk)
    response = render(request, "marketplace/acceptance/_delivery_progress.html", {"delivery": delivery})
    if request.headers.get("HX-Request") and not delivery.running:
        response["HX-Refresh"] = "true"
    return response


@login_required
@require_POST
def delivery_decide(request: HttpRequest, pk: int) -> HttpResponse:
    """The buyer confirms the sampling's result, or overrides it with a reason."""
    delivery, side = selectors.delivery_for(user=request.user, pk=pk)
    if side != BUYER:
        raise PermissionDenied(_("Only the buyer's own staff can do this."))
    form = DeliveryDecideForm(request.POST)
    if form.is_valid():
        try:
            report = services.delivery_decide(
                actor=signed_in(request.user),
                delivery=delivery,
                decision=form.cleaned_data["decision"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        except Conflict as error:
            messages.error(request, error.message)
            return redirect("marketplace:delivery-detail", pk=delivery.pk)
        else:
            if report.decision == Decision.ACCEPTED:
                messages.success(request, _("The delivery is accepted: the milestone is met and its amount is due."))
            else:
                messages.success(request, _("The delivery is rejected; the vendor is told."))
            return redirect("marketplace:delivery-detail", pk=delivery.pk)
    return _detail_page(request, delivery, side, form, status=400)


@login_required
def delivery_file(request: HttpRequest, pk: int) -> FileResponse:
    """The delivered file, as uploaded, for both parties and the observers."""
    delivery, _side = selectors.delivery_for(user=request.user, pk=pk)
    return FileResponse(delivery.file.open("rb"), as_attachment=True, filename=delivery.original_name)


@login_required
def delivery_report_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The report as a PDF in the reader's language, with the same side rules as the page."""
    delivery, side = selectors.delivery_for(user=request.user, pk=pk)
    report = _report_for(delivery)
    if report is None:
        raise NotFound()
    pdf = acceptance_report_pdf(
        delivery=delivery,
        report=report,
        defects=defect_table(
            selectors.defects_for_side(report=report, side=side), kind=delivery.plan.kind, gold_side=side != SUPPLIER
        ),
        metrics=selectors.metrics_for_side(report=report, side=side),
        seed=selectors.seed_shown(delivery=delivery),
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    reference = delivery.contract.reference or delivery.contract_id
    name = f"acceptance-{reference}-{delivery.milestone.position}-{delivery.number}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def acceptance_statistics(request: HttpRequest) -> HttpResponse:
    """Public pass rates: decided deliveries per year and modality, accepted, accepted first time."""
    modalities = dict(Modality.choices)
    rows = [
        (rate, modalities.get(rate.modality, rate.modality or _("not stated")))
        for rate in selectors.acceptance_pass_rates()
    ]
    return render(request, "marketplace/acceptance/statistics.html", {"rows": rows})
