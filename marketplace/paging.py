"""Pagination of the exchange's long lists (100,000 tenders and more)."""

from __future__ import annotations

from typing import cast

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.utils.functional import cached_property

COUNT_CAP = 10_000


class CappedPaginator(Paginator):
    """Counts at most `cap` + 1 rows, in one COUNT over a LIMIT, without the ordering.

    A broad search over every tender then costs what a narrow one does; a page says "more than
    10,000" instead of the exact number, and the pages stop there (narrow the search to go on).
    The count is cached, so the page numbers and the total shown never count twice."""

    def __init__(self, object_list: QuerySet, per_page: int, *, cap: int = COUNT_CAP) -> None:
        super().__init__(object_list, per_page)
        self.cap = cap

    @cached_property
    def count(self) -> int:
        rows = cast(QuerySet, self.object_list)
        return rows.order_by()[: self.cap + 1].count()

    @property
    def capped(self) -> bool:
        return self.count > self.cap
