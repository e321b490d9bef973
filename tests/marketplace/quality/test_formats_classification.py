"""Classification CSV and JSON Lines (marketplace.quality.formats.csv_jsonl), and what `parse` checks
for every format: the format fits the kind, labels are in the label set, progress is reported."""

from __future__ import annotations

import io
import itertools
import json
import time
from collections.abc import Iterator

import pytest

from marketplace.quality import QualityInputError
from marketplace.quality.data import ClassificationSet
from marketplace.quality.formats import FORMATS, KINDS, parse
from marketplace.quality.formats._common import MAX_LINE_BYTES
from tests.marketplace.quality._parsing import error_of, parse_bytes, where


def test_csv_with_bom_crlf_any_column_order_and_blank_lines() -> None:
    data = '\ufeff Label ,ITEM_ID\r\ncat,img-1\r\n\r\n"dog, small",img-2\r\n  \r\n鸟,图-3\r\n'.encode()
    result = parse_bytes(data, "classification", "csv")
    assert result == ClassificationSet(labels={"img-1": "cat", "img-2": "dog, small", "图-3": "鸟"}, annotations={})


def test_csv_with_annotators_gives_consensus_and_every_annotation() -> None:
    data = b"item_id,annotator,label\na,u1,cat\na,u2,dog\nb,u1,dog\nb,u2,cat\nb,u3,cat\nc,u2,bird\n"
    result = parse_bytes(data, "classification", "csv")
    # a: a tie between cat and dog goes to cat, given first; b: cat twice against dog once
    assert result.labels == {"a": "cat", "b": "cat", "c": "bird"}
    assert result.annotations == {
        "a": {"u1": "cat", "u2": "dog"},
        "b": {"u1": "dog", "u2": "cat", "u3": "cat"},
        "c": {"u2": "bird"},
    }


def test_jsonl_with_integer_ids_and_blank_lines() -> None:
    data = b'{"item_id": 17, "label": "cat"}\n\n{"label": "dog", "item_id": "x-2", "extra": 1}\n'
    assert parse_bytes(data, "classification", "jsonl") == ClassificationSet(labels={"17": "cat", "x-2": "dog"})


def test_jsonl_with_annotators() -> None:
    lines = [
        {"item_id": "a", "label": "dog", "annotator": "u1"},
        {"item_id": "a", "label": "cat", "annotator": 2},
        {"item_id": "a", "label": "cat", "annotator": "u3"},
    ]
    data = "\n".join(json.dumps(line) for line in lines).encode()
    result = parse_bytes(data, "classification", "jsonl")
    assert result.labels == {"a": "cat"}
    assert result.annotations == {"a": {"u1": "dog", "2": "cat", "u3": "cat"}}


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"item_id,label\na,cat\nb,dog\na,cat\n", ("duplicate_item", 4, "item_id", {"item": "a", "first_line": 2})),
        (
            b"item_id,label,annotator\na,cat,u1\na,dog,u2\n\na,cat,u1\n",
            ("duplicate_item", 5, "annotator", {"item": "a", "annotator": "u1", "first_line": 2}),
        ),
        (b"item_id,label\na,cat\n , dog\n", ("missing_value", 3, "item_id", {"name": "item_id"})),
        (b"item_id,label\na,\n", ("missing_value", 2, "label", {"name": "label"})),
        (b"item_id,label,annotator\na,cat,\n", ("missing_value", 2, "annotator", {"name": "annotator"})),
        (b"id,label\na,cat\n", ("missing_column", 1, "item_id", {"name": "item_id", "found": "'id', 'label'"})),
        (b"\n\nitem_id;label\n", ("missing_column", 3, "item_id", {"name": "item_id", "found": "'item_id;label'"})),
        (b"item_id,label,Label\n", ("duplicate_column", 1, "label", {"name": "label"})),
        (b"item_id,label\na,cat,extra\n", ("wrong_field_count", 2, None, {"expected": 2, "found": 3})),
        (b"item_id,label\na,cat\nb,\xff\xfedog\n", ("not_utf8", 3, None, {"byte": 3})),
        (b'item_id,label\na,"cat\nb,dog\n', ("invalid_csv", 3, None, {"detail": "unexpected end of data"})),
        (b"", ("empty_file", None, None, {})),
        (b"\n \n", ("empty_file", None, None, {})),
    ],
)
def test_bad_csv_is_refused_with_its_place(data: bytes, expected: tuple[object, ...]) -> None:
    assert where(error_of(data, "classification", "csv")) == expected


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (
            b'{"item_id": "a", "label": "cat"}\n{"item_id": "a", "label": "dog"}\n',
            ("duplicate_item", 2, "item_id", {"item": "a", "first_line": 1}),
        ),
        (
            b'{"item_id": "a", "label": "cat"}\n{"item_id": "b", "label": "dog"',
            ("invalid_json_line", 2, None, {"detail": "Expecting ',' delimiter", "column": 32}),
        ),
        (b'["a", "cat"]\n', ("not_an_object", 1, None, {})),
        (b'{"item_id": "a", "label": 3}\n', ("wrong_type", 1, "label", {"name": "label", "expected": "a string"})),
        (
            b'{"item_id": 1.5, "label": "x"}\n',
            ("wrong_type", 1, "item_id", {"name": "item_id", "expected": "a string or an integer"}),
        ),
        (b'{"item_id": "a"}\n', ("missing_value", 1, "label", {"name": "label"})),
        (b'{"item_id": " ", "label": "cat"}\n', ("missing_value", 1, "item_id", {"name": "item_id"})),
        (
            b'{"item_id": "a", "label": "cat", "annotator": "u"}\n{"item_id": "b", "label": "cat"}\n',
            ("inconsistent_annotator", 2, "annotator", {}),
        ),
        (
            b'{"item_id": "a", "label": "cat"}\n{"item_id": "\xe5\x9b", "label": "cat"}\n',
            ("not_utf8", 2, None, {"byte": 14}),
        ),
        (b"\n\n", ("empty_file", None, None, {})),
    ],
)
def test_bad_jsonl_is_refused_with_its_place(data: bytes, expected: tuple[object, ...]) -> None:
    assert where(error_of(data, "classification", "jsonl")) == expected


@pytest.mark.parametrize(
    ("fmt", "data", "line"),
    [("csv", b"item_id,label\na,cat\nb,cow\n", 3), ("jsonl", b'{"item_id": "a", "label": "cow"}\n', 1)],
)
def test_a_label_outside_the_label_set_is_refused(fmt: str, data: bytes, line: int) -> None:
    error = error_of(data, "classification", fmt, label_set={"cat", "dog"})
    assert where(error) == ("unknown_label", line, "label", {"label": "cow"})


def test_labels_inside_the_label_set_pass() -> None:
    result = parse_bytes(b"item_id,label\na,cat\nb,dog\n", "classification", "csv", label_set=["cat", "dog"])
    assert result.labels == {"a": "cat", "b": "dog"}


@pytest.mark.parametrize(
    ("kind", "fmt"),
    [
        (kind, fmt)
        for kind in KINDS
        for fmt in sorted({f for fs in FORMATS.values() for f in fs})
        if fmt not in FORMATS[kind]
    ],
)
def test_a_format_that_cannot_hold_the_kind_is_refused(kind: str, fmt: str) -> None:
    error = error_of(b"item_id,label\na,cat\n", kind, fmt)
    assert where(error) == (
        "format_not_for_kind",
        None,
        None,
        {"fmt": fmt, "kind": kind, "allowed": ", ".join(FORMATS[kind])},
    )


def test_an_unknown_kind_is_refused() -> None:
    error = error_of(b"", "audio", "csv")
    assert where(error) == ("unknown_kind", None, None, {"kind": "audio", "allowed": "classification, boxes, entities"})


def test_the_format_table() -> None:
    assert KINDS == ("classification", "boxes", "entities")
    assert FORMATS == {
        "classification": ("csv", "jsonl", "label_studio"),
        "boxes": ("coco", "label_studio"),
        "entities": ("conll", "label_studio"),
    }


class GeneratedStream(io.RawIOBase):
    """A binary stream whose bytes are made on demand by a generator, so the file never exists
    whole; `chunks_made` says how far the parser has pulled."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._pending = b""
        self.chunks_made = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        while not self._pending:
            chunk = next(self._chunks, None)
            if chunk is None:
                return 0
            self.chunks_made += 1
            self._pending = chunk
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size


def csv_chunks(rows: int, per_chunk: int = 10_000) -> Iterator[bytes]:
    yield b"item_id,label\n"
    for start in range(0, rows, per_chunk):
        yield "".join(f"item-{i},class-{i % 7}\n" for i in range(start, min(rows, start + per_chunk))).encode()


def test_a_million_line_csv_streams_and_reports_progress() -> None:
    source = GeneratedStream(csv_chunks(1_000_000))
    progress: list[tuple[int, int]] = []
    started = time.perf_counter()
    result = parse(
        io.BufferedReader(source),
        kind="classification",
        fmt="csv",
        on_progress=lambda count: progress.append((count, source.chunks_made)),
    )
    elapsed = time.perf_counter() - started
    assert len(result.labels) == 1_000_000
    assert [result.labels[item] for item in ("item-0", "item-123456", "item-999999")] == [
        "class-0",
        "class-4",
        "class-0",
    ]
    assert [count for count, _ in progress] == list(range(10_000, 1_000_001, 10_000))
    # When the first 10,000 rows were read, only the first chunks had been made: the parser pulls
    # the file as it goes instead of reading it whole.
    assert progress[0][1] <= 3
    assert source.chunks_made == 101
    assert elapsed < 15, elapsed


def test_progress_is_reported_at_the_end_when_not_a_multiple_of_ten_thousand() -> None:
    progress: list[int] = []
    data = b"".join(csv_chunks(25_000))
    parse(io.BytesIO(data), kind="classification", fmt="csv", on_progress=progress.append)
    assert progress == [10_000, 20_000, 25_000]


def test_jsonl_progress_counts_records() -> None:
    progress: list[int] = []
    data = b"".join(
        json.dumps({"item_id": str(i), "label": "x"}).encode() + b"\n"
        for i in itertools.islice(itertools.count(), 10_003)
    )
    parse(io.BytesIO(data), kind="classification", fmt="jsonl", on_progress=progress.append)
    assert progress == [10_000, 10_003]


def test_a_line_without_end_is_refused_before_it_fills_the_memory() -> None:
    data = b"item_id,label\na,cat\nb," + b"x" * (MAX_LINE_BYTES + 10)
    error = error_of(data, "classification", "csv")
    assert where(error) == ("line_too_long", 3, None, {"limit": MAX_LINE_BYTES})


def test_an_error_is_a_value_error_with_its_place_in_the_message() -> None:
    error = error_of(b"item_id,label\na,cat\na,dog\n", "classification", "csv")
    assert isinstance(error, ValueError)
    assert isinstance(error, QualityInputError)
    assert str(error) == "line 3, field item_id: item 'a' is labelled again (first at line 2)"
