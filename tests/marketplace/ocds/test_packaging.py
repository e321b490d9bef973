"""Release and record packages: metadata, releases copied exactly as stored, streaming."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.utils import translation

from marketplace.ocds import encoding, packaging
from marketplace.ocds.selectors import PublishedRelease, releases_of_tender

PUBLISHED = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
RELEASE = (
    '{"ocid":"ocds-cn0000-1","id":"r1","date":"2026-03-01T08:00:00Z","tag":["tender"],'
    '"tender":{"value":{"amount":1234.50,"currency":"CNY"}}}'
)


def test_a_release_package_has_the_ocds_metadata_and_copies_release_texts_verbatim():
    text = packaging.release_package(uri="https://example.org/p", published=PUBLISHED, releases=[RELEASE, RELEASE])
    package = encoding.loads(text)

    assert package["uri"] == "https://example.org/p"
    assert package["version"] == "1.1"
    assert package["publishedDate"] == "2026-03-02T08:00:00Z"
    assert package["publisher"] == {"name": "全国数据标注公共服务平台"}
    assert "extensions" not in package
    assert "links" not in package
    assert text.endswith(f'"releases":[{RELEASE},{RELEASE}]}}')
    assert package["releases"][0]["tender"]["value"]["amount"] == Decimal("1234.50")


def test_the_publisher_is_named_in_the_site_language_whatever_the_request_language():
    with translation.override("en"):
        text = packaging.release_package(uri="https://example.org/p", published=PUBLISHED, releases=[RELEASE])

    assert encoding.loads(text)["publisher"]["name"] == "全国数据标注公共服务平台"


def test_links_are_added_when_given():
    text = packaging.release_package(
        uri="https://example.org/p", published=PUBLISHED, releases=[], links={"next": "https://example.org/p?c=x"}
    )

    assert encoding.loads(text) == {
        "uri": "https://example.org/p",
        "version": "1.1",
        "publishedDate": "2026-03-02T08:00:00Z",
        "publisher": {"name": "全国数据标注公共服务平台"},
        "links": {"next": "https://example.org/p?c=x"},
        "releases": [],
    }


def test_release_package_chunks_stream_each_release_as_it_arrives():
    consumed = []

    def releases():
        for number in range(3):
            consumed.append(number)
            yield RELEASE

    chunks = packaging.release_package_chunks(uri="https://example.org/p", published=PUBLISHED, releases=releases())
    next(chunks)  # the metadata, before any release is read
    assert consumed == []
    next(chunks)
    assert consumed == [0]
    assert encoding.loads(next(chunks)[1:]) == encoding.loads(RELEASE)  # the second, after a comma
    assert consumed == [0, 1]


def test_a_record_package_links_every_release_and_compiles_them():
    releases = [
        PublishedRelease(1, "r1", PUBLISHED, RELEASE),
        PublishedRelease(
            2,
            "r2",
            PUBLISHED,
            '{"ocid":"ocds-cn0000-1","id":"r2","date":"2026-03-02T08:00:00Z","tag":["tenderCancellation"],'
            '"tender":{"status":"cancelled"}}',
        ),
    ]

    package = encoding.loads(
        packaging.record_package(
            uri="https://example.org/r", release_package_uri="https://example.org/p", releases=releases
        )
    )

    assert package["packages"] == ["https://example.org/p"]
    assert package["publishedDate"] == "2026-03-02T08:00:00Z"
    [record] = package["records"]
    assert record["ocid"] == "ocds-cn0000-1"
    assert record["releases"] == [
        {"url": "https://example.org/p#r1", "date": "2026-03-01T08:00:00Z", "tag": ["tender"]},
        {"url": "https://example.org/p#r2", "date": "2026-03-02T08:00:00Z", "tag": ["tenderCancellation"]},
    ]
    compiled = record["compiledRelease"]
    assert compiled["tag"] == ["compiled"]
    assert compiled["tender"] == {"status": "cancelled", "value": {"amount": Decimal("1234.50"), "currency": "CNY"}}


@pytest.mark.django_db
def test_a_tenders_compiled_release_is_its_latest_release_with_the_compiled_tag(open_data):
    releases = releases_of_tender(tender_id=open_data.opened.pk)
    package = encoding.loads(
        packaging.record_package(
            uri="https://example.org/r", release_package_uri="https://example.org/p", releases=releases
        )
    )
    latest = encoding.loads(releases[-1].data)

    compiled = package["records"][0]["compiledRelease"]

    for key in ("id", "tag"):
        compiled.pop(key), latest.pop(key)
    assert compiled == latest  # every release holds the whole state, so nothing earlier survives alone
