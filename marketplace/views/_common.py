"""What the exchange's list pages share."""

from __future__ import annotations

from django.http import HttpRequest, QueryDict
from django.utils.datastructures import MultiValueDict

PAGE_SIZE = 20
# What a table of tenders shows: the rows stay narrow however long the descriptions are.
TENDER_LIST_FIELDS = (
    "reference",
    "title",
    "budget_fen",
    "currency",
    "state",
    "deadline",
    "published_at",
    "buyer__name",
    "region__name",
    "region__name_en",
)


def query_without_page(request: HttpRequest) -> str:
    """The query string of the current filters, for the pagination links."""
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def submitted(request: HttpRequest) -> tuple[QueryDict | None, MultiValueDict | None]:
    """A form's data and files: bound on every POST, even an empty one (which must fail)."""
    return (request.POST, request.FILES) if request.method == "POST" else (None, None)
