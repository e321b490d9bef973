"""Classification labels as CSV (`item_id,label[,annotator]`) or JSON Lines
(`{"item_id": …, "label": …, "annotator": …}`), read a line at a time."""

from __future__ import annotations

import csv
import json
import sys
from array import array
from collections.abc import Iterator
from typing import Any, BinaryIO

from marketplace.quality.data import ClassificationSet
from marketplace.quality.errors import QualityInputError
from marketplace.quality.formats._common import ParseContext, consensus, decoded_lines

REQUIRED_COLUMNS = ("item_id", "label")
ANNOTATOR = "annotator"


class _Collector:
    """Labels as they come, one per item or one per (item, annotator), remembering where each was
    first seen so a repeat can name both lines. Line numbers live in compact arrays next to the
    dicts (dicts keep insertion order), not in a second dict per item."""

    def __init__(self, ctx: ParseContext, *, with_annotators: bool) -> None:
        self.ctx = ctx
        self.with_annotators = with_annotators
        self.labels: dict[str, str] = {}
        self.first_lines = array("I")
        self.annotations: dict[str, dict[str, str]] = {}
        self.annotation_lines: dict[str, list[int]] = {}

    def add(self, item: str, label: str, annotator: str | None, *, line: int) -> None:
        label = sys.intern(label)
        self.ctx.check_label(label, line=line, field="label")
        if annotator is None:  # the file names no annotators (checked by the callers)
            if item in self.labels:
                first_line = self.first_lines[next(i for i, known in enumerate(self.labels) if known == item)]
                raise QualityInputError(
                    "duplicate_item",
                    "item {item!r} is labelled again (first at line {first_line})",
                    line=line,
                    field="item_id",
                    item=item,
                    first_line=first_line,
                )
            self.labels[item] = label
            self.first_lines.append(line)
            return
        annotator = sys.intern(annotator)
        by_annotator = self.annotations.setdefault(item, {})
        lines = self.annotation_lines.setdefault(item, [])
        if annotator in by_annotator:
            raise QualityInputError(
                "duplicate_item",
                "item {item!r} is labelled again by annotator {annotator!r} (first at line {first_line})",
                line=line,
                field="annotator",
                item=item,
                annotator=annotator,
                first_line=lines[list(by_annotator).index(annotator)],
            )
        by_annotator[annotator] = label
        lines.append(line)

    def result(self) -> ClassificationSet:
        if not self.with_annotators:
            return ClassificationSet(labels=self.labels)
        labels = {item: consensus(by_annotator) for item, by_annotator in self.annotations.items()}
        return ClassificationSet(labels=labels, annotations=self.annotations)


def parse_csv(stream: BinaryIO, ctx: ParseContext) -> ClassificationSet:
    records = _csv_records(stream)
    header = next(records, None)
    if header is None:
        raise QualityInputError("empty_file", "the file is empty")
    columns = _header(header[1], line=header[0])
    wanted = [(name, columns[name]) for name in (*REQUIRED_COLUMNS, ANNOTATOR) if name in columns]
    collector = _Collector(ctx, with_annotators=ANNOTATOR in columns)
    for line, row in records:
        if len(row) != len(columns):
            raise QualityInputError(
                "wrong_field_count",
                "the row has {found} fields where the header has {expected}",
                line=line,
                expected=len(columns),
                found=len(row),
            )
        values = [row[index].strip() for _, index in wanted]
        if not all(values):
            name = wanted[values.index("")][0]
            raise QualityInputError("missing_value", "{name} is empty", line=line, field=name, name=name)
        collector.add(values[0], values[1], values[2] if len(values) > 2 else None, line=line)
        ctx.tick()
    return collector.result()


def _csv_records(stream: BinaryIO) -> Iterator[tuple[int, list[str]]]:
    """Each CSV record that is not blank, with the line it starts on (a quoted field may span
    lines)."""
    line_number = 0

    def texts() -> Iterator[str]:
        nonlocal line_number
        for number, text in decoded_lines(stream):
            line_number = number
            yield text

    reader = csv.reader(texts(), strict=True)
    while True:
        start = line_number + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise QualityInputError(
                "invalid_csv", "the CSV is malformed ({detail})", line=line_number, detail=str(error)
            ) from None
        if row and (len(row) > 1 or row[0].strip()):
            yield start, row


def _header(row: list[str], *, line: int) -> dict[str, int]:
    columns: dict[str, int] = {}
    for index, raw in enumerate(row):
        name = raw.strip().lower()
        if name in columns:
            raise QualityInputError(
                "duplicate_column", "column {name!r} appears twice in the header", line=line, field=name, name=name
            )
        columns[name] = index
    for name in REQUIRED_COLUMNS:
        if name not in columns:
            raise QualityInputError(
                "missing_column",
                "the header has no {name!r} column (it has {found})",
                line=line,
                field=name,
                name=name,
                found=", ".join(repr(column) for column in columns),
            )
    return columns


def parse_jsonl(stream: BinaryIO, ctx: ParseContext) -> ClassificationSet:
    collector: _Collector | None = None
    for line, text in decoded_lines(stream):
        if not text.strip():
            continue
        try:
            record = json.loads(text)
        except json.JSONDecodeError as error:
            raise QualityInputError(
                "invalid_json_line",
                "the line is not valid JSON ({detail} at column {column})",
                line=line,
                detail=error.msg,
                column=error.colno,
            ) from None
        if not isinstance(record, dict):
            raise QualityInputError("not_an_object", "each line must be a JSON object", line=line)
        item = _string(record, "item_id", line=line, allow_int=True)
        label = _string(record, "label", line=line, allow_int=False)
        has_annotator = ANNOTATOR in record
        annotator = _string(record, ANNOTATOR, line=line, allow_int=True) if has_annotator else None
        if collector is None:
            collector = _Collector(ctx, with_annotators=has_annotator)
        elif has_annotator != collector.with_annotators:
            raise QualityInputError(
                "inconsistent_annotator",
                "some lines name an annotator and others do not (the first line decides)",
                line=line,
                field=ANNOTATOR,
            )
        collector.add(item, label, annotator, line=line)
        ctx.tick()
    if collector is None:
        raise QualityInputError("empty_file", "the file is empty")
    return collector.result()


def _string(record: dict[str, Any], name: str, *, line: int, allow_int: bool) -> str:
    value = record.get(name)
    if allow_int and isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if value is None or (isinstance(value, str) and not value.strip()):
        raise QualityInputError("missing_value", "{name} is empty", line=line, field=name, name=name)
    if not isinstance(value, str):
        raise QualityInputError(
            "wrong_type",
            "{name} must be {expected}",
            line=line,
            field=name,
            name=name,
            expected="a string or an integer" if allow_int else "a string",
        )
    return value.strip()
