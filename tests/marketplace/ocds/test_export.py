"""`manage.py export_ocds`: one release package of every release, streamed to a file or stdout."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import translation

from marketplace.models import Release
from marketplace.ocds import encoding

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """The command reports in the active language; these tests read its English report."""
    with translation.override("en"):
        yield


def _all_releases() -> list[dict]:
    return [encoding.loads(text) for text in Release.objects.order_by("pk").values_list("data", flat=True)]


def test_the_export_file_holds_every_release_exactly_as_published(open_data, tmp_path):
    out, err = StringIO(), StringIO()
    target = tmp_path / "ocds.json"

    call_command("export_ocds", "--out", str(target), stdout=out, stderr=err)

    package = encoding.loads(target.read_text(encoding="utf-8"))
    assert package["releases"] == _all_releases()
    assert package["version"] == "1.1"
    assert package["publishedDate"] == package["releases"][-1]["date"]
    assert err.getvalue().strip() == f"{Release.objects.count()} releases written to {target}."
    assert out.getvalue() == ""
    assert not (tmp_path / "ocds.json.part").exists()
    # Amounts are the exact decimals that were published, never a float's rendering.
    assert all(text in target.read_text(encoding="utf-8") for text in Release.objects.values_list("data", flat=True))


def test_the_export_to_stdout(open_data):
    out, err = StringIO(), StringIO()

    call_command("export_ocds", "--out", "-", stdout=out, stderr=err)

    assert encoding.loads(out.getvalue())["releases"] == _all_releases()
    assert err.getvalue().startswith(f"{Release.objects.count()} releases written to")


def test_the_export_streams_releases_from_a_chunked_query(open_data, tmp_path, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):  # the latest release, then one cursor over every release
        call_command("export_ocds", "--out", str(tmp_path / "o.json"), stdout=StringIO(), stderr=StringIO())


def test_an_export_with_nothing_published_is_an_empty_package(db, tmp_path):
    err = StringIO()

    call_command("export_ocds", "--out", str(tmp_path / "o.json"), stdout=StringIO(), stderr=err)

    assert encoding.loads((tmp_path / "o.json").read_text(encoding="utf-8"))["releases"] == []
    assert err.getvalue().startswith("0 releases written")
