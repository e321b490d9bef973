"""Bulk import in a real browser: the upload form, and the progress bar that htmx polls until the job
is done. (Here rather than in tests/registry/imports/ so that it shares this folder's one browser:
two Playwright instances cannot run in one thread.)"""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from playwright.sync_api import expect

from registry.imports.models import ImportJob
from registry.imports.services import import_job_create, import_job_run
from registry.models import Organisation
from tests.factories import UserFactory
from tests.registry.imports.conftest import ORGANISATION_HEADER, csv_bytes, organisation_rows

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _sign_in(page, live_server):
    operator = UserFactory(username="ops", is_staff=True)
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "ops")
    page.fill("input[name=password]", "correct horse battery staple")
    page.click("main form button[type=submit]")
    expect(page.locator(".user-link")).to_be_visible()
    return operator


def test_the_job_page_shows_progress_until_the_worker_finishes(page, live_server, tmp_path):
    operator = _sign_in(page, live_server)
    content = csv_bytes([ORGANISATION_HEADER, *organisation_rows(40)])
    job = import_job_create(
        actor=operator, kind="organisations", upload=ContentFile(content, name="orgs.csv"), enqueue=False
    )

    page.goto(f"{live_server.url}/registry/imports/{job.pk}/")
    expect(page.get_by_test_id("progress-bar")).to_be_visible()
    expect(page.get_by_test_id("job-progress")).to_have_attribute("data-status", "queued")

    import_job_run(job_id=job.pk)  # what the worker does; the page finds out by polling

    expect(page.get_by_test_id("job-summary")).to_contain_text("40", timeout=10_000)
    expect(page.get_by_test_id("job-progress")).to_have_attribute("data-status", "done")
    expect(page.get_by_test_id("progress-bar")).to_have_count(0)


def test_an_operator_uploads_a_file_with_an_error_and_reads_the_report(page, live_server, tmp_path):
    _sign_in(page, live_server)
    rows = organisation_rows(5)
    rows[3][3] = "999999"
    path = tmp_path / "orgs.csv"
    path.write_bytes(csv_bytes([ORGANISATION_HEADER, *rows], encoding="gbk"))

    page.goto(f"{live_server.url}/registry/imports/")
    page.select_option("select[name=kind]", "organisations")
    page.set_input_files("input[name=file]", str(path))
    page.click("[data-testid=upload-form] button[type=submit]")

    expect(page.get_by_test_id("error-table")).to_contain_text("999999")
    expect(page.get_by_test_id("error-table").locator("tbody tr")).to_have_count(1)
    with page.expect_download() as download:
        page.get_by_test_id("report-link").click()
    report = download.value.path().read_bytes()
    assert report.startswith(b"\xef\xbb\xbf")
    assert b"999999" in report
    assert ImportJob.objects.get().encoding == "GBK"
    assert Organisation.objects.count() == 0
