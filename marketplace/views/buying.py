"""Pages of the buyer's staff besides the wizard: their tenders, catalogue entries, and what a
published tender allows (amend, cancel, re-tender after a failure)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.forms.models import model_to_dict
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace import selectors, services
from marketplace.forms import (
    CatalogueEntryForm,
    StateFilterForm,
    TenderAmendForm,
    TenderCancelForm,
    TenderRetenderForm,
    chosen_organisation,
)
from marketplace.models import CatalogueEntry, Tender
from marketplace.paging import CappedPaginator
from marketplace.procedures import AMENDMENT_NOTICE
from marketplace.services.catalogue import CATALOGUE_FIELDS
from marketplace.states import TenderAction, TenderState, next_state
from marketplace.viewer import buyers_of_or_403, buys_for, require_buyer_of, takes_bids
from marketplace.views._common import PAGE_SIZE, TENDER_LIST_FIELDS, query_without_page, submitted
from portal.errors import Conflict, PermissionDenied
from portal.forms import add_service_errors
from portal.permissions import signed_in, visible_or_404
from registry.models import Organisation
from registry.roles import OrganisationKind


@login_required
def buyer_tenders(request: HttpRequest) -> HttpResponse:
    """Every tender of the user's buying organisations, drafts included, by state."""
    buyers = buyers_of_or_403(request.user)
    form = StateFilterForm(request.GET or None)
    tenders = selectors.tenders_of_buyer(user=request.user)
    counts = dict(tenders.order_by().values_list("state").annotate(n=Count("pk")))
    state = form.cleaned_data["state"] if form.is_valid() else ""
    if state:
        tenders = tenders.filter(state=state)
    page = CappedPaginator(tenders.only(*TENDER_LIST_FIELDS), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "query": query_without_page(request),
        "state": state,
        "states": [(choice, counts.get(choice.value, 0)) for choice in TenderState],
        "total": sum(counts.values()),
        "keeps_catalogue": any(buyer.kind == OrganisationKind.AGENCY for buyer in buyers),
    }
    return render(request, "marketplace/buyer_tenders.html", context, status=400 if form.errors else 200)


def _agencies_of(request: HttpRequest) -> list[Organisation]:
    agencies = [o for o in buyers_of_or_403(request.user) if o.kind == OrganisationKind.AGENCY]
    if not agencies:
        raise PermissionDenied(_("Only government agencies publish catalogue entries."))
    return agencies


@login_required
def catalogue_create(request: HttpRequest) -> HttpResponse:
    agencies = _agencies_of(request)
    form = CatalogueEntryForm(*submitted(request), agencies=agencies)
    if request.method == "POST" and form.is_valid():
        try:
            entry = services.catalogue_entry_create(
                actor=signed_in(request.user),
                agency=chosen_organisation(form, "agency", agencies),
                **{name: form.cleaned_data[name] for name in CATALOGUE_FIELDS},
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The catalogue entry is published."))
            return redirect("marketplace:catalogue-detail", pk=entry.pk)
    return render(request, "marketplace/catalogue_form.html", {"form": form}, status=400 if form.errors else 200)


@login_required
def catalogue_edit(request: HttpRequest, pk: int) -> HttpResponse:
    entry: CatalogueEntry = visible_or_404(selectors.catalogue_entries(), pk=pk)
    if not buys_for(request.user, entry.agency_id):
        raise PermissionDenied(_("Only the staff of the entry's agency can change it."))
    form = CatalogueEntryForm(*submitted(request), initial=model_to_dict(entry, fields=CATALOGUE_FIELDS))
    if request.method == "POST" and form.is_valid():
        try:
            services.catalogue_entry_update(
                actor=signed_in(request.user),
                entry=entry,
                **{name: form.cleaned_data[name] for name in CATALOGUE_FIELDS},
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The catalogue entry was saved."))
            return redirect("marketplace:catalogue-detail", pk=entry.pk)
    context = {"form": form, "entry": entry}
    return render(request, "marketplace/catalogue_form.html", context, status=400 if form.errors else 200)


def _buyer_tender(request: HttpRequest, pk: int) -> Tender:
    """A tender the user can see (404 otherwise) and buys for (403 otherwise)."""
    tender = selectors.tender_detail(user=request.user, pk=pk)
    require_buyer_of(request.user, tender)
    return tender


@login_required
def tender_amend(request: HttpRequest, pk: int) -> HttpResponse:
    """New or replaced documents and a later deadline; bidders must confirm their bids again."""
    tender = _buyer_tender(request, pk)
    if not takes_bids(tender):
        raise Conflict(_("Only a tender open for bids can be amended."))
    current = list(selectors.current_documents(tender=tender))
    form = TenderAmendForm(*submitted(request), current=current)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            amendment = services.tender_amend(
                actor=signed_in(request.user),
                tender=tender,
                rationale=data["rationale"],
                documents=[(upload.name or "", upload) for upload in data["documents"]],
                superseded_ids=data["superseded"],
                deadline=data["deadline"],
            )
        except ValidationError as error:
            add_service_errors(form, error, names={"file": "documents", "title": "documents"})
        else:
            messages.success(request, _("The amendment is published. Bidders must confirm their bids again."))
            if amendment.deadline_after != amendment.deadline_before:
                messages.info(
                    request,
                    _("The bid deadline is now %(deadline)s (Beijing time).")
                    % {"deadline": timezone.localtime(amendment.deadline_after).strftime("%Y-%m-%d %H:%M")},
                )
            return redirect("marketplace:tender-detail", pk=tender.pk)
    context = {
        "tender": tender,
        "form": form,
        "notice_days": AMENDMENT_NOTICE.days,
        "notice_deadline": timezone.now() + AMENDMENT_NOTICE,
    }
    return render(request, "marketplace/tender_amend.html", context, status=400 if form.errors else 200)


@login_required
def tender_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    tender = _buyer_tender(request, pk)
    next_state(tender.state, TenderAction.CANCEL)  # 409 with the state machine's message
    form = TenderCancelForm(*submitted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.tender_cancel(actor=signed_in(request.user), tender=tender, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The tender is cancelled; the reason is published."))
            return redirect("marketplace:tender-detail", pk=tender.pk)
    context = {"tender": tender, "form": form}
    return render(request, "marketplace/tender_cancel.html", context, status=400 if form.errors else 200)


@login_required
def tender_retender(request: HttpRequest, pk: int) -> HttpResponse:
    """A failed tender published again in one step: same lots, documents and weights, new deadline."""
    tender = _buyer_tender(request, pk)
    if tender.state != TenderState.FAILED:
        raise Conflict(_("Only a failed tender can be re-tendered."))
    form = TenderRetenderForm(*submitted(request), initial={"deadline": services.default_retender_deadline(tender)})
    if request.method == "POST" and form.is_valid():
        try:
            copy = services.tender_retender(
                actor=signed_in(request.user), tender=tender, deadline=form.cleaned_data["deadline"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The new tender %(reference)s is published.") % {"reference": copy.reference})
            return redirect("marketplace:tender-detail", pk=copy.pk)
    context = {"tender": tender, "form": form}
    return render(request, "marketplace/tender_retender.html", context, status=400 if form.errors else 200)
