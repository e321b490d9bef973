"""COCO detection JSON (marketplace.quality.formats.coco): keys in any order, images by file name,
labels by category name, and every bad input named by its JSON path."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

from marketplace.quality.data import Box, BoxSet
from marketplace.quality.formats import parse
from tests.marketplace.quality._parsing import error_of, parse_bytes, where


def coco(**changes: Any) -> dict[str, Any]:
    document: dict[str, Any] = {
        "info": {"description": "delivery", "nested": [{"images": []}]},
        "licenses": [],
        "images": [
            {"id": 1, "file_name": "a.jpg", "width": 640, "height": 480},
            {"id": 2, "file_name": "b/c.jpg", "width": 100.0, "height": 50},
            {"id": 7, "file_name": "empty.jpg", "width": 10, "height": 10},
        ],
        "annotations": [
            {
                "id": 10,
                "image_id": 1,
                "category_id": 3,
                "bbox": [10, 20, 30.5, 40],
                "area": 1220,
                "iscrowd": 0,
                "segmentation": [[1, 2, 3, 4]],
            },
            {"id": 11, "image_id": 2, "category_id": 4, "bbox": [0, 0, 100, 50], "iscrowd": 1},
            {"id": 12, "image_id": 1, "category_id": 4, "bbox": [600, 440, 40, 40]},
            {"image_id": 2, "category_id": 3, "bbox": [5, 5, 0, 0], "iscrowd": False},
        ],
        "categories": [{"id": 3, "name": "car", "supercategory": "vehicle"}, {"id": 4, "name": "行人"}],
    }
    document.update(changes)
    return document


def dump(document: dict[str, Any], order: tuple[str, ...] | None = None) -> bytes:
    if order is not None:
        document = {key: document[key] for key in order}
    return json.dumps(document, ensure_ascii=False).encode()


EXPECTED = BoxSet(
    sizes={"a.jpg": (640, 480), "b/c.jpg": (100, 50), "empty.jpg": (10, 10)},
    boxes={
        "a.jpg": [Box("car", 10.0, 20.0, 30.5, 40.0), Box("行人", 600.0, 440.0, 40.0, 40.0)],
        "b/c.jpg": [Box("行人", 0.0, 0.0, 100.0, 50.0, crowd=True), Box("car", 5.0, 5.0, 0.0, 0.0)],
        "empty.jpg": [],
    },
)


@pytest.mark.parametrize(
    "order",
    [
        ("info", "licenses", "images", "annotations", "categories"),
        ("annotations", "categories", "images"),
        ("categories", "annotations", "info", "images"),
    ],
)
def test_coco_in_any_key_order(order: tuple[str, ...]) -> None:
    assert parse_bytes(dump(coco(), order), "boxes", "coco") == EXPECTED


def test_coco_progress_counts_images_annotations_and_categories() -> None:
    progress: list[int] = []
    parse(io.BytesIO(dump(coco())), kind="boxes", fmt="coco", on_progress=progress.append)
    assert progress == [3 + 4 + 2]


def test_coco_without_annotations_gives_every_image_empty() -> None:
    result = parse_bytes(dump(coco(annotations=[])), "boxes", "coco")
    assert result.boxes == {"a.jpg": [], "b/c.jpg": [], "empty.jpg": []}


def with_annotation(**fields: Any) -> dict[str, Any]:
    document = coco()
    document["annotations"].append({"id": 99, "image_id": 1, "category_id": 3, "bbox": [1, 1, 1, 1], **fields})
    return document


def with_image(**fields: Any) -> dict[str, Any]:
    document = coco()
    document["images"].append({"id": 50, "file_name": "new.jpg", "width": 5, "height": 5, **fields})
    return document


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        (
            with_annotation(bbox=[600, 10, 41, 10]),
            (
                "box_outside_image",
                None,
                "annotations[4].bbox",
                {"x": 600.0, "y": 10.0, "width": 41.0, "height": 10.0, "image_width": 640, "image_height": 480},
            ),
        ),
        (
            with_annotation(bbox=[-0.5, 10, 4, 10]),
            (
                "box_outside_image",
                None,
                "annotations[4].bbox",
                {"x": -0.5, "y": 10.0, "width": 4.0, "height": 10.0, "image_width": 640, "image_height": 480},
            ),
        ),
        (
            with_annotation(bbox=[1, 1, -2, 3]),
            ("negative_box", None, "annotations[4].bbox", {"width": -2.0, "height": 3.0}),
        ),
        (with_annotation(bbox=[1, 1, 2]), ("invalid_bbox", None, "annotations[4].bbox", {})),
        (with_annotation(bbox=[1, 1, "2", 3]), ("invalid_bbox", None, "annotations[4].bbox", {})),
        (with_annotation(bbox=[1, 1, True, 3]), ("invalid_bbox", None, "annotations[4].bbox", {})),
        (with_annotation(image_id=5), ("unknown_image", None, "annotations[4].image_id", {"id": 5})),
        (with_annotation(category_id=1), ("unknown_category", None, "annotations[4].category_id", {"id": 1})),
        (
            with_annotation(id=11),
            ("duplicate_id", None, "annotations[4].id", {"section": "annotations", "id": 11, "first_index": 1}),
        ),
        (with_annotation(id="x"), ("wrong_type", None, "annotations[4].id", {"name": "id"})),
        (with_annotation(image_id=None), ("wrong_type", None, "annotations[4].image_id", {"name": "image_id"})),
        (with_annotation(iscrowd=2), ("wrong_type", None, "annotations[4].iscrowd", {"name": "iscrowd"})),
        (
            with_image(file_name="a.jpg"),
            ("duplicate_item", None, "images[3].file_name", {"item": "a.jpg", "first_index": 0}),
        ),
        (with_image(id=2), ("duplicate_id", None, "images[3].id", {"section": "images", "id": 2, "first_index": 1})),
        (with_image(file_name=""), ("missing_value", None, "images[3].file_name", {"name": "file_name"})),
        (with_image(width=0), ("invalid_image_size", None, "images[3].width", {"name": "width"})),
        (with_image(height=2.5), ("invalid_image_size", None, "images[3].height", {"name": "height"})),
        (
            coco(categories=[{"id": 3, "name": "car"}, {"id": 3, "name": "bus"}]),
            ("duplicate_id", None, "categories[1].id", {"section": "categories", "id": 3, "first_index": 0}),
        ),
        (coco(categories=[{"id": 3, "name": " "}]), ("missing_value", None, "categories[0].name", {"name": "name"})),
        (coco(images=[1, 2]), ("not_an_object", None, "images[0]", {"section": "images"})),
        (
            coco(images={"id": 1}),
            ("unexpected_json", None, "images", {"name": "images", "expected": "array", "found": "object"}),
        ),
        ({"images": [], "annotations": []}, ("missing_key", None, "categories", {"name": "categories"})),
    ],
)
def test_bad_coco_is_refused_with_its_path(document: dict[str, Any], expected: tuple[object, ...]) -> None:
    assert where(error_of(dump(document), "boxes", "coco")) == expected


def test_the_first_repeated_annotation_id_in_file_order_is_named() -> None:
    document = coco()
    document["annotations"] = [
        {"id": i, "image_id": 1, "category_id": 3, "bbox": [0, 0, 1, 1]} for i in (5, 9, 3, 9, 5, 3)
    ]
    assert where(error_of(dump(document), "boxes", "coco")) == (
        "duplicate_id",
        None,
        "annotations[3].id",
        {"section": "annotations", "id": 9, "first_index": 1},
    )


def test_a_box_on_the_image_edge_within_the_tolerance_is_kept() -> None:
    document = with_annotation(bbox=[600, 440, 40.0000005, 40])
    assert parse_bytes(dump(document), "boxes", "coco").boxes["a.jpg"][-1] == Box("car", 600.0, 440.0, 40.0000005, 40.0)


def test_a_category_outside_the_label_set_is_refused() -> None:
    error = error_of(dump(coco()), "boxes", "coco", label_set={"car"})
    assert where(error) == ("unknown_label", None, "annotations[1].category_id", {"label": "行人"})


def test_a_truncated_coco_file_names_the_annotation_it_stops_in() -> None:
    data = dump(coco())
    cut = data[: data.index(b'"id": 12') + 4]
    assert where(error_of(cut, "boxes", "coco")) == (
        "truncated_json",
        None,
        "annotations[2]",
        {"where": "annotations[2]"},
    )


@pytest.mark.parametrize(
    ("data", "code"),
    [(b"[]", "unexpected_json"), (b"", "empty_file"), (b'{"images": [], "annotations": [1e400]}', "invalid_json")],
)
def test_a_file_that_is_not_a_coco_object_is_refused(data: bytes, code: str) -> None:
    assert error_of(data, "boxes", "coco").code == code


def test_a_large_coco_file_parses_in_one_pass() -> None:
    images = [{"id": i, "file_name": f"{i}.jpg", "width": 640, "height": 480} for i in range(2_000)]
    annotations = [
        {
            "id": k,
            "image_id": k % 2_000,
            "category_id": 1 + k % 3,
            "bbox": [k % 600, k % 400, 20.5, 30.25],
            "iscrowd": 0,
        }
        for k in range(30_000)
    ]
    categories = [{"id": 1, "name": "a"}, {"id": 2, "name": "b"}, {"id": 3, "name": "c"}]
    data = dump({"annotations": annotations, "images": images, "categories": categories})
    progress: list[int] = []
    result = parse(io.BytesIO(data), kind="boxes", fmt="coco", on_progress=progress.append)
    assert sum(len(boxes) for boxes in result.boxes.values()) == 30_000
    assert result.boxes["7.jpg"][1] == Box("a", 2007 % 600, 2007 % 400, 20.5, 30.25)  # 1 + 2007 % 3 = 1
    assert progress == [10_000, 20_000, 30_000, 32_003]
