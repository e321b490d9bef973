"""Reads of the published releases. Every release is public: a draft has none, and a tender leaves
the draft state only by publication or cancellation, both of which publish a release."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from marketplace.models import Release
from marketplace.states import PUBLIC_STATES
from portal.errors import NotFound

# Rows fetched per round trip when streaming every release (a server-side cursor on PostgreSQL).
STREAM_CHUNK_SIZE = 2_000


@dataclass(frozen=True)
class PublishedRelease:
    pk: int
    release_id: str
    date: datetime
    data: str


def releases_of_tender(*, tender_id: int) -> list[PublishedRelease]:
    """The releases of a public tender, oldest first; NotFound for a draft or unknown tender."""
    rows = [
        PublishedRelease(*row)
        for row in Release.objects.filter(tender_id=tender_id, tender__state__in=PUBLIC_STATES)
        .order_by("pk")
        .values_list("pk", "release_id", "date", "data")
    ]
    if not rows:
        raise NotFound()
    return rows


def releases_after(*, after: int, limit: int) -> list[PublishedRelease]:
    """Up to `limit` releases written after the release `after` (a pk; 0 for the first), in the
    order they were written."""
    return [
        PublishedRelease(*row)
        for row in Release.objects.filter(pk__gt=after)
        .order_by("pk")
        .values_list("pk", "release_id", "date", "data")[:limit]
    ]


def latest_release_mark() -> tuple[int, datetime] | None:
    """The pk and date of the latest release (None when nothing is published): where an export
    stops, and its publication date."""
    return Release.objects.order_by("-pk").values_list("pk", "date").first()


def release_texts(*, upto: int) -> Iterator[str]:
    """The JSON text of every release up to the pk `upto`, oldest first, streamed from the database
    a chunk at a time (never all in memory)."""
    return (
        Release.objects.filter(pk__lte=upto)
        .order_by("pk")
        .values_list("data", flat=True)
        .iterator(chunk_size=STREAM_CHUNK_SIZE)
    )
