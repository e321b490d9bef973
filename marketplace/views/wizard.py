"""The create-and-publish wizard of the buyer's staff: 1. the draft (details, lots, milestones),
2. its documents, 3. review and publish. Every step works on a draft of the user's own buyer;
anyone else gets 404, a tender no longer a draft 409."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace import selectors, services
from marketplace.forms import (
    LotFormSet,
    MilestoneFormSet,
    RowsFormSet,
    TenderDocumentForm,
    TenderForm,
    chosen_organisation,
)
from marketplace.models import CatalogueEntry, Tender
from marketplace.procedures import rules_of
from marketplace.states import TenderState
from marketplace.viewer import buyers_of_or_403
from portal.errors import Conflict, NotFound, PermissionDenied
from portal.forms import add_service_errors
from portal.permissions import signed_in, visible_or_404
from registry.models import Organisation
from registry.selectors import regions_for_choice

# Service error keys the draft form names differently; lots and milestones go above their rows.
DRAFT_FORM_FIELDS: dict[str, str | None] = {
    "price_weight_bp": "price_weight",
    "technical_weight_bp": "technical_weight",
    "business_weight_bp": "business_weight",
    "catalogue_entry": None,
}
ROW_LISTS = ("lots", "milestones")
ADD_ROW = {"lots": "add_lot", "milestones": "add_milestone"}


def _draft(request: HttpRequest, pk: int) -> Tender:
    tender = visible_or_404(selectors.tenders_of_buyer(user=request.user), pk=pk)
    if tender.state != TenderState.DRAFT:
        raise Conflict(_("Only a draft can be edited this way; a published tender changes by amendment."))
    return tender


def _catalogue_initial(request: HttpRequest, buyers: list[Organisation]) -> dict[str, Any]:
    """What `?catalogue=<id>` prefills: the entry's agency, sector, needs, and one lot for it."""
    entry_id = request.GET.get("catalogue", "")
    if not entry_id:
        return {}
    if not entry_id.isdigit():
        raise NotFound()
    entry: CatalogueEntry = visible_or_404(selectors.catalogue_entries(), pk=entry_id)
    if entry.agency_id not in {buyer.pk for buyer in buyers}:
        raise PermissionDenied(_("Only the staff of the entry's agency can start a tender from it."))
    return {
        "form": {
            "catalogue_entry": entry.pk,
            "buyer": entry.agency_id,
            "title": _("Annotation of %(dataset)s") % {"dataset": entry.dataset},
            "description": entry.annotation_needs,
            "sector": entry.sector,
        },
        "lots": [
            {
                "title": entry.dataset,
                "modality": entry.modality,
                "volume": entry.volume,
                "volume_unit": entry.volume_unit,
            }
        ],
    }


def _tender_initial(tender: Tender) -> dict[str, Any]:
    return {
        "form": {
            "catalogue_entry": tender.catalogue_entry_id,
            "title": tender.title,
            "description": tender.description,
            "procedure": tender.procedure,
            "evaluation_method": tender.evaluation_method,
            "price_weight": tender.price_weight_bp,
            "technical_weight": tender.technical_weight_bp,
            "business_weight": tender.business_weight_bp,
            "deadline": tender.deadline,
            "sector": tender.sector,
            "region": tender.region_id,
            "acceptance_aql": tender.acceptance_aql,
        },
        "lots": [
            {
                "title": lot.title,
                "modality": lot.modality,
                "volume": lot.volume,
                "volume_unit": lot.volume_unit,
                "budget": lot.budget_fen,
            }
            for lot in tender.lots.all()
        ],
        "milestones": [{"title": m.title, "share": m.share_bp} for m in tender.milestones.all()],
    }


def _draft_page(
    request: HttpRequest,
    *,
    tender: Tender | None,
    forms: tuple[TenderForm, RowsFormSet, RowsFormSet],
    list_errors: dict[str, list[str]] | None = None,
    status: int = 200,
) -> HttpResponse:
    form, lots, milestones = forms
    context = {
        "tender": tender,
        "form": form,
        "lots": lots,
        "milestones": milestones,
        "list_errors": list_errors or {},
        "step": 1,
    }
    return render(request, "marketplace/tender_form.html", context, status=status)


def _unbound(buyers: list[Organisation], initial: dict[str, Any]) -> tuple[TenderForm, RowsFormSet, RowsFormSet]:
    """The draft's forms showing `initial`; each list gets exactly the rows given."""
    return (
        TenderForm(initial=initial.get("form"), buyers=buyers, region_choices=regions_for_choice()),
        LotFormSet(initial=initial.get("lots", []), prefix="lots"),
        MilestoneFormSet(initial=initial.get("milestones", []), prefix="milestones"),
    )


def _with_blank_rows(initial: dict[str, Any]) -> dict[str, Any]:
    return {**initial, **{name: [*initial.get(name, []), {}] for name in ROW_LISTS}}


def _split_row_errors(error: ValidationError) -> tuple[ValidationError, dict[str, list[str]]]:
    """A service's errors on the lots and milestones (shown above their rows), and the rest."""
    if not hasattr(error, "error_dict"):
        return error, {}
    by_key = error.message_dict
    rows = {key: by_key.pop(key) for key in ROW_LISTS if key in by_key}
    return ValidationError(by_key), rows


def _draft_post(request: HttpRequest, *, buyers: list[Organisation], tender: Tender | None) -> HttpResponse:
    """Save the draft, or show it again with a blank row more when "add a lot / milestone" was
    pressed (nothing checked then: the page is half typed)."""
    form = TenderForm(request.POST, buyers=buyers, region_choices=regions_for_choice())
    lots = LotFormSet(request.POST, prefix="lots")
    milestones = MilestoneFormSet(request.POST, prefix="milestones")
    if any(button in request.POST for button in ADD_ROW.values()):
        initial = {
            "form": {name: form[name].value() for name in form.fields},
            **{
                name: [*formset.typed_rows(), *([{}] if ADD_ROW[name] in request.POST else [])]
                for name, formset in (("lots", lots), ("milestones", milestones))
            },
        }
        return _draft_page(request, tender=tender, forms=_unbound(buyers, initial))
    list_errors: dict[str, list[str]] = {}
    if all([form.is_valid(), lots.is_valid(), milestones.is_valid()]):
        spec = form.spec(lots=lots.specs(), milestones=milestones.specs())
        actor = signed_in(request.user)
        try:
            if tender is None:
                tender = services.tender_create(
                    actor=actor, buyer=chosen_organisation(form, "buyer", buyers), spec=spec
                )
            else:
                tender = services.tender_update(actor=actor, tender=tender, spec=spec)
        except ValidationError as error:
            rest, list_errors = _split_row_errors(error)
            add_service_errors(form, rest, names=DRAFT_FORM_FIELDS)
        else:
            messages.success(request, _("The draft was saved. Attach the tender documents next."))
            return redirect("marketplace:tender-documents", pk=tender.pk)
    return _draft_page(request, tender=tender, forms=(form, lots, milestones), list_errors=list_errors, status=400)


@login_required
def tender_create(request: HttpRequest) -> HttpResponse:
    """Step 1 for a new draft; `?catalogue=<id>` starts from a catalogue entry of the user's agency."""
    buyers = buyers_of_or_403(request.user)
    if request.method == "POST":
        return _draft_post(request, buyers=buyers, tender=None)
    initial = _catalogue_initial(request, buyers)
    initial.setdefault("milestones", [{"title": _("Delivery and acceptance"), "share": 10_000}])
    return _draft_page(request, tender=None, forms=_unbound(buyers, _with_blank_rows(initial)))


@login_required
def tender_edit(request: HttpRequest, pk: int) -> HttpResponse:
    tender = _draft(request, pk)
    buyers = [tender.buyer]
    if request.method == "POST":
        return _draft_post(request, buyers=buyers, tender=tender)
    return _draft_page(request, tender=tender, forms=_unbound(buyers, _with_blank_rows(_tender_initial(tender))))


@login_required
def tender_documents(request: HttpRequest, pk: int) -> HttpResponse:
    """Step 2: attach and remove the draft's documents."""
    tender = _draft(request, pk)
    actor = signed_in(request.user)
    form = TenderDocumentForm()
    if request.method == "POST" and "remove" in request.POST:
        document_id = request.POST["remove"]
        if not document_id.isdigit():
            raise NotFound()
        try:
            services.tender_document_remove(actor=actor, tender=tender, document_id=int(document_id))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The document was removed."))
        return redirect("marketplace:tender-documents", pk=tender.pk)
    if request.method == "POST":
        form = TenderDocumentForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                document = services.tender_document_add(
                    actor=actor, tender=tender, title=form.cleaned_data["title"], upload=form.cleaned_data["file"]
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("“%(title)s” was attached.") % {"title": document.title})
                return redirect("marketplace:tender-documents", pk=tender.pk)
    context = {"tender": tender, "form": form, "documents": selectors.current_documents(tender=tender), "step": 2}
    return render(request, "marketplace/tender_documents.html", context, status=400 if form.errors else 200)


@login_required
def tender_publish(request: HttpRequest, pk: int) -> HttpResponse:
    """Step 3: the draft as bidders will see it, the procedure's shortest bid period, and publish."""
    tender = _draft(request, pk)
    errors: list[str] = []
    if request.method == "POST":
        try:
            tender = services.tender_publish(actor=signed_in(request.user), tender=tender)
        except ValidationError as error:
            errors = error.messages
        else:
            messages.success(request, _("The tender is published and open for bids."))
            return redirect("marketplace:tender-detail", pk=tender.pk)
    rules = rules_of(tender.procedure)
    context = {
        "tender": tender,
        "lots": tender.lots.all(),
        "milestones": tender.milestones.all(),
        "documents": selectors.current_documents(tender=tender),
        "rules": rules,
        "earliest_deadline": timezone.now() + rules.min_bid_period,
        "errors": errors,
        "step": 3,
    }
    return render(request, "marketplace/tender_publish.html", context, status=400 if errors else 200)
