"""Pages anyone may read: the voucher section's front page (the programmes past their draft, with
filters) and a programme's rules. A draft answers 404 to everyone but its authority's officers."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path

from marketplace.paging import CappedPaginator
from marketplace.services._common import SUPPLIER_KINDS
from marketplace.views._common import PAGE_SIZE, query_without_page
from portal.money import hundredths_text
from portal.permissions import AnyUser
from registry.roles import OrganisationKind
from registry.selectors import regions_for_choice
from vouchers import selectors
from vouchers.forms_holders import ProgrammeFilterForm
from vouchers.models import Programme, ProviderRule
from vouchers.services import HOLDER_KINDS


def your_links(user: AnyUser) -> dict[str, bool]:
    """Which groups of voucher pages concern the user: `officer` (a voucher authority's officer),
    `holder` (acts for an organisation that may hold vouchers), `provider` (acts for a supplier)."""
    if not user.is_authenticated:
        return {}
    kinds = set(selectors.managed_organisations(user).values_list("kind", flat=True))
    return {
        "officer": OrganisationKind.VOUCHER_AUTHORITY in kinds,
        "holder": bool(kinds & HOLDER_KINDS),
        "provider": bool(kinds & SUPPLIER_KINDS),
    }


def index(request: HttpRequest) -> HttpResponse:
    """The programmes anyone may read, newest year first, filtered by kind, region and state.
    Filters that do not parse answer 400 with their errors and no results."""
    form = ProgrammeFilterForm(request.GET or None, region_choices=regions_for_choice())
    programmes = Programme.objects.none()
    if not form.is_bound or form.is_valid():
        programmes = selectors.programmes_public(**form.filters()).select_related("authority__region")
    page = CappedPaginator(programmes, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "query": query_without_page(request),
        "links": your_links(request.user),
    }
    return render(request, "vouchers/index.html", context, status=400 if form.errors else 200)


def programme_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A programme's rules, its budget figures (from the ledger), and "Apply" for the staff of an
    organisation it is open to."""
    programme = selectors.programme_visible(user=request.user, pk=pk)
    holder_kinds = [OrganisationKind(kind).label for kind in programme.holder_kinds if kind in OrganisationKind.values]
    listed = programme.provider_rule == ProviderRule.LIST
    context = {
        "programme": programme,
        "coverage": hundredths_text(programme.coverage_bp),
        "holder_kinds": holder_kinds,
        "providers": list(programme.providers.order_by("name", "pk")) if listed else [],
        "listed": listed,
        "balances": selectors.programme_balances(programme),
        "applicants": selectors.applicants_for(request.user, programme),
        "officer": selectors.is_officer_of(request.user, programme),
    }
    return render(request, "vouchers/public/programme_detail.html", context)


urlpatterns = [
    path("", index, name="index"),
    path("programmes/<int:pk>/", programme_detail, name="programme-detail"),
]
