"""`python manage.py import_registry KIND FILE [--dry-run] [--actor USERNAME]`

Runs the same job as the operators' page, in this process: every row is checked, and if any is
wrong nothing is written, the first errors are printed with the path of the full report, and the
command exits 1. The job is recorded (it appears on the import page) with the named operator, or
the system when none is given.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from portal.accounts.models import User
from portal.permissions import is_operator
from registry.imports.models import ImportKind, ImportStatus
from registry.imports.services import import_job_create, import_job_run

SHOWN_ERRORS = 20


class Command(BaseCommand):
    help = "Import organisations, people or certificates from CSV or XLSX; nothing is written if any row is wrong."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=ImportKind.values)
        parser.add_argument("file", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="Check every row, write nothing.")
        parser.add_argument("--actor", default="", help="Username of the operator the import is recorded for.")

    def handle(self, *args: Any, kind: str, file: Path, dry_run: bool, actor: str, **options: Any) -> None:
        user = self._actor(actor)
        if not file.is_file():
            raise CommandError(_("There is no file %(path)s.") % {"path": file})
        with file.open("rb") as handle:
            try:
                job = import_job_create(
                    actor=user, kind=kind, upload=File(handle, name=file.name), dry_run=dry_run, enqueue=False
                )
            except ValidationError as error:
                raise CommandError(" ".join(error.messages)) from None
        job = import_job_run(job_id=job.pk)
        rows = job.total_rows or 0
        if job.status == ImportStatus.DONE:
            if job.dry_run:
                message = _("%(file)s: %(rows)d rows checked, no errors; nothing was written (dry run).")
            else:
                message = _("%(file)s: %(rows)d rows checked, %(written)d written (import job #%(job)d).")
            self.stdout.write(message % {"file": file.name, "rows": rows, "written": job.written_rows, "job": job.pk})
            return
        if job.failure_reason:
            reason = job.failure_reason
            raise CommandError(_("%(file)s was refused: %(reason)s") % {"file": file.name, "reason": reason})
        self.stderr.write(
            _("%(file)s: %(errors)d errors in %(rows)d rows; nothing was written.")
            % {"file": file.name, "errors": job.error_count, "rows": rows}
        )
        for problem in job.errors[:SHOWN_ERRORS]:
            line = problem["line"] if problem["line"] is not None else "-"
            self.stderr.write(f"  {line}\t{problem['column']}\t{problem['message']}")
        if job.error_count > SHOWN_ERRORS:
            self.stderr.write(_("  … and %(count)d more.") % {"count": job.error_count - SHOWN_ERRORS})
        raise CommandError(_("Full error report: %(path)s") % {"path": job.report.path})

    def _actor(self, username: str) -> User | None:
        if not username:
            return None
        user = User.objects.filter(username=username).first()
        if user is None or not is_operator(user):
            raise CommandError(_("%(username)s is not an active platform operator.") % {"username": username})
        return user
