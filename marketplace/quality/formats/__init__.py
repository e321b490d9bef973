"""Streaming parsers of delivery files into the library's inputs (marketplace/quality/data.py).

`parse(stream, kind=…, fmt=…)` reads a binary stream once, a line or one JSON element at a time,
so memory follows the result, not the file. Every problem is a `QualityInputError` naming the place:
`line` for CSV, JSON Lines and CoNLL, `field` (a JSON path such as `[12].annotations[0].result[3]
.value.x` or `annotations[7].bbox`) for JSON. `archives.open_upload` opens an uploaded file or the
one data file inside a zip, safely.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import BinaryIO, Final

from marketplace.quality.data import BoxSet, ClassificationSet, SpanSet
from marketplace.quality.errors import QualityInputError
from marketplace.quality.formats._common import PROGRESS_EVERY, ParseContext
from marketplace.quality.formats.coco import parse_coco
from marketplace.quality.formats.conll import parse_conll
from marketplace.quality.formats.csv_jsonl import parse_csv, parse_jsonl
from marketplace.quality.formats.label_studio import parse_label_studio

KINDS: Final = ("classification", "boxes", "entities")
FORMATS: Final[dict[str, tuple[str, ...]]] = {
    "classification": ("csv", "jsonl", "label_studio"),
    "boxes": ("coco", "label_studio"),
    "entities": ("conll", "label_studio"),
}

__all__ = ["FORMATS", "KINDS", "PROGRESS_EVERY", "parse"]


def parse(
    stream: BinaryIO,
    *,
    kind: str,
    fmt: str,
    label_set: Collection[str] | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> ClassificationSet | BoxSet | SpanSet:
    """Parse one delivery file of `kind` ("classification", "boxes", "entities") in format `fmt`.

    With `label_set`, every label must be one of it. `on_progress(n)` is called with the number of
    records read so far (rows, tasks, COCO images and annotations, sentences) every 10,000 records
    and once at the end, for a progress bar on large deliveries.
    """
    if kind not in FORMATS:
        raise QualityInputError(
            "unknown_kind",
            "{kind!r} is not a kind of labelling (one of {allowed})",
            kind=kind,
            allowed=", ".join(KINDS),
        )
    if fmt not in FORMATS[kind]:
        raise QualityInputError(
            "format_not_for_kind",
            "the format {fmt!r} cannot hold {kind} labels (use one of {allowed})",
            fmt=fmt,
            kind=kind,
            allowed=", ".join(FORMATS[kind]),
        )
    ctx = ParseContext.create(label_set, on_progress)
    result: ClassificationSet | BoxSet | SpanSet
    if fmt == "csv":
        result = parse_csv(stream, ctx)
    elif fmt == "jsonl":
        result = parse_jsonl(stream, ctx)
    elif fmt == "coco":
        result = parse_coco(stream, ctx)
    elif fmt == "conll":
        result = parse_conll(stream, ctx)
    else:
        result = parse_label_studio(stream, ctx, kind=kind)
    ctx.finish()
    return result
