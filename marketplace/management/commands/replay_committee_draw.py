"""`python manage.py replay_committee_draw TENDER_ID`

Replays every recorded draw of the tender's evaluation committee from its seed and candidate list
(marketplace.committee_replay) and prints each round. Exits 0 with "OK: the draw replays", or 1
naming each problem: a record altered after the draw, members who were not drawn, a broken audit
chain. An unknown tender, or one without a committee, also exits 1.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from marketplace.committee_replay import committee_draw_replay
from marketplace.models import Committee, Tender


class Command(BaseCommand):
    help = "Replay a tender's committee draws from their seeds and candidates; exit 1 if the record was altered."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("tender_id", type=int, help="Id of the tender whose committee draw to replay.")

    def handle(self, *args: Any, tender_id: int, **options: Any) -> None:
        tender = Tender.objects.filter(pk=tender_id).first()
        if tender is None:
            raise CommandError(_("No tender has the id %(id)d.") % {"id": tender_id})
        if not Committee.objects.filter(tender=tender).exists():
            raise CommandError(
                _("Tender %(reference)s has no evaluation committee: there is no draw to replay.")
                % {"reference": tender.reference}
            )
        report = committee_draw_replay(tender=tender)
        self.stdout.write(_("Committee draw of tender %(reference)s") % {"reference": tender.reference})
        for replayed in report.rounds:
            self.stdout.write(
                _("Round %(round)d: seed %(seed)s, %(candidates)d candidates, drew %(count)d:")
                % {
                    "round": replayed.round,
                    "seed": replayed.seed,
                    "candidates": replayed.candidates,
                    "count": len(replayed.drawn),
                }
            )
            for expert_id, name in zip(replayed.drawn, replayed.members, strict=True):
                self.stdout.write(f"  #{expert_id} {name}")
        if not report.ok:
            lines = [_("The draw does not replay:"), *(f"- {problem}" for problem in report.problems)]
            raise CommandError("\n".join(lines))
        self.stdout.write(self.style.SUCCESS(_("OK: the draw replays")))
