"""The operators' import pages: upload -> job -> result, progress polling, report, permission matrix."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.core.signals import request_finished
from django.db import close_old_connections
from django.test import Client
from django.utils import translation

from registry.imports.models import ImportJob, ImportStatus
from registry.imports.services import import_job_create
from registry.models import Organisation
from tests.registry.imports.conftest import ORGANISATION_HEADER, csv_bytes, organisation_rows

pytestmark = pytest.mark.django_db

CLEAN = csv_bytes([ORGANISATION_HEADER, *organisation_rows(4)])
BROKEN = csv_bytes([ORGANISATION_HEADER, *organisation_rows(2), ["乙", "vendor", "91510100MA00000000", "510100"]])


@pytest.fixture(autouse=True)
def _english(client):
    client.cookies["django_language"] = "en"
    with translation.override("en"):
        yield


def _upload(client, content: bytes, *, name: str = "orgs.csv", kind: str = "organisations", dry_run: bool = False):
    data = {"kind": kind, "file": ContentFile(content, name=name)}
    if dry_run:
        data["dry_run"] = "on"
    return client.post("/registry/imports/", data)


def test_an_operator_uploads_a_file_and_sees_it_written(client, operator, django_capture_on_commit_callbacks):
    client.force_login(operator)
    form = client.get("/registry/imports/").content.decode()

    with django_capture_on_commit_callbacks(execute=True):  # embedded mode: the task runs in the request
        response = _upload(client, CLEAN)

    job = ImportJob.objects.get()
    assert 'data-testid="upload-form"' in form
    assert 'data-testid="empty-jobs"' in form
    assert response.status_code == 302
    assert response["Location"] == f"/registry/imports/{job.pk}/"
    page = client.get(response["Location"]).content.decode()
    assert job.status == ImportStatus.DONE
    assert 'data-status="done"' in page
    assert "hx-trigger" not in page
    assert "4 rows written." in page
    assert Organisation.objects.count() == 4
    listing = client.get("/registry/imports/").content.decode()
    assert 'data-testid="job-table"' in listing
    assert "orgs.csv" in listing


def test_a_file_with_errors_shows_the_error_table_and_the_report_link(
    client, operator, django_capture_on_commit_callbacks
):
    client.force_login(operator)
    with django_capture_on_commit_callbacks(execute=True):
        response = _upload(client, BROKEN)

    page = client.get(response["Location"]).content.decode()
    job = ImportJob.objects.get()

    assert job.status == ImportStatus.FAILED
    assert 'data-testid="error-table"' in page
    assert "1 error in 3 rows: nothing was written." in page
    assert f'href="/registry/imports/{job.pk}/report.csv"' in page
    assert Organisation.objects.count() == 0


def test_a_dry_run_says_nothing_was_written(client, operator, django_capture_on_commit_callbacks):
    client.force_login(operator)
    with django_capture_on_commit_callbacks(execute=True):
        response = _upload(client, CLEAN, dry_run=True)
    page = client.get(response["Location"]).content.decode()
    assert "4 rows checked, no errors. Nothing was written" in page
    assert Organisation.objects.count() == 0


def test_a_refused_file_shows_why(client, operator, django_capture_on_commit_callbacks):
    client.force_login(operator)
    with django_capture_on_commit_callbacks(execute=True):
        response = _upload(client, "name\r\nCafé\r\n".encode("latin-1"))
    page = client.get(response["Location"]).content.decode()
    assert 'data-testid="job-failure"' in page
    assert "neither UTF-8 nor GBK" in page


def test_a_running_job_page_polls_its_progress_every_second(client, operator):
    job = import_job_create(
        actor=operator, kind="organisations", upload=ContentFile(CLEAN, name="a.csv"), enqueue=False
    )
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.CHECKING, total_rows=4, processed_rows=2)
    client.force_login(operator)

    page = client.get(f"/registry/imports/{job.pk}/").content.decode()
    fragment = client.get(f"/registry/imports/{job.pk}/progress/", HTTP_HX_REQUEST="true").content.decode()

    assert f'hx-get="/registry/imports/{job.pk}/progress/" hx-trigger="every 1s"' in page
    assert "<html" not in fragment
    assert '<progress data-testid="progress-bar" value="2" max="4"' in fragment
    assert "Checked 2 of 4 rows" in fragment


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [("orgs.txt", CLEAN, "Only .csv and .xlsx"), ("orgs.csv", b"", "The submitted file is empty.")],
)
def test_a_wrong_file_answers_400_on_the_form_and_creates_no_job(client, operator, name, content, message):
    client.force_login(operator)
    response = _upload(client, content, name=name)
    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-field="file"' in html
    assert message in html
    assert not ImportJob.objects.exists()


def test_an_oversized_upload_is_cut_off_and_answered_400(client, operator, settings):
    settings.IMPORT_MAX_BYTES = 64 * 1024
    client.force_login(operator)

    response = _upload(client, b"name,kind,credit_code,region\r\n" + b"x" * (200 * 1024))

    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-field="file"' in html
    assert "larger than 64.0 KiB" in html
    assert not ImportJob.objects.exists()


def test_the_upload_form_checks_the_csrf_token(operator):
    client = Client(enforce_csrf_checks=True)
    client.force_login(operator)
    response = _upload(client, CLEAN)
    assert response.status_code == 403
    assert not ImportJob.objects.exists()


@pytest.mark.parametrize(("language", "first"), [("zh-hans", "名称"), ("en", "name")])
def test_templates_carry_the_header_row_in_the_pages_language(client, operator, language, first):
    client.cookies["django_language"] = language
    client.force_login(operator)
    response = client.get("/registry/imports/templates/organisations.csv")
    assert response["Content-Disposition"] == 'attachment; filename="organisations-template.csv"'
    assert response.content.startswith(b"\xef\xbb\xbf" + first.encode())
    assert client.get("/registry/imports/templates/vendors.csv").status_code == 404


def test_the_job_list_uses_a_bounded_number_of_queries(client, operator, django_assert_max_num_queries):
    for index in range(30):
        import_job_create(
            actor=operator, kind="organisations", upload=ContentFile(CLEAN, name=f"{index}.csv"), enqueue=False
        )
    client.force_login(operator)
    with django_assert_max_num_queries(8):
        response = client.get("/registry/imports/")
    assert response.content.decode().count('data-testid="job-status"') == 20  # one page


ROLES = ["anonymous", "other_vendor", "member", "agency", "regulator_other_region", "operator"]
FIXTURES = {
    "other_vendor": "other_vendor_user",
    "member": "vendor_user",
    "agency": "agency_user",
    "regulator_other_region": "regulator_other_region",
    "operator": "operator",
}


@pytest.fixture
def finished_job(operator):
    """A failed job with a report, uploaded by an operator."""
    from registry.imports.services import import_job_run

    job = import_job_create(
        actor=operator, kind="organisations", upload=ContentFile(BROKEN, name="a.csv"), enqueue=False
    )
    return import_job_run(job_id=job.pk)


def _close(response):
    """Close a file response (it holds the report open) as the test client would: without the
    request_finished handler that closes database connections, the test's own included."""
    request_finished.disconnect(close_old_connections)
    try:
        response.close()
    finally:
        request_finished.connect(close_old_connections)


@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix_of_the_import_pages(client, request, role, finished_job, django_capture_on_commit_callbacks):
    if role != "anonymous":
        client.force_login(request.getfixturevalue(FIXTURES[role]))
    job = finished_job.pk
    organisations = Organisation.objects.count()

    answers = {
        "upload page": client.get("/registry/imports/").status_code,
        "template": client.get("/registry/imports/templates/people.csv").status_code,
        "job": client.get(f"/registry/imports/{job}/").status_code,
        "progress": client.get(f"/registry/imports/{job}/progress/").status_code,
    }
    report = client.get(f"/registry/imports/{job}/report.csv")
    _close(report)
    answers["report"] = report.status_code
    with django_capture_on_commit_callbacks(execute=True):
        answers["upload"] = _upload(client, CLEAN).status_code

    expected = {
        "anonymous": {"upload page": 302, "template": 302, "job": 404, "progress": 404, "report": 404, "upload": 302},
        "operator": {"upload page": 200, "template": 200, "job": 200, "progress": 200, "report": 200, "upload": 302},
    }.get(role, {"upload page": 403, "template": 403, "job": 404, "progress": 404, "report": 404, "upload": 403})
    assert answers == expected
    assert ImportJob.objects.count() == (2 if role == "operator" else 1)
    assert Organisation.objects.count() == organisations + (4 if role == "operator" else 0)


def test_a_job_without_errors_has_no_report(client, operator, django_capture_on_commit_callbacks):
    client.force_login(operator)
    with django_capture_on_commit_callbacks(execute=True):
        _upload(client, CLEAN)
    assert client.get(f"/registry/imports/{ImportJob.objects.get().pk}/report.csv").status_code == 404
