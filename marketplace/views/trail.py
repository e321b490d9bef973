"""The audit trail of a tender: every step from drafting to the contract, for the buyer's staff,
operators and regulators (marketplace.selectors.tender_audit_trail decides who and what)."""

from __future__ import annotations

import json

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from marketplace import selectors
from marketplace.paging import CappedPaginator
from marketplace.views._common import query_without_page

TRAIL_PAGE_SIZE = 50


@login_required
def tender_trail(request: HttpRequest, pk: int) -> HttpResponse:
    tender = selectors.tender_detail(user=request.user, pk=pk)
    entries = selectors.tender_audit_trail(user=request.user, tender=tender).select_related("actor")
    page = CappedPaginator(entries, TRAIL_PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        {
            "entry": entry,
            "before": json.dumps(entry.before, ensure_ascii=False, sort_keys=True) if entry.before else "",
            "after": json.dumps(entry.after, ensure_ascii=False, sort_keys=True) if entry.after else "",
        }
        for entry in page
    ]
    context = {"tender": tender, "page": page, "rows": rows, "query": query_without_page(request)}
    return render(request, "marketplace/tender_trail.html", context)
