"""Public pages: the tender search, a tender, its opening results, its documents, the catalogue."""

from __future__ import annotations

from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers

from marketplace import listing_cache, selectors
from marketplace.forms import CatalogueFilterForm, TenderFilterForm
from marketplace.models import CatalogueEntry, Tender
from marketplace.paging import CappedPaginator
from marketplace.states import TenderState
from marketplace.viewer import buys_for, tender_actions
from marketplace.views._common import PAGE_SIZE, TENDER_LIST_FIELDS, query_without_page
from portal.permissions import is_operator, visible_or_404
from registry.selectors import regions_for_choice


def index(request: HttpRequest) -> HttpResponse:
    """The tender search. Filters that do not parse answer 400 with their errors and no results;
    htmx asks for the results only. Anonymous visitors get it from marketplace.listing_cache."""
    response = listing_cache.cached_page(request, lambda: _search_page(request))
    patch_vary_headers(response, ["HX-Request"])  # a cache must not answer a page with the fragment
    return response


def _search_page(request: HttpRequest) -> HttpResponse:
    form = TenderFilterForm(request.GET or None, region_choices=regions_for_choice())
    tenders = Tender.objects.none()
    if not form.is_bound or form.is_valid():
        tenders = selectors.tender_search(user=request.user, filters=form.filters()).only(*TENDER_LIST_FIELDS)
    page = CappedPaginator(tenders, PAGE_SIZE).get_page(request.GET.get("page"))
    query = query_without_page(request)
    template = "marketplace/_tender_results.html" if request.headers.get("HX-Request") else "marketplace/index.html"
    context = {"form": form, "page": page, "query": query}
    return render(request, template, context, status=400 if form.errors else 200)


def tender_detail(request: HttpRequest, pk: int) -> HttpResponse:
    tender = selectors.tender_detail(user=request.user, pk=pk)
    context = {
        "tender": tender,
        "actions": tender_actions(user=request.user, tender=tender),
        "lots": tender.lots.all(),
        "milestones": tender.milestones.all(),
        "documents": tender.documents.order_by("-version", "pk"),
        "amendments": tender.amendments.order_by("documents_version"),
        "clarifications": selectors.clarifications_visible_to(user=request.user, tender=tender).filter(
            answered_at__isnull=False
        ),
        "retender": tender.retenders.first(),
        # The "After the opening" links: committee, report, notices, challenges, contracts.
        "is_operator": is_operator(request.user),
        "may_audit": selectors.may_audit_tender(user=request.user, tender=tender),
        "contracts": tender.contracts.order_by("award__lot__number") if tender.state == TenderState.AWARDED else [],
    }
    return render(request, "marketplace/tender_detail.html", context)


def tender_opening(request: HttpRequest, pk: int) -> HttpResponse:
    """The opening record (开标记录): bidders and prices once the tender is opened, and before that
    only a notice — the selector answers nothing before the opening."""
    tender = selectors.tender_detail(user=request.user, pk=pk)
    context = {"tender": tender, "bids": selectors.opening_list(tender=tender), "lots": tender.lots.all()}
    return render(request, "marketplace/tender_opening.html", context)


def tender_document(request: HttpRequest, pk: int, document_pk: int) -> FileResponse:
    """A published tender document (any version, so that what bidders saw stays available)."""
    document = selectors.tender_document_for(user=request.user, tender_pk=pk, document_pk=document_pk)
    return FileResponse(document.file.open("rb"), as_attachment=True, filename=document.file.name.rsplit("/", 1)[-1])


def catalogue_list(request: HttpRequest) -> HttpResponse:
    form = CatalogueFilterForm(request.GET or None)
    entries = CatalogueEntry.objects.none()
    if not form.is_bound or form.is_valid():
        data = form.cleaned_data if form.is_bound else {}
        entries = selectors.catalogue_entries(
            text=data.get("q", ""),
            sector=data.get("sector", ""),
            modality=data.get("modality", ""),
            openness=data.get("openness", ""),
        ).defer("description", "annotation_needs")
    page = CappedPaginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"form": form, "page": page, "query": query_without_page(request)}
    return render(request, "marketplace/catalogue_list.html", context, status=400 if form.errors else 200)


def catalogue_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A catalogue entry, its tenders, and for its agency's staff the way to start one."""
    entry = visible_or_404(selectors.catalogue_entries(), pk=pk)
    own = buys_for(request.user, entry.agency_id)
    tenders = selectors.tenders_visible_to(user=request.user).filter(catalogue_entry=entry).order_by("-pk")
    return render(request, "marketplace/catalogue_detail.html", {"entry": entry, "own": own, "tenders": tenders})
