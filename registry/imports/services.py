"""Writes for bulk imports: taking in a file (`import_job_create`) and running it (`import_job_run`).

A job moves queued -> checking -> (writing ->) done, or to failed; `models.TRANSITIONS` is the table.
Every row is checked first; if any is wrong nothing is written and the job keeps a per-row error
report. Otherwise, unless it is a dry run, everything is written in ONE transaction.

Audit: an import writes ONE audit row, action "registry.import", on the job, with the kind, the
number of rows written and the file's SHA-256 — not one row per organisation, person or
certificate. The rows themselves can be listed from the job (and the file re-identified by its
hash), while an audit append per row would serialise a 100,000-row import on the audit chain and
multiply its cost. Dry runs and failed imports change nothing and are not audited.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import uuid
from collections.abc import Callable
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from portal.accounts.models import User
from portal.audit.services import audit_record
from portal.errors import Conflict, NotFound, PermissionDenied
from portal.permissions import is_operator
from registry.imports.checking import CheckResult, check_file
from registry.imports.models import TRANSITIONS, ImportJob, ImportKind, ImportStatus
from registry.imports.reading import FileRefused, Limits, Table, format_of, size_text, write_csv
from registry.imports.writing import WRITERS
from registry.models import VerificationStatus

logger = logging.getLogger(__name__)

AUDIT_ACTION = "registry.import"
# Errors kept on the job for the page; the CSV report has them all.
DISPLAY_ERRORS = 200


class _Superseded(Exception):
    """Another run took the job over (this one was taken for dead): stop without touching it."""


def _limits() -> Limits:
    return Limits(
        max_bytes=settings.IMPORT_MAX_BYTES,
        xlsx_max_uncompressed_bytes=settings.IMPORT_XLSX_MAX_UNCOMPRESSED_BYTES,
        xlsx_max_compression_ratio=settings.IMPORT_XLSX_MAX_COMPRESSION_RATIO,
    )


def import_job_create(
    *, actor: User | None, kind: str, upload: File, dry_run: bool = False, enqueue: bool = True
) -> ImportJob:
    """Take in a file and queue its job (`enqueue=False`: the caller runs it).

    Operators only; `actor=None` is the server's command line (`import_registry`), recorded as the
    system. The name, extension and size are checked here, so the form can say so at once; the
    contents are checked by the job.
    """
    if actor is not None and not is_operator(actor):
        raise PermissionDenied(_("Only platform operators import registry data."))
    errors: dict[str, list[str]] = {}
    if kind not in ImportKind.values:
        errors["kind"] = [_("Choose what the file holds: organisations, people or certificates.")]
    name = Path(upload.name or "").name
    size = upload.size or 0
    if name.lower().endswith(".xls"):
        errors["file"] = [_("Excel 97–2003 .xls workbooks cannot be imported: save the sheet as .xlsx or CSV.")]
    elif format_of(name) is None:
        errors["file"] = [_("Only .csv and .xlsx files can be imported.")]
    elif size > settings.IMPORT_MAX_BYTES:
        errors["file"] = [
            _("The file is %(size)s; the largest file that can be imported is %(limit)s. Split it into smaller files.")
            % {"size": size_text(size), "limit": size_text(settings.IMPORT_MAX_BYTES)}
        ]
    elif size == 0:
        errors["file"] = [_("The file is empty.")]
    if errors:
        raise ValidationError(errors)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    job = ImportJob(
        kind=kind,
        original_name=name[-255:],
        sha256=digest.hexdigest(),
        size_bytes=size,
        dry_run=dry_run,
        language=translation.get_language() or settings.LANGUAGE_CODE,
        created_by=actor,
    )
    # Stored under a random name: the uploaded name is only shown, never used as a path.
    job.file.save(f"{uuid.uuid4().hex}{Path(name).suffix.lower()}", upload, save=False)
    try:
        with transaction.atomic():
            job.full_clean()
            job.save()
            if enqueue:
                from registry.imports.tasks import import_job_run_task

                transaction.on_commit(partial(import_job_run_task.delay, job.pk))
    except BaseException:
        job.file.delete(save=False)
        raise
    return job


def import_job_run(*, job_id: int) -> ImportJob:
    """Run a queued job: check every row, then write everything in one transaction (unless there is
    an error, or it is a dry run). The Celery task calls this.

    Safe to run twice: the job is taken under a row lock, and only from "queued" — or from checking
    or writing when its progress has not moved for IMPORT_STALE_AFTER_SECONDS (a worker died; its
    unfinished write was rolled back with its connection). Each take bumps `attempt`; a run whose
    attempt is no longer current stops at its next progress update and never writes.
    """
    attempt = _claim(job_id)
    job = ImportJob.objects.filter(pk=job_id).first()
    if job is None:
        raise NotFound()
    if attempt is None:
        return job
    try:
        with translation.override(job.language):
            return _run(job, attempt)
    except _Superseded:
        return ImportJob.objects.get(pk=job_id)
    except Exception:
        logger.exception("import job %s stopped", job_id)
        with translation.override(job.language):
            reason = _("The import stopped because of an internal error. Nothing was written; run it again.")
        with contextlib.suppress(_Superseded):
            _finish(job_id, attempt, status=ImportStatus.FAILED, failure_reason=reason)
        raise


def _move(job: ImportJob, status: str) -> None:
    if status not in TRANSITIONS[job.status]:
        raise Conflict(
            _("An import that is %(current)s cannot become %(next)s.")
            % {"current": ImportStatus(job.status).label, "next": ImportStatus(status).label}
        )
    job.status = status


def _claim(job_id: int) -> int | None:
    now = timezone.now()
    stale_before = now - timedelta(seconds=settings.IMPORT_STALE_AFTER_SECONDS)
    with transaction.atomic():
        job = ImportJob.objects.select_for_update(of=("self",)).filter(pk=job_id).first()
        if job is None:
            return None
        abandoned = job.status in {ImportStatus.CHECKING, ImportStatus.WRITING} and (
            job.heartbeat_at is None or job.heartbeat_at < stale_before
        )
        if job.status != ImportStatus.QUEUED and not abandoned:
            return None
        _move(job, ImportStatus.CHECKING)
        job.attempt += 1
        job.started_at = job.heartbeat_at = now
        job.processed_rows = 0
        job.save(update_fields=["status", "attempt", "started_at", "heartbeat_at", "processed_rows"])
        return job.attempt


def _touch(job_id: int, attempt: int, **fields: Any) -> None:
    """Record progress outside any transaction, so the page sees it at once."""
    if not ImportJob.objects.filter(pk=job_id, attempt=attempt).update(heartbeat_at=timezone.now(), **fields):
        raise _Superseded()


def _run(job: ImportJob, attempt: int) -> ImportJob:
    if not job.file or not job.file.storage.exists(job.file.name):
        return _finish(
            job.pk,
            attempt,
            status=ImportStatus.FAILED,
            failure_reason=_("The uploaded file is no longer available: upload it again."),
        )

    def on_start(table: Table) -> None:
        _touch(job.pk, attempt, total_rows=table.row_count, encoding=table.encoding)

    progress: Callable[[int], None] = partial(_progress, job.pk, attempt)
    try:
        result = check_file(
            kind=job.kind,
            path=Path(job.file.path),
            name=job.original_name,
            limits=_limits(),
            max_errors=settings.IMPORT_MAX_ERRORS,
            on_start=on_start,
            progress=progress,
        )
    except FileRefused as refusal:
        return _finish(job.pk, attempt, status=ImportStatus.FAILED, failure_reason=str(refusal))
    if not result.ok:
        return _finish(job.pk, attempt, status=ImportStatus.FAILED, result=result)
    if job.dry_run:
        return _finish(job.pk, attempt, status=ImportStatus.DONE, result=result)
    with transaction.atomic():
        locked = _locked(job.pk, attempt)
        _move(locked, ImportStatus.WRITING)
        locked.processed_rows = locked.total_rows = result.rows
        locked.heartbeat_at = timezone.now()
        locked.save(update_fields=["status", "processed_rows", "total_rows", "heartbeat_at"])
    try:
        with transaction.atomic():
            # Held until commit: a second run waits here, then finds the job done.
            locked = _locked(job.pk, attempt)
            written = WRITERS[job.kind](result.records, now=timezone.now())
            _move(locked, ImportStatus.DONE)
            locked.written_rows = written
            locked.finished_at = timezone.now()
            locked.save(update_fields=["status", "written_rows", "finished_at"])
            audit_record(
                actor=locked.created_by,
                action=AUDIT_ACTION,
                obj=locked,
                before={},
                after=_audit_after(locked, result, written),
            )
    except IntegrityError:
        return _finish(
            job.pk,
            attempt,
            status=ImportStatus.FAILED,
            failure_reason=_(
                "While the file was being checked, some of its rows were registered by someone else (a credit "
                "code, identity number or certificate number is now taken). Nothing was written: run the "
                "import again to see which rows."
            ),
        )
    _discard_upload(locked)
    return locked


def _audit_after(job: ImportJob, result: CheckResult, written: int) -> dict[str, Any]:
    after: dict[str, Any] = {"kind": job.kind, "rows": written, "sha256": job.sha256}
    if job.kind == ImportKind.ORGANISATIONS:
        # Verifying is an audited change: say how many organisations the file verified.
        after["verified"] = sum(1 for record in result.records if record.status == VerificationStatus.VERIFIED)
    return after


def _progress(job_id: int, attempt: int, processed: int) -> None:
    _touch(job_id, attempt, processed_rows=processed)


def _locked(job_id: int, attempt: int) -> ImportJob:
    job = ImportJob.objects.select_for_update(of=("self",)).get(pk=job_id)
    if job.attempt != attempt:
        raise _Superseded()
    return job


def _finish(
    job_id: int, attempt: int, *, status: str, result: CheckResult | None = None, failure_reason: str = ""
) -> ImportJob:
    with transaction.atomic():
        job = _locked(job_id, attempt)
        _move(job, status)
        job.failure_reason = failure_reason
        job.finished_at = timezone.now()
        if result is not None:
            job.encoding = result.encoding
            job.total_rows = job.processed_rows = result.rows
            job.error_count = result.error_count
            job.errors = [
                {"line": error.line, "column": error.column, "message": error.message}
                for error in result.errors[:DISPLAY_ERRORS]
            ]
            if result.errors:
                job.report.save(f"{job.pk}-{attempt}.csv", ContentFile(_report(result)), save=False)
        job.save()
    _discard_upload(job)
    return job


def _report(result: CheckResult) -> bytes:
    rows: list[list[object]] = [[_("line"), _("column"), _("problem")]]
    rows += [[error.line if error.line is not None else "", error.column, error.message] for error in result.errors]
    if result.error_count > len(result.errors):
        rows.append(["", "", _("…and %(count)d more errors.") % {"count": result.error_count - len(result.errors)}])
    return write_csv(rows)


def _discard_upload(job: ImportJob) -> None:
    """The upload is not kept once its job has run (it may hold resident identity numbers)."""
    if job.file:
        job.file.delete(save=False)
        ImportJob.objects.filter(pk=job.pk).update(file="")
