"""What every parser shares: decoding lines, walking JSON with ijson, labels, progress, consensus.

Everything here streams: a line or one JSON element at a time, so memory grows with the result and
not with the file.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field
from typing import Any, BinaryIO, TypeGuard

import ijson

from marketplace.quality.errors import QualityInputError

BOM = b"\xef\xbb\xbf"
PROGRESS_EVERY = 10_000
MAX_LINE_BYTES = 1 << 20  # a CSV row, JSON line or CoNLL token line is far shorter
TOLERANCE = 1e-6


@dataclass(slots=True)
class ParseContext:
    """The caller's label set and progress callback, and the count of records read so far (a row,
    a task, a COCO image or annotation, a sentence)."""

    label_set: frozenset[str] | None = None
    on_progress: Callable[[int], None] | None = None
    count: int = 0
    reported: int = field(default=-1)

    @classmethod
    def create(cls, label_set: Collection[str] | None, on_progress: Callable[[int], None] | None) -> ParseContext:
        return cls(label_set=None if label_set is None else frozenset(label_set), on_progress=on_progress)

    def tick(self) -> None:
        self.count += 1
        if self.on_progress is not None and self.count % PROGRESS_EVERY == 0:
            self.reported = self.count
            self.on_progress(self.count)

    def finish(self) -> None:
        if self.on_progress is not None and self.reported != self.count:
            self.reported = self.count
            self.on_progress(self.count)

    def check_label(self, label: str, *, line: int | None = None, field: str | None = None) -> None:
        if self.label_set is not None and label not in self.label_set:
            raise QualityInputError(
                "unknown_label",
                "label {label!r} is not in the label set",
                line=line,
                field=field,
                label=label,
            )


def decoded_lines(stream: BinaryIO) -> Iterator[tuple[int, str]]:
    """(1-based line number, text with its line ending) for each line of a UTF-8 stream; a BOM at
    the start is dropped. Lines are split on b"\n" before decoding, which is safe in UTF-8 (no
    multi-byte sequence contains that byte), so a bad byte is reported on its own line. A line is
    at most MAX_LINE_BYTES long, so a file without line breaks cannot fill the memory."""
    number = 0
    while raw := stream.readline(MAX_LINE_BYTES + 1):
        number += 1
        if len(raw) > MAX_LINE_BYTES:
            raise QualityInputError(
                "line_too_long",
                "the line is longer than {limit} bytes",
                line=number,
                limit=MAX_LINE_BYTES,
            )
        if number == 1 and raw.startswith(BOM):
            raw = raw[len(BOM) :]
        try:
            yield number, raw.decode("utf-8")
        except UnicodeDecodeError as error:
            raise QualityInputError(
                "not_utf8",
                "the file is not UTF-8 text (byte {byte} of the line cannot be decoded)",
                line=number,
                byte=error.start + 1,
            ) from None


def consensus(labels: dict[str, str]) -> str:
    """The most frequent of one item's labels (annotator → label, in the order given); a tie goes to
    the label given first."""
    counts = Counter(labels.values())
    return max(counts, key=lambda label: counts[label])  # max keeps the first of equal counts


class _SkipBom:
    """A binary stream without its leading UTF-8 BOM, for ijson (yajl rejects a BOM)."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        head = stream.read(len(BOM))
        self._head = b"" if head == BOM else head

    def read(self, size: int = -1) -> bytes:
        if not self._head:
            return self._stream.read(size)
        if size < 0:
            data, self._head = self._head + self._stream.read(), b""
            return data
        data, self._head = self._head[:size], self._head[size:]
        if len(data) < size:
            data += self._stream.read(size - len(data))
        return data


def _json_error(error: Exception, *, where: str, started: bool) -> QualityInputError:
    text = str(error)
    detail = text.strip().splitlines()[0] if text.strip() else type(error).__name__
    if "invalid bytes in UTF8" in text:
        return QualityInputError(
            "not_utf8", "the file is not UTF-8 text (near {where})", field=where or None, where=where or "the start"
        )
    if "premature EOF" in text or "Incomplete JSON" in text:
        if not started:
            return QualityInputError("empty_file", "the file is empty")
        return QualityInputError(
            "truncated_json",
            "the JSON ends too early, near {where}: the file is cut off",
            field=where or None,
            where=where or "the top level",
        )
    return QualityInputError(
        "invalid_json",
        "the file is not valid JSON near {where} ({detail})",
        field=where or None,
        where=where or "the start",
        detail=detail,
    )


def json_elements(
    stream: BinaryIO, *, top: str, arrays: Collection[str], present: set[str] | None = None
) -> Iterator[tuple[str, int, Any]]:
    """Each element of the named arrays as (array name, index, value), one at a time.

    `top` is "array" (the file is one array, named "") or "object" (arrays are values of the
    top-level keys named in `arrays`, added to `present` as they start, empty or not; other keys
    are skipped without being built). Numbers come as
    int or float. Errors of the JSON itself name the element being read, e.g. `annotations[12]`.
    """
    events = ijson.parse(_SkipBom(stream), use_float=True)
    prefixes = {("item" if name == "" else f"{name}.item"): name for name in arrays}
    counts = dict.fromkeys(arrays, 0)
    where = ""
    started = False
    builder: Any = None
    depth = 0
    current = ""
    try:
        for prefix, event, value in events:
            if not started:
                started = True
                expected = "start_array" if top == "array" else "start_map"
                if event != expected:
                    raise QualityInputError(
                        "unexpected_json",
                        "the file must hold a JSON {expected}, not a JSON {found}",
                        expected="array" if top == "array" else "object",
                        found=_json_kind(event),
                    )
            if builder is not None:
                builder.event(event, value)
                if event in ("start_map", "start_array"):
                    depth += 1
                elif event in ("end_map", "end_array"):
                    depth -= 1
                if depth == 0:
                    yield current, counts[current], builder.value
                    counts[current] += 1
                    builder = None
                continue
            if top == "object" and prefix in arrays:
                if event == "start_array" and present is not None:
                    present.add(prefix)
                if event in ("start_array", "end_array"):
                    continue
                raise QualityInputError(
                    "unexpected_json",
                    "{name} must be a JSON {expected}, not a JSON {found}",
                    field=prefix,
                    name=prefix,
                    expected="array",
                    found=_json_kind(event),
                )
            name = prefixes.get(prefix)
            if name is None:
                continue
            current = name
            where = _place(name, counts[name])
            if event in ("start_map", "start_array"):
                builder = ijson.ObjectBuilder()
                builder.event(event, value)
                depth = 1
            else:
                yield name, counts[name], value
                counts[name] += 1
    except ijson.JSONError as error:
        raise _json_error(error, where=where, started=started) from None
    if not started:
        raise QualityInputError("empty_file", "the file is empty")


def _place(name: str, index: int) -> str:
    return f"{name}[{index}]"


def _json_kind(event: str) -> str:
    """The JSON type an ijson event starts."""
    return {
        "start_map": "object",
        "start_array": "array",
        "string": "string",
        "number": "number",
        "integer": "number",
        "double": "number",
        "boolean": "boolean",
        "null": "null",
    }.get(event, event)


def is_number(value: Any) -> TypeGuard[int | float]:
    """A finite JSON number (not true/false, which Python counts as integers)."""
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def whole_number(value: Any) -> int | None:
    """The value as an int when it is a whole JSON number (640 or 640.0), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return int(value)
    return None
