from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from vouchers.verification import ledger_violations


class Command(BaseCommand):
    help = "Check every invariant of the voucher ledger; exit 1 naming the first violation."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--all", action="store_true", help="List every violation, not only the first.")

    def handle(self, *args: Any, **options: Any) -> None:
        found = 0
        for violation in ledger_violations():
            found += 1
            self.stderr.write(str(violation))
            if not options["all"]:
                break
        if found:
            raise CommandError(f"voucher ledger: {found if options['all'] else 'a'} violation(s) found")
        self.stdout.write("voucher ledger verified: every invariant holds")
