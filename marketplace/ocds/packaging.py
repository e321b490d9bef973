"""OCDS 1.1 packages of the published releases: release packages (one tender's, a page of the feed,
the whole export) and record packages with a compiled release.

A release goes into a release package exactly as it was stored: its text is copied, never parsed
and encoded again, so amounts and wording are what was published, and a package of any size can
be written a chunk at a time from a stream of release texts.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from marketplace.ocds import encoding
from marketplace.ocds.merge import compile_releases
from marketplace.ocds.selectors import PublishedRelease

VERSION = "1.1"


def _metadata(*, uri: str, published: datetime) -> dict[str, Any]:
    with translation.override(settings.LANGUAGE_CODE):
        publisher = _("National data-annotation public-service portal")
    return {
        "uri": uri,
        "version": VERSION,
        "publishedDate": encoding.date_time(published),
        "publisher": {"name": publisher},
    }


def release_package_chunks(
    *, uri: str, published: datetime, releases: Iterable[str], links: dict[str, str] | None = None
) -> Iterator[str]:
    """The text of a release package, chunk by chunk: the metadata, then each release text as it
    comes from `releases` (which may be a stream from the database), then the closing brackets.

    `published` is the date of the latest change to what the package holds; `links` (`next`)
    points a reader to the following page of a paginated feed."""
    head = _metadata(uri=uri, published=published)
    if links:
        head["links"] = links
    yield encoding.dumps(head)[:-1] + ',"releases":['
    for index, release in enumerate(releases):
        yield f",{release}" if index else release
    yield "]}"


def release_package(
    *, uri: str, published: datetime, releases: Iterable[str], links: dict[str, str] | None = None
) -> str:
    return "".join(release_package_chunks(uri=uri, published=published, releases=releases, links=links))


def record_package(*, uri: str, release_package_uri: str, releases: Sequence[PublishedRelease]) -> str:
    """A record package holding the record of one contracting process: its releases, linked by URL
    into the release package at `release_package_uri`, and the compiled release."""
    parsed = [encoding.loads(release.data) for release in releases]
    compiled = compile_releases(parsed)
    record = {
        "ocid": compiled["ocid"],
        "releases": [
            {"url": f"{release_package_uri}#{data['id']}", "date": data["date"], "tag": data["tag"]} for data in parsed
        ],
        "compiledRelease": compiled,
    }
    package = {
        **_metadata(uri=uri, published=releases[-1].date),
        "packages": [release_package_uri],
        "records": [record],
    }
    return encoding.dumps(package)
