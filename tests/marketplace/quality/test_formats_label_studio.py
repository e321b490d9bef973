"""Label Studio JSON exports (marketplace.quality.formats.label_studio): choices, rectangle labels in
percent, text spans; and every bad input named by its JSON path."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from marketplace.quality.data import Box, BoxSet, ClassificationSet, SpanSet
from tests.marketplace.quality._parsing import error_of, parse_bytes, where


def choice(label: str, *, by: Any = 1, cancelled: bool = False) -> dict[str, Any]:
    result = {"type": "choices", "from_name": "class", "to_name": "image", "value": {"choices": [label]}}
    return {"id": 100, "completed_by": by, "was_cancelled": cancelled, "result": [result]}


def rectangle(
    x: float, y: float, w: float, h: float, label: str = "car", *, size: tuple[int, int] = (200, 100), **value: Any
) -> dict[str, Any]:
    return {
        "type": "rectanglelabels",
        "original_width": size[0],
        "original_height": size[1],
        "image_rotation": 0,
        "value": {"x": x, "y": y, "width": w, "height": h, "rotation": 0, "rectanglelabels": [label], **value},
    }


def span(start: int, end: int, label: str = "PER") -> dict[str, Any]:
    return {"type": "labels", "value": {"start": start, "end": end, "text": "", "labels": [label]}}


def task(task_id: int, results: list[dict[str, Any]] | None = None, **data: Any) -> dict[str, Any]:
    annotations = [] if results is None else [{"id": 1, "completed_by": 7, "was_cancelled": False, "result": results}]
    return {"id": task_id, "data": data, "annotations": annotations, "predictions": []}


def dump(tasks: list[dict[str, Any]]) -> bytes:
    return json.dumps(tasks, ensure_ascii=False).encode()


# --- classification --------------------------------------------------------------------------------


def test_choices_with_several_annotators_cancelled_ones_skipped() -> None:
    tasks = [
        {
            "id": 1,
            "data": {"item_id": "img-1"},
            "annotations": [choice("cat", by=1), choice("dog", by=2), choice("dog", by=3, cancelled=True)],
        },
        {
            "id": 2,
            "data": {"image": "/data/2.jpg"},
            "annotations": [choice("dog", by={"id": 5, "email": "a@b.c"}), choice("dog", by=6), choice("cat", by=1)],
        },
        {"id": 3, "data": {"item_id": 42}, "annotations": [choice("鸟", by="审核员")]},
    ]
    result = parse_bytes(b"\xef\xbb\xbf" + dump(tasks), "classification", "label_studio")
    assert result == ClassificationSet(
        labels={"img-1": "cat", "2": "dog", "42": "鸟"},  # img-1: a tie goes to the label given first
        annotations={
            "img-1": {"1": "cat", "2": "dog"},
            "2": {"5": "dog", "6": "dog", "1": "cat"},
            "42": {"审核员": "鸟"},
        },
    )


@pytest.mark.parametrize(
    ("tasks", "expected"),
    [
        (
            [
                task(1, [choice("cat")["result"][0]]),
                {"id": 2, "data": {}, "annotations": [choice("cat", cancelled=True)]},
            ],
            ("unlabelled_item", None, "[1]", {"item": "2"}),
        ),
        ([{"id": 1, "data": {}}], ("unlabelled_item", None, "[0]", {"item": "1"})),
        (
            [{"id": 1, "data": {}, "annotations": [choice("cat", by=4), choice("dog", by=4)]}],
            ("duplicate_item", None, "[0].annotations[1]", {"item": "1", "annotator": "4"}),
        ),
        (
            [task(1, [choice("cat")["result"][0]], item_id="x"), task(2, [choice("cat")["result"][0]], item_id="x")],
            ("duplicate_item", None, "[1]", {"item": "x", "first_index": 0}),
        ),
        (
            [task(1, [{"type": "choices", "value": {"choices": ["cat", "dog"]}}])],
            ("not_one_label", None, "[0].annotations[0].result", {"count": 2}),
        ),
        (
            [task(1, [{"type": "choices", "value": {"choices": "cat"}}])],
            ("wrong_type", None, "[0].annotations[0].result[0].value.choices", {"name": "choices"}),
        ),
        (
            [{"id": 1, "data": {}, "annotations": [{"result": choice("cat")["result"]}]}],
            ("missing_value", None, "[0].annotations[0].completed_by", {"name": "[0].annotations[0].completed_by"}),
        ),
        (
            [task(1, [rectangle(1, 1, 5, 5)])],
            ("wrong_result_type", None, "[0]", {"expected": "choices", "found": "rectanglelabels"}),
        ),
        ([{"data": {"text": "no id"}}], ("missing_value", None, "[0].id", {"name": "[0].id"})),
        (
            [{"id": 1, "data": {"item_id": ""}}],
            ("missing_value", None, "[0].data.item_id", {"name": "[0].data.item_id"}),
        ),
        ([["not", "a", "task"]], ("not_an_object", None, "[0]", {})),
        ([{"id": 1, "data": [], "annotations": []}], ("not_an_object", None, "[0].data", {})),
        (
            [{"id": 1, "data": {}, "annotations": {}}],
            ("wrong_type", None, "[0].annotations", {"name": "[0].annotations"}),
        ),
    ],
)
def test_bad_classification_tasks_are_refused_with_their_path(tasks: list[Any], expected: tuple[object, ...]) -> None:
    assert where(error_of(dump(tasks), "classification", "label_studio")) == expected


def test_a_choice_outside_the_label_set_is_refused() -> None:
    tasks = [task(1, [choice("cat")["result"][0]]), task(2, [choice("cow")["result"][0]])]
    error = error_of(dump(tasks), "classification", "label_studio", label_set={"cat", "dog"})
    assert where(error) == ("unknown_label", None, "[1].annotations[0].result[0].value.choices", {"label": "cow"})


# --- boxes -----------------------------------------------------------------------------------------


def test_rectangles_in_percent_become_pixels() -> None:
    tasks = [
        task(1, [rectangle(10, 20, 50, 40), rectangle(0, 0, 100, 100, "bus")], item_id="a.jpg"),
        task(2, [], item_id="empty.jpg"),  # annotated, nothing to label
        task(3, None, item_id="untouched.jpg"),
        {
            "id": 4,
            "data": {"item_id": "b.jpg"},
            "annotations": [
                {"completed_by": 1, "was_cancelled": True, "result": [rectangle(1, 1, 1, 1)]},
                {"completed_by": 2, "result": [rectangle(12.5, 0, 25, 50.5, size=(640, 480))]},
            ],
        },
    ]
    result = parse_bytes(dump(tasks), "boxes", "label_studio")
    assert result == BoxSet(
        # an image without boxes has no size in the export: (0, 0), but it is an item all the same
        sizes={"a.jpg": (200, 100), "empty.jpg": (0, 0), "untouched.jpg": (0, 0), "b.jpg": (640, 480)},
        boxes={
            "a.jpg": [Box("car", 20.0, 20.0, 100.0, 40.0), Box("bus", 0.0, 0.0, 200.0, 100.0)],
            "empty.jpg": [],
            "untouched.jpg": [],
            "b.jpg": [Box("car", 80.0, 0.0, 160.0, 242.4)],
        },
    )


def test_a_box_reaching_the_edge_within_the_tolerance_is_kept() -> None:
    result = parse_bytes(dump([task(1, [rectangle(-1e-7, 50, 100.0000005, 50.0000009)])]), "boxes", "label_studio")
    assert len(result.boxes["1"]) == 1


def results_path(index: int = 0) -> str:
    return f"[0].annotations[0].result[{index}]"


@pytest.mark.parametrize(
    ("results", "expected"),
    [
        (
            [rectangle(60, 10, 50, 10)],
            (
                "box_outside_image",
                None,
                f"{results_path()}.value.width",
                {"x": 60.0, "y": 10.0, "width": 50.0, "height": 10.0},
            ),
        ),
        (
            [rectangle(-1, 10, 50, 10)],
            (
                "box_outside_image",
                None,
                f"{results_path()}.value.x",
                {"x": -1.0, "y": 10.0, "width": 50.0, "height": 10.0},
            ),
        ),
        (
            [rectangle(0, 0, 5, 5), rectangle(0, 95, 5, 5.01)],
            (
                "box_outside_image",
                None,
                f"{results_path(1)}.value.height",
                {"x": 0.0, "y": 95.0, "width": 5.0, "height": 5.01},
            ),
        ),
        (
            [rectangle(10, 10, -5, 10)],
            ("negative_box", None, f"{results_path()}.value.width", {"width": -5.0, "height": 10.0}),
        ),
        (
            [rectangle(10, 10, 5, -0.5)],
            ("negative_box", None, f"{results_path()}.value.height", {"width": 5.0, "height": -0.5}),
        ),
        (
            [rectangle(10, 10, 5, 5, rotation=30)],
            ("rotated_box", None, f"{results_path()}.value.rotation", {"rotation": 30}),
        ),
        ([rectangle(10, 10, "5", 5)], ("not_a_number", None, f"{results_path()}.value.width", {"name": "width"})),
        (
            [rectangle(1, 1, 5, 5), rectangle(1, 1, 5, 5, size=(201, 100))],
            (
                "inconsistent_image_size",
                None,
                results_path(1),
                {"width": 201, "height": 100, "first_width": 200, "first_height": 100},
            ),
        ),
        (
            [rectangle(1, 1, 5, 5, size=(0, 100))],
            ("invalid_image_size", None, f"{results_path()}.original_width", {"name": "original_width"}),
        ),
        (
            [rectangle(1, 1, 5, 5, size=(100, 99.5))],
            ("invalid_image_size", None, f"{results_path()}.original_height", {"name": "original_height"}),
        ),  # type: ignore[arg-type]
        (
            [rectangle(1, 1, 5, 5, rectanglelabels=["car", "bus"])],
            ("not_one_label", None, f"{results_path()}.value.rectanglelabels", {"count": 2}),
        ),
        (
            [rectangle(1, 1, 5, 5, rectanglelabels=[])],
            ("not_one_label", None, f"{results_path()}.value.rectanglelabels", {"count": 0}),
        ),
        ([{"type": "rectanglelabels", "value": []}], ("not_an_object", None, f"{results_path()}.value", {})),
    ],
)
def test_bad_boxes_are_refused_with_their_path(results: list[dict[str, Any]], expected: tuple[object, ...]) -> None:
    assert where(error_of(dump([task(1, results)]), "boxes", "label_studio")) == expected


def test_a_task_may_hold_only_one_annotation_for_boxes() -> None:
    double = task(1, [rectangle(1, 1, 5, 5)])
    double["annotations"].append(copy.deepcopy(double["annotations"][0]))
    assert where(error_of(dump([task(0, []), double]), "boxes", "label_studio")) == (
        "several_annotations",
        None,
        "[1].annotations",
        {"count": 2},
    )


def test_a_box_label_outside_the_label_set_is_refused() -> None:
    error = error_of(dump([task(1, [rectangle(1, 1, 5, 5, "tram")])]), "boxes", "label_studio", label_set={"car"})
    assert where(error) == ("unknown_label", None, f"{results_path()}.value.rectanglelabels", {"label": "tram"})


def test_a_classification_export_read_as_boxes_is_refused() -> None:
    tasks = [task(1, [choice("cat")["result"][0]]), task(2, [choice("dog")["result"][0]])]
    assert where(error_of(dump(tasks), "boxes", "label_studio")) == (
        "wrong_result_type",
        None,
        None,
        {"expected": "rectanglelabels", "found": "choices"},
    )


# --- entities --------------------------------------------------------------------------------------


def test_text_spans_in_characters() -> None:
    tasks = [
        task(1, [span(0, 4), span(13, 15, "LOC"), span(0, 10, "ORG")], text="John Smith in 北京", item_id="doc-1"),
        task(2, None, text="nothing to see"),
        task(3, [], text=""),
    ]
    result = parse_bytes(dump(tasks), "entities", "label_studio")
    assert result == SpanSet(
        lengths={"doc-1": 16, "2": 14, "3": 0},
        spans=[("doc-1", 0, 4, "PER"), ("doc-1", 13, 15, "LOC"), ("doc-1", 0, 10, "ORG")],
    )


@pytest.mark.parametrize(
    ("tasks", "expected"),
    [
        (
            [task(1, [span(10, 15)], text="short text")],
            ("span_past_end", None, f"{results_path()}.value.end", {"end": 15, "length": 10}),
        ),
        (
            [task(1, [span(3, 3)], text="short text")],
            ("invalid_span", None, f"{results_path()}.value", {"start": 3, "end": 3}),
        ),
        (
            [task(1, [span(-1, 3)], text="short text")],
            ("invalid_span", None, f"{results_path()}.value", {"start": -1, "end": 3}),
        ),
        ([task(1, [span(1, 3)])], ("missing_text", None, "[0].data.text", {})),
        ([task(1, [span(1, 3)], text=["not", "text"])], ("missing_text", None, "[0].data.text", {})),
        (
            [task(1, [span(1, 3, "")], text="some text")],
            ("not_one_label", None, f"{results_path()}.value.labels", {"count": 1}),
        ),
        (
            [task(1, [rectangle(1, 1, 1, 1)], text="x")],
            ("wrong_result_type", None, None, {"expected": "labels", "found": "rectanglelabels"}),
        ),
    ],
)
def test_bad_spans_are_refused_with_their_path(tasks: list[dict[str, Any]], expected: tuple[object, ...]) -> None:
    assert where(error_of(dump(tasks), "entities", "label_studio")) == expected


# --- the JSON itself -------------------------------------------------------------------------------


def three_tasks() -> bytes:
    return dump([task(i, [choice("cat")["result"][0]], item_id=f"item-{i}") for i in (1, 2, 3)])


def test_a_truncated_export_is_refused_naming_the_task_it_stops_in() -> None:
    data = three_tasks()
    cut = data[: data.index(b'"item-3"') + 3]
    assert where(error_of(cut, "classification", "label_studio")) == ("truncated_json", None, "[2]", {"where": "[2]"})


def test_an_export_cut_between_tasks_is_truncated_too() -> None:
    data = three_tasks()
    cut = data[: data.index(b'{"id": 3')]
    error = error_of(cut, "classification", "label_studio")
    assert (error.code, error.field) == ("truncated_json", "[1]")


def test_invalid_json_is_refused_with_the_task_and_the_parsers_words() -> None:
    data = three_tasks().replace(b'"item-2"', b"item-2", 1)
    assert where(error_of(data, "classification", "label_studio")) == (
        "invalid_json",
        None,
        "[1]",
        {"where": "[1]", "detail": "lexical error: invalid char in json text."},
    )


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b'{"id": 1}', ("unexpected_json", None, None, {"expected": "array", "found": "object"})),
        (b"", ("empty_file", None, None, {})),
        (b"  \n", ("empty_file", None, None, {})),
        ('[{"id": 1, "data": {"item_id": "é"}}]'.encode("latin-1"), ("not_utf8", None, "[0]", {"where": "[0]"})),
    ],
)
def test_a_file_that_is_not_a_json_array_of_tasks_is_refused(data: bytes, expected: tuple[object, ...]) -> None:
    assert where(error_of(data, "classification", "label_studio")) == expected


def test_an_empty_export_is_an_empty_set() -> None:
    assert parse_bytes(b"[]", "entities", "label_studio") == SpanSet()
