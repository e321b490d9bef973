"""`python manage.py rebuild_rollups [--verify]`.

Without --verify: recomputes every rollup fact from the source tables and replaces the facts in
one transaction, deleting the pending deltas the new facts include (events committing meanwhile
keep theirs; see monitoring.rollups.services). Prints how many facts it wrote; exit status 0.

With --verify: changes nothing; compares the facts plus pending deltas with the rebuilt figures,
and the quarterly cube with the sums of the facts; prints each difference (metric, day, region,
sector, modality, programme: rebuilt and current values; for the cube, its row's dimensions: the
facts' sum and the cube's value) and exits with status 1 when there is any, 0 when they agree.
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from monitoring.rollups.cube import CubeDifference
from monitoring.rollups.services import rollups_rebuild, rollups_verify


class Command(BaseCommand):
    help = "Rebuild the rollup facts from the source tables, or (--verify) report where they differ."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--verify", action="store_true", help="Compare only; exit with status 1 if anything differs."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["verify"]:
            differences = rollups_verify()
            for difference in differences:
                self.stdout.write(str(difference))
            if differences:
                cube = sum(isinstance(difference, CubeDifference) for difference in differences)
                raise CommandError(
                    f"{len(differences) - cube} rollup facts differ from the source tables;"
                    f" {cube} cube rows differ from the facts.",
                    returncode=1,
                )
            self.stdout.write("Rollups agree with the source tables.")
            return
        written = rollups_rebuild()
        self.stdout.write(f"Rebuilt {written} rollup facts.")
