"""The job service: who may import, what is refused at once, and running safely twice or after a crash."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db.models import F
from django.utils import timezone, translation

from portal.audit.models import AuditEntry
from portal.errors import PermissionDenied
from registry.imports import services
from registry.imports.models import ImportJob, ImportStatus
from registry.imports.services import import_job_create, import_job_run
from registry.models import Organisation
from tests.factories import OrganisationFactory
from tests.registry.imports.conftest import ORGANISATION_HEADER, csv_bytes, imported_code, organisation_rows

pytestmark = pytest.mark.django_db

CLEAN = csv_bytes([ORGANISATION_HEADER, *organisation_rows(3)])


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def _stored_files(settings) -> list:
    root = settings.MEDIA_ROOT / "imports" / "uploads"
    return list(root.iterdir()) if root.exists() else []


def test_only_operators_may_import(vendor_user):
    with pytest.raises(PermissionDenied):
        import_job_create(actor=vendor_user, kind="organisations", upload=ContentFile(CLEAN, name="a.csv"))
    assert not ImportJob.objects.exists()


@pytest.mark.parametrize(
    ("kind", "name", "content", "field", "message"),
    [
        ("vendors", "a.csv", CLEAN, "kind", "Choose what the file holds"),
        ("organisations", "a.xls", CLEAN, "file", ".xls workbooks cannot be imported"),
        ("organisations", "a.txt", CLEAN, "file", "Only .csv and .xlsx"),
        ("organisations", "a.csv", b"", "file", "The file is empty."),
        ("organisations", "a.csv", b"x" * 2049, "file", "The file is 2.0 KiB; the largest file"),
    ],
    ids=["kind", "xls", "txt", "empty", "too-large"],
)
def test_a_wrong_kind_name_or_size_is_refused_at_once_and_nothing_is_kept(
    operator, settings, kind, name, content, field, message
):
    settings.IMPORT_MAX_BYTES = 2048
    with pytest.raises(ValidationError) as refused:
        import_job_create(actor=operator, kind=kind, upload=ContentFile(content, name=name))
    assert message in refused.value.message_dict[field][0]
    assert not ImportJob.objects.exists()
    assert _stored_files(settings) == []


def test_the_upload_is_stored_under_a_random_name_and_deleted_once_the_job_has_run(operator, settings):
    job = import_job_create(
        actor=operator, kind="organisations", upload=ContentFile(CLEAN, name="../../名单.csv"), enqueue=False
    )
    stored = _stored_files(settings)

    assert job.original_name == "名单.csv"
    assert [path.suffix for path in stored] == [".csv"]
    assert "名单" not in stored[0].name
    assert job.sha256 == __import__("hashlib").sha256(CLEAN).hexdigest()
    assert (job.status, job.size_bytes, job.created_by) == (ImportStatus.QUEUED, len(CLEAN), operator)

    job = import_job_run(job_id=job.pk)

    assert job.status == ImportStatus.DONE
    assert _stored_files(settings) == []
    assert ImportJob.objects.get(pk=job.pk).file == ""


def test_running_a_job_twice_writes_once(run_import):
    job = run_import("organisations", CLEAN)
    again = import_job_run(job_id=job.pk)

    assert again.status == ImportStatus.DONE
    assert again.attempt == job.attempt == 1
    assert Organisation.objects.count() == 3
    assert AuditEntry.objects.filter(action="registry.import").count() == 1


def test_a_job_abandoned_by_a_dead_worker_is_run_again_and_a_live_one_is_left_alone(operator, settings):
    job = import_job_create(
        actor=operator, kind="organisations", upload=ContentFile(CLEAN, name="a.csv"), enqueue=False
    )
    recent = timezone.now() - timedelta(seconds=settings.IMPORT_STALE_AFTER_SECONDS - 60)
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.CHECKING, attempt=1, heartbeat_at=recent)

    assert import_job_run(job_id=job.pk).status == ImportStatus.CHECKING  # still alive: not touched
    assert Organisation.objects.count() == 0

    stale = timezone.now() - timedelta(seconds=settings.IMPORT_STALE_AFTER_SECONDS + 60)
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.WRITING, heartbeat_at=stale)
    rerun = import_job_run(job_id=job.pk)

    assert (rerun.status, rerun.attempt, rerun.written_rows) == (ImportStatus.DONE, 2, 3)


def test_a_run_taken_over_by_another_stops_without_writing(operator, monkeypatch):
    monkeypatch.setattr("registry.imports.checking.PROGRESS_EVERY", 1)
    original = services._progress

    def taken_over(job_id, attempt, processed):
        ImportJob.objects.filter(pk=job_id).update(attempt=F("attempt") + 1)  # another worker took it
        original(job_id, attempt, processed)

    monkeypatch.setattr(services, "_progress", taken_over)
    job = import_job_create(
        actor=operator, kind="organisations", upload=ContentFile(CLEAN, name="a.csv"), enqueue=False
    )

    result = import_job_run(job_id=job.pk)

    assert (result.status, result.attempt) == (ImportStatus.CHECKING, 2)  # left to the run that owns it
    assert Organisation.objects.count() == 0
    assert not AuditEntry.objects.filter(action="registry.import").exists()


def test_progress_is_recorded_while_rows_are_checked(operator, monkeypatch):
    seen = []
    original = services._progress

    def spy(job_id, attempt, processed):
        original(job_id, attempt, processed)
        job = ImportJob.objects.get(pk=job_id)
        seen.append((job.status, job.processed_rows, job.total_rows, job.encoding))

    monkeypatch.setattr(services, "_progress", spy)
    content = csv_bytes([ORGANISATION_HEADER, *organisation_rows(1_200)])
    job = import_job_create(
        actor=operator, kind="organisations", upload=ContentFile(content, name="a.csv"), enqueue=False
    )

    import_job_run(job_id=job.pk)

    assert seen == [("checking", 500, 1_200, "UTF-8"), ("checking", 1_000, 1_200, "UTF-8")]


def test_a_registration_committed_between_check_and_write_fails_the_job_and_writes_nothing(operator, monkeypatch):
    original = services.check_file

    def check_then_someone_registers(**kwargs):
        result = original(**kwargs)
        OrganisationFactory(credit_code=imported_code(2))
        return result

    monkeypatch.setattr(services, "check_file", check_then_someone_registers)
    job = import_job_create(
        actor=operator, kind="organisations", upload=ContentFile(CLEAN, name="a.csv"), enqueue=False
    )

    job = import_job_run(job_id=job.pk)

    assert job.status == ImportStatus.FAILED
    assert "registered by someone else" in job.failure_reason
    assert list(Organisation.objects.values_list("credit_code", flat=True)) == [imported_code(2)]
    assert not AuditEntry.objects.filter(action="registry.import").exists()


def test_an_unexpected_error_fails_the_job_and_is_raised(operator, monkeypatch):
    def broken(records, *, now):
        raise RuntimeError("disk on fire")

    monkeypatch.setitem(services.WRITERS, "organisations", broken)
    job = import_job_create(
        actor=operator, kind="organisations", upload=ContentFile(CLEAN, name="a.csv"), enqueue=False
    )

    with pytest.raises(RuntimeError):
        import_job_run(job_id=job.pk)

    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED
    assert "internal error" in job.failure_reason
    assert Organisation.objects.count() == 0


def test_a_job_whose_file_is_gone_fails_with_a_clear_reason(operator):
    job = import_job_create(
        actor=operator, kind="organisations", upload=ContentFile(CLEAN, name="a.csv"), enqueue=False
    )
    job.file.delete(save=False)

    job = import_job_run(job_id=job.pk)

    assert job.status == ImportStatus.FAILED
    assert job.failure_reason == "The uploaded file is no longer available: upload it again."


def test_a_file_with_a_header_and_no_rows_fails(run_import):
    job = run_import("organisations", csv_bytes([ORGANISATION_HEADER]))
    assert job.status == ImportStatus.FAILED
    assert job.errors == [{"line": None, "column": "", "message": "The file has a header but no rows."}]


def test_a_header_problem_stops_before_the_rows(run_import):
    job = run_import("organisations", csv_bytes([["name", "kind", "code", "region"], ["a", "b", "c", "d"]]))
    assert [(error["line"], error["column"]) for error in job.errors] == [(1, "code"), (1, "credit_code")]
    assert job.status == ImportStatus.FAILED


def test_errors_beyond_the_cap_are_counted_and_the_report_says_how_many_more(run_import, settings):
    settings.IMPORT_MAX_ERRORS = 5
    rows = [[f"公司{n}", "vendor", "", "510100"] for n in range(12)]

    job = run_import("organisations", csv_bytes([ORGANISATION_HEADER, *rows]))

    assert (job.error_count, len(job.errors)) == (12, 5)
    with job.report.open("rb") as handle:
        report = handle.read().decode("utf-8-sig").splitlines()
    assert len(report) == 1 + 5 + 1
    assert report[-1] == ",,…and 7 more errors."


def test_a_task_for_a_job_that_no_longer_exists_does_nothing():
    from registry.imports.tasks import import_job_run_task

    assert import_job_run_task.apply(args=[987654]).get() == "missing"
