"""Saved searches: a signed-in person keeps searches of the tender list and is notified of each
new tender they find. The tender search's "Save this search" button opens this page with its
filters in the query string, which pre-fill the form."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from marketplace import selectors, services
from marketplace.forms import SavedSearchForm
from marketplace.models import SavedSearch
from marketplace.services.alerts import MAX_SAVED_SEARCHES
from marketplace.views._common import submitted
from portal.forms import add_service_errors
from portal.money import hundredths_text
from portal.permissions import signed_in
from registry.selectors import regions_for_choice


def search_query(search: SavedSearch) -> str:
    """The tender search's query string that finds what the saved search finds."""
    values = {
        "q": search.text,
        "region": search.region_id or "",
        "sector": search.sector,
        "modality": search.modality,
        "budget_min": hundredths_text(search.budget_min_fen) if search.budget_min_fen is not None else "",
        "budget_max": hundredths_text(search.budget_max_fen) if search.budget_max_fen is not None else "",
    }
    return urlencode({name: value for name, value in values.items() if value})


@login_required
def saved_searches(request: HttpRequest) -> HttpResponse:
    """The user's saved searches and the form that saves one more (POST)."""
    if request.headers.get("HX-Request") and request.method == "GET":
        # The search form's "Save this search" button, sent by htmx: come here as a whole page.
        return HttpResponse(headers={"HX-Redirect": request.get_full_path()})
    actor = signed_in(request.user)
    initial = SavedSearchForm.initial_from(request.GET)
    form = SavedSearchForm(*submitted(request), initial=initial, region_choices=regions_for_choice())
    if request.method == "POST" and form.is_valid():
        try:
            search = services.saved_search_create(actor=actor, **form.service_arguments())
        except ValidationError as error:
            add_service_errors(form, error, names=SavedSearchForm.SERVICE_NAMES)
        else:
            messages.success(
                request, _("Search “%(name)s” saved: new tenders it finds will notify you.") % {"name": search.name}
            )
            return redirect("marketplace:saved-searches")
    searches = [(search, search_query(search)) for search in selectors.saved_searches_of(user=actor)]
    context = {"form": form, "searches": searches, "limit": MAX_SAVED_SEARCHES}
    return render(request, "marketplace/saved_searches.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def saved_search_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Delete one of the user's saved searches (anyone else's: 404)."""
    services.saved_search_delete(actor=signed_in(request.user), saved_search_id=pk)
    messages.success(request, _("The saved search was deleted."))
    return redirect("marketplace:saved-searches")
