"""The open data validates with libcoveocds against the OCDS 1.1.5 standard, offline: no schema
error, no closed-codelist value outside its codelist, no empty field."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command

from marketplace.models import Release
from marketplace.ocds import encoding
from tests.marketplace.ocds.validation import NetworkAccessAttempted, ocds_problems, standard_zip_or_skip

pytestmark = pytest.mark.django_db


def _get(api_client, path: str) -> dict:
    response = api_client.get(path)
    assert response.status_code == 200, path
    return encoding.loads(response.content.decode())


def test_the_export_validates(open_data):
    standard_zip_or_skip()
    out = StringIO()
    call_command("export_ocds", "--out", "-", stdout=out, stderr=StringIO())
    package = encoding.loads(out.getvalue())

    assert len(package["releases"]) == Release.objects.count()
    assert ocds_problems(package) == []


def test_every_release_package_and_record_package_validates(open_data, api_client):
    standard_zip_or_skip()
    for tender in open_data.public:
        releases = _get(api_client, f"/api/ocds/tenders/{tender.pk}/releases/")
        record = _get(api_client, f"/api/ocds/tenders/{tender.pk}/record/")

        assert ocds_problems(releases) == [], tender.title
        assert ocds_problems(record) == [], tender.title


def test_the_feed_pages_validate(open_data, api_client):
    standard_zip_or_skip()
    page = _get(api_client, "/api/ocds/releases/?limit=5")

    assert "next" in page["links"]
    assert ocds_problems(page) == []


def test_the_data_set_covers_every_release_the_exchange_writes(open_data):
    tags = {tag for tags in Release.objects.values_list("tags", flat=True) for tag in tags}
    assert tags == {"planning", "tender", "tenderAmendment", "tenderUpdate", "tenderCancellation"}
    texts = "".join(Release.objects.values_list("data", flat=True))
    for field in ('"bids"', '"disqualified"', '"amendments"', '"relatedProcesses"', '"lots"', '"planning"'):
        assert field in texts


def test_the_validator_reports_closed_codelist_values_schema_errors_and_empty_fields(open_data):
    """The check really runs offline: a wrong code, a malformed date and an empty field are found."""
    standard_zip_or_skip()
    release = encoding.loads(Release.objects.filter(tender=open_data.opened).last().data)
    release["tender"]["status"] = "open"  # not in the closed tenderStatus codelist
    release["date"] = "2026-01-01"
    release["tender"]["description"] = " "
    package = {
        "uri": "https://example.org/p",
        "version": "1.1",
        "publishedDate": "2026-01-01T00:00:00Z",
        "publisher": {"name": "p"},
        "releases": [release],
    }

    problems = ocds_problems(package)

    assert any(p.startswith("closed codelist tenderStatus.csv") and "open" in p for p in problems)
    assert any(p.startswith("invalid: releases/0/date") for p in problems)
    assert "empty_field: releases/0/tender/description" in problems


def test_the_validator_never_goes_to_the_network():
    standard_zip_or_skip()
    package = {
        "uri": "https://example.org/p",
        "version": "1.1",
        "publishedDate": "2026-01-01T00:00:00Z",
        "publisher": {"name": "p"},
        "extensions": ["https://example.org/extension.json"],
        "releases": [{"ocid": "ocds-cn0000-1", "id": "1", "date": "2026-01-01T00:00:00Z", "tag": ["tender"]}],
    }
    with pytest.raises(NetworkAccessAttempted):
        ocds_problems(json.loads(json.dumps(package)))


def test_a_missing_standard_skips_the_validation_outside_ci(settings, monkeypatch, tmp_path):
    settings.OCDS_STANDARD_ZIP = str(tmp_path / "absent.zip")
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match=r"absent\.zip"):
        standard_zip_or_skip()


def test_a_missing_standard_fails_the_validation_under_ci(settings, monkeypatch, tmp_path):
    settings.OCDS_STANDARD_ZIP = str(tmp_path / "absent.zip")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match=r"absent\.zip"):
        standard_zip_or_skip()
