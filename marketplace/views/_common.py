"""What the exchange's pages share: list paging, and calling a form's service."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TypeVar

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest, QueryDict
from django.utils.datastructures import MultiValueDict

from portal.errors import Conflict
from portal.forms import add_service_errors

T = TypeVar("T")

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


def run_form_service(
    form: forms.BaseForm, call: Callable[[], T], *, names: Mapping[str, str | None] | None = None
) -> tuple[T | None, int]:
    """Call the service behind a valid form: its result and 200, or None with the service's errors
    on the form (a service field renamed by `names`) and 400 (invalid) or 409 (the state does not
    allow it). Other domain errors pass through to the error pages."""
    try:
        return call(), 200
    except ValidationError as error:
        add_service_errors(form, error, names=names)
        return None, 400
    except Conflict as error:
        form.add_error(None, error.message)
        return None, 409
