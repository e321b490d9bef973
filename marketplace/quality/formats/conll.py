"""CoNLL named entities in strict IOB2 (BIO), read a line at a time.

One token per line with its tag in the last whitespace-separated column; a blank line ends a
sentence; `-DOCSTART-` lines are ignored; a comment `# id = X` before a sentence names it, else the
sentence is named by its 1-based position. Spans are in tokens, end exclusive, as seqeval counts
them in strict IOB2 mode: an I-X must continue a B-X or I-X.
"""

from __future__ import annotations

import re
import sys
from typing import BinaryIO

from marketplace.quality.data import SpanSet
from marketplace.quality.errors import QualityInputError
from marketplace.quality.formats._common import ParseContext, decoded_lines

ID_COMMENT = re.compile(r"#\s*id\s*=\s*(?P<id>.*?)\s*$")
OTHER_COMMENT = re.compile(r"#\s*[\w.-]+\s*=")  # "# text = …" and the like, as CoNLL-U writes them
TAG = re.compile(r"(?P<prefix>[BI])-(?P<type>\S+)")


class _Sentences:
    def __init__(self, ctx: ParseContext) -> None:
        self.ctx = ctx
        self.result = SpanSet()
        self.first_lines: dict[str, int] = {}
        self.position = 0
        self.name: str | None = None
        self.start_line = 0
        self.tokens = 0
        self.open: tuple[int, str] | None = None  # the entity being read: its first token and type
        self.previous = "O"
        self.spans: list[tuple[int, int, str]] = []  # this sentence's: start, end, type

    def token(self, tag: str, *, line: int) -> None:
        if self.tokens == 0:
            self.start_line = line
        if tag == "O":
            self._close()
        else:
            match = TAG.fullmatch(tag)
            if match is None:
                raise QualityInputError("invalid_tag", "{tag!r} is not a BIO tag (O, B-X or I-X)", line=line, tag=tag)
            entity = sys.intern(match["type"])
            if match["prefix"] == "B":
                self._close()
                self.ctx.check_label(entity, line=line)
                self.open = (self.tokens, entity)
            elif self.open is None or self.open[1] != entity:
                raise QualityInputError(
                    "invalid_transition",
                    "{tag} follows {previous}; in IOB2 an I- tag must continue a B- or I- tag of the same type",
                    line=line,
                    tag=tag,
                    previous=self.previous,
                )
        self.previous = tag
        self.tokens += 1

    def _close(self) -> None:
        if self.open is not None:
            start, entity = self.open
            self.spans.append((start, self.tokens, entity))
            self.open = None

    def end(self) -> None:
        """A blank line or the end of the file: the sentence read so far, if any, is complete."""
        if self.tokens == 0:
            return
        self._close()
        self.position += 1
        item = self.name if self.name is not None else str(self.position)
        if item in self.first_lines:
            raise QualityInputError(
                "duplicate_item",
                "sentence id {item!r} is used again (first at line {first_line})",
                line=self.start_line,
                item=item,
                first_line=self.first_lines[item],
            )
        self.first_lines[item] = self.start_line
        self.result.lengths[item] = self.tokens
        self.result.spans.extend((item, start, end, entity) for start, end, entity in self.spans)
        self.ctx.tick()
        self.name, self.tokens, self.previous, self.spans = None, 0, "O", []


def parse_conll(stream: BinaryIO, ctx: ParseContext) -> SpanSet:
    sentences = _Sentences(ctx)
    for line, text in decoded_lines(stream):
        stripped = text.strip()
        if not stripped:
            sentences.end()
            continue
        if sentences.tokens == 0 and stripped.startswith("#"):
            named = ID_COMMENT.fullmatch(stripped)
            if named is not None:
                if not named["id"]:
                    raise QualityInputError("missing_value", "{name} is empty", line=line, field="id", name="id")
                sentences.name = named["id"]
                continue
            if OTHER_COMMENT.match(stripped):
                continue
        columns = stripped.split()
        if columns[0] == "-DOCSTART-":
            continue
        if len(columns) < 2:
            raise QualityInputError("missing_tag", "the line has a token but no tag column", line=line)
        sentences.token(columns[-1], line=line)
    sentences.end()
    return sentences.result
