"""The one exception of the quality library.

Messages are English and name the place (line, field, item) so a developer can read them; the
portal shows users a translated sentence chosen by `code` with the same `params`
(marketplace/quality_messages.py), so every code raised by a parser must be listed there.
"""

from __future__ import annotations

from typing import Any


class QualityInputError(ValueError):
    """Input the library cannot score: wrong shape, out-of-range values, a malformed file.

    `code` is a stable identifier (for instance "duplicate_item"); `params` fill the message;
    `line` (1-based, for line-oriented formats) and `field` (a JSON path or column name) say where.
    """

    def __init__(
        self,
        code: str,
        message: str,
        *,
        line: int | None = None,
        field: str | None = None,
        **params: Any,
    ) -> None:
        self.code = code
        self.template = message
        self.line = line
        self.field = field
        self.params = params
        super().__init__(self.describe())

    def describe(self) -> str:
        text = self.template.format(**self.params) if self.params else self.template
        place = []
        if self.line is not None:
            place.append(f"line {self.line}")
        if self.field:
            place.append(f"field {self.field}")
        return f"{', '.join(place)}: {text}" if place else text
