"""Label Studio's JSON export (a JSON array of tasks), read one task at a time.

A task is one item: `data.item_id` when the project put it there, else the task `id`. Cancelled
annotations are skipped. Classification reads "choices" results (several annotators allowed, keyed
by `completed_by`); boxes read "rectanglelabels" (percent of the image, turned into pixels with the
result's `original_width`/`original_height`; a task without boxes has no known image size and
gets (0, 0)); entities read "labels" spans over `data.text` (offsets in characters, i.e. Unicode code
points as Python counts them, which Label Studio stores since 2022; end exclusive).
"""

from __future__ import annotations

import sys
from typing import Any, BinaryIO

from marketplace.quality.data import Box, BoxSet, ClassificationSet, SpanSet
from marketplace.quality.errors import QualityInputError
from marketplace.quality.formats._common import (
    TOLERANCE,
    ParseContext,
    consensus,
    is_number,
    json_elements,
    whole_number,
)

UNKNOWN_SIZE = (0, 0)
RESULT_TYPES = {"classification": "choices", "boxes": "rectanglelabels", "entities": "labels"}


class _Reader:
    def __init__(self, ctx: ParseContext, kind: str) -> None:
        self.ctx = ctx
        self.kind = kind
        self.expected = RESULT_TYPES[kind]
        self.seen: dict[str, int] = {}
        self.expected_results = 0
        self.other_types: set[str] = set()
        self.task_other_types: set[str] = set()
        self.classification = ClassificationSet()
        self.boxes = BoxSet()
        self.spans = SpanSet()

    def task(self, index: int, task: Any) -> None:
        at = f"[{index}]"
        if not isinstance(task, dict):
            raise QualityInputError("not_an_object", "each task must be a JSON object", field=at)
        item = self._item_id(task, at)
        if item in self.seen:
            raise QualityInputError(
                "duplicate_item",
                "item {item!r} has a second task (first at [{first_index}])",
                field=at,
                item=item,
                first_index=self.seen[item],
            )
        self.seen[item] = index
        self.task_other_types = set()
        annotations = _list(task.get("annotations", []), f"{at}.annotations")
        kept: list[tuple[int, dict[str, Any]]] = []
        for number, annotation in enumerate(annotations):
            if not isinstance(annotation, dict):
                raise QualityInputError(
                    "not_an_object", "each annotation must be a JSON object", field=f"{at}.annotations[{number}]"
                )
            if annotation.get("was_cancelled") is not True:
                kept.append((number, annotation))
        if self.kind == "classification":
            self._choices(item, at, kept)
            return
        if len(kept) > 1:
            raise QualityInputError(
                "several_annotations",
                "the task has {count} annotations that are not cancelled; a delivery needs exactly one",
                field=f"{at}.annotations",
                count=len(kept),
            )
        if self.kind == "boxes":
            self._rectangles(item, at, task, kept)
        else:
            self._spans(item, at, task, kept)

    def _item_id(self, task: dict[str, Any], at: str) -> str:
        data = task.get("data", {})
        if not isinstance(data, dict):
            raise QualityInputError("not_an_object", "data must be a JSON object", field=f"{at}.data")
        for value, where in ((data.get("item_id"), f"{at}.data.item_id"), (task.get("id"), f"{at}.id")):
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, str | int) or not str(value).strip():
                raise QualityInputError(
                    "missing_value", "{name} is empty or not a string or an integer", field=where, name=where
                )
            return str(value).strip()
        raise QualityInputError(
            "missing_value", "{name} is empty or not a string or an integer", field=f"{at}.id", name=f"{at}.id"
        )

    def _results(self, at: str, number: int, annotation: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
        """The annotation's results of the kind's type, each with its place; counts the others."""
        place = f"{at}.annotations[{number}].result"
        found = []
        for index, result in enumerate(_list(annotation.get("result", []), place)):
            if not isinstance(result, dict):
                raise QualityInputError("not_an_object", "each result must be a JSON object", field=f"{place}[{index}]")
            if result.get("type") != self.expected:
                self.other_types.add(str(result.get("type")))
                self.task_other_types.add(str(result.get("type")))
                continue
            self.expected_results += 1
            value = result.get("value")
            if not isinstance(value, dict):
                raise QualityInputError("not_an_object", "value must be a JSON object", field=f"{place}[{index}].value")
            found.append((f"{place}[{index}]", result))
        return found

    def _choices(self, item: str, at: str, kept: list[tuple[int, dict[str, Any]]]) -> None:
        by_annotator: dict[str, str] = {}
        for number, annotation in kept:
            choices: list[tuple[str, str]] = []
            for place, result in self._results(at, number, annotation):
                values = result["value"].get("choices")
                if not isinstance(values, list) or not all(isinstance(v, str) and v for v in values):
                    raise QualityInputError(
                        "wrong_type", "{name} must be a list of labels", field=f"{place}.value.choices", name="choices"
                    )
                choices.extend((f"{place}.value.choices", value) for value in values)
            if not choices:
                continue
            if len(choices) != 1:
                raise QualityInputError(
                    "not_one_label",
                    "the annotation gives {count} labels where one is expected",
                    field=f"{at}.annotations[{number}].result",
                    count=len(choices),
                )
            where, label = choices[0]
            annotator = _annotator(annotation, f"{at}.annotations[{number}]")
            if annotator in by_annotator:
                raise QualityInputError(
                    "duplicate_item",
                    "item {item!r} is labelled again by annotator {annotator!r}",
                    field=f"{at}.annotations[{number}]",
                    item=item,
                    annotator=annotator,
                )
            label = sys.intern(label)
            self.ctx.check_label(label, field=where)
            by_annotator[annotator] = label
        if not by_annotator:
            if self.task_other_types:
                raise QualityInputError(
                    "wrong_result_type",
                    "the file holds {found} results where {expected} results are expected (exported for another kind?)",
                    field=at,
                    expected=self.expected,
                    found=", ".join(sorted(self.task_other_types)),
                )
            raise QualityInputError("unlabelled_item", "item {item!r} has no label", field=at, item=item)
        self.classification.labels[item] = consensus(by_annotator)
        self.classification.annotations[item] = by_annotator

    def _rectangles(self, item: str, at: str, task: dict[str, Any], kept: list[tuple[int, dict[str, Any]]]) -> None:
        boxes: list[Box] = []
        size: tuple[int, int] | None = None
        for number, annotation in kept:
            for place, result in self._results(at, number, annotation):
                width, height = (_pixels(result, name, place) for name in ("original_width", "original_height"))
                if size is None:
                    size = (width, height)
                elif size != (width, height):
                    raise QualityInputError(
                        "inconsistent_image_size",
                        "this result says the image is {width}×{height}, an earlier one {first_width}×{first_height}",
                        field=place,
                        width=width,
                        height=height,
                        first_width=size[0],
                        first_height=size[1],
                    )
                boxes.append(self._box(place, result["value"], width, height))
        self.boxes.boxes[item] = boxes
        # Every task is an item of the set (its `sizes` list the items). Only a result carries the
        # image size, so a task without boxes has none: (0, 0) says "unknown"; scoring needs sizes
        # only for the boxes' pixels, which such an image does not have.
        self.boxes.sizes[item] = size if size is not None else UNKNOWN_SIZE

    def _box(self, place: str, value: dict[str, Any], image_width: int, image_height: int) -> Box:
        numbers = {}
        for name in ("x", "y", "width", "height"):
            number = value.get(name)
            if not is_number(number):
                raise QualityInputError(
                    "not_a_number", "{name} must be a finite number", field=f"{place}.value.{name}", name=name
                )
            numbers[name] = float(number)
        rotation = value.get("rotation", 0)
        if not is_number(rotation) or rotation % 360 != 0:
            raise QualityInputError(
                "rotated_box",
                "the box is rotated by {rotation} degrees; only axis-aligned boxes can be scored",
                field=f"{place}.value.rotation",
                rotation=rotation,
            )
        x, y, w, h = numbers["x"], numbers["y"], numbers["width"], numbers["height"]
        if w < 0 or h < 0:
            raise QualityInputError(
                "negative_box",
                "the box has a negative size ({width} × {height})",
                field=f"{place}.value.{'width' if w < 0 else 'height'}",
                width=w,
                height=h,
            )
        outside = [
            name
            for name, bad in (
                ("x", x < -TOLERANCE),
                ("y", y < -TOLERANCE),
                ("width", x + w > 100 + TOLERANCE),
                ("height", y + h > 100 + TOLERANCE),
            )
            if bad
        ]
        if outside:
            raise QualityInputError(
                "box_outside_image",
                "the box (x {x}, y {y}, width {width}, height {height}, in percent) reaches outside the image",
                field=f"{place}.value.{outside[0]}",
                x=x,
                y=y,
                width=w,
                height=h,
            )
        label = self._one_label(place, value, "rectanglelabels")
        return Box(label, x * image_width / 100, y * image_height / 100, w * image_width / 100, h * image_height / 100)

    def _one_label(self, place: str, value: dict[str, Any], key: str) -> str:
        labels = value.get(key)
        if not isinstance(labels, list) or len(labels) != 1 or not isinstance(labels[0], str) or not labels[0]:
            raise QualityInputError(
                "not_one_label",
                "the annotation gives {count} labels where one is expected",
                field=f"{place}.value.{key}",
                count=len(labels) if isinstance(labels, list) else 0,
            )
        label = sys.intern(labels[0])
        self.ctx.check_label(label, field=f"{place}.value.{key}")
        return label

    def _spans(self, item: str, at: str, task: dict[str, Any], kept: list[tuple[int, dict[str, Any]]]) -> None:
        text = task.get("data", {}).get("text")
        if not isinstance(text, str):
            raise QualityInputError(
                "missing_text", "the task has no text (data.text) to hold entity spans", field=f"{at}.data.text"
            )
        self.spans.lengths[item] = len(text)
        for number, annotation in kept:
            for place, result in self._results(at, number, annotation):
                value = result["value"]
                start, end = whole_number(value.get("start")), whole_number(value.get("end"))
                if start is None or end is None or start < 0 or end <= start:
                    raise QualityInputError(
                        "invalid_span",
                        "the span must have whole-number offsets with 0 ≤ start < end (start {start}, end {end})",
                        field=f"{place}.value",
                        start=value.get("start"),
                        end=value.get("end"),
                    )
                if end > len(text):
                    raise QualityInputError(
                        "span_past_end",
                        "the span ends at {end}, past the end of the text ({length} characters)",
                        field=f"{place}.value.end",
                        end=end,
                        length=len(text),
                    )
                self.spans.spans.append((item, start, end, self._one_label(place, value, "labels")))

    def result(self) -> ClassificationSet | BoxSet | SpanSet:
        if self.kind != "classification" and self.expected_results == 0 and self.other_types:
            raise QualityInputError(
                "wrong_result_type",
                "the file holds {found} results where {expected} results are expected (exported for another kind?)",
                expected=self.expected,
                found=", ".join(sorted(self.other_types)),
            )
        if self.kind == "classification":
            return self.classification
        return self.boxes if self.kind == "boxes" else self.spans


def _pixels(result: dict[str, Any], name: str, place: str) -> int:
    value = whole_number(result.get(name))
    if value is None or value <= 0:
        raise QualityInputError(
            "invalid_image_size",
            "{name} must be a positive whole number of pixels",
            field=f"{place}.{name}",
            name=name,
        )
    return value


def _list(value: Any, where: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise QualityInputError("wrong_type", "{name} must be a list", field=where, name=where)
    return value


def _annotator(annotation: dict[str, Any], where: str) -> str:
    """`completed_by` as exported: a user id, or an object with the user's id or email."""
    who = annotation.get("completed_by")
    if isinstance(who, dict):
        who = who.get("id", who.get("email"))
    if isinstance(who, bool) or not isinstance(who, str | int) or not str(who).strip():
        raise QualityInputError(
            "missing_value",
            "{name} is empty or not a string or an integer",
            field=f"{where}.completed_by",
            name=f"{where}.completed_by",
        )
    return sys.intern(str(who).strip())


def parse_label_studio(stream: BinaryIO, ctx: ParseContext, *, kind: str) -> ClassificationSet | BoxSet | SpanSet:
    reader = _Reader(ctx, kind)
    for _, index, task in json_elements(stream, top="array", arrays=("",)):
        reader.task(index, task)
        ctx.tick()
    return reader.result()
