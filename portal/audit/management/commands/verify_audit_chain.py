from typing import Any

from django.core.management.base import BaseCommand, CommandError

from portal.audit.selectors import audit_chain_report


class Command(BaseCommand):
    help = "Check the audit log's hash chains; exit 1 and name the first broken row if one was altered."

    def handle(self, *args: Any, **options: Any) -> None:
        report = audit_chain_report()
        if not report.ok:
            raise CommandError(f"Audit chain broken at row {report.broken_row}: {report.reason}.")
        self.stdout.write(self.style.SUCCESS(f"Audit chain intact: {report.checked} rows, anchor {report.anchor}."))
