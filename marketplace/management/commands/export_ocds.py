"""`python manage.py export_ocds --out FILE` (`--out -` for standard output)

Writes one OCDS 1.1 release package holding every release published so far, oldest first. The
releases stream from the database straight into the file, so memory stays flat however many
there are. Releases published while the export runs are left for the next one: the package stops
at the latest release when it starts. A file is written under a temporary name and renamed when
complete, so a failed export never leaves a truncated package behind.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.ocds import packaging, selectors


class Command(BaseCommand):
    help = "Export every OCDS release as one release package (streamed)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--out", required=True, help="File to write, or - for standard output.")

    def handle(self, *args: Any, out: str, **options: Any) -> None:
        latest = selectors.latest_release_mark()
        upto, published = latest or (0, timezone.now())
        counted = _Counted(selectors.release_texts(upto=upto))
        chunks = packaging.release_package_chunks(
            uri=f"{settings.PUBLIC_BASE_URL}{reverse('ocds:releases')}#export-{upto}",
            published=published,
            releases=counted,
        )
        if out == "-":
            for chunk in chunks:
                self.stdout.write(chunk, ending="")
            self.stdout.flush()
            target = _("standard output")
        else:
            path = Path(out)
            partial = path.with_name(f"{path.name}.part")
            with partial.open("w", encoding="utf-8") as handle:
                handle.writelines(chunks)
            os.replace(partial, path)
            target = str(path)
        self.stderr.write(_("%(count)d releases written to %(target)s.") % {"count": counted.count, "target": target})


class _Counted(Iterable[str]):
    """Release texts passed through, counted."""

    def __init__(self, texts: Iterable[str]) -> None:
        self.texts = texts
        self.count = 0

    def __iter__(self) -> Iterator[str]:
        for text in self.texts:
            self.count += 1
            yield text
