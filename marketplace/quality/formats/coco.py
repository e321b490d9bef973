"""COCO object detection JSON (`images`, `annotations`, `categories`, in any order), streamed.

The three arrays may come in any order, so annotations are kept in compact typed arrays (about 60
bytes each) until the images and categories are known, then checked and turned into boxes. An
image is identified by its `file_name`; a box's label is its category's name.
"""

from __future__ import annotations

from array import array
from typing import Any, BinaryIO

import numpy as np

from marketplace.quality.data import Box, BoxSet
from marketplace.quality.errors import QualityInputError
from marketplace.quality.formats._common import TOLERANCE, ParseContext, is_number, json_elements, whole_number

SECTIONS = ("images", "annotations", "categories")
INT64 = (-(2**63), 2**63 - 1)


class _Annotations:
    """Annotations as parallel typed arrays, in file order."""

    def __init__(self) -> None:
        self.image_ids = array("q")
        self.category_ids = array("q")
        self.coordinates = array("d")  # x, y, w, h per annotation
        self.crowd = bytearray()
        self.ids = array("q")  # the annotations that have an id, and where they are
        self.id_positions = array("q")

    def __len__(self) -> int:
        return len(self.image_ids)


def _optional_integer(record: dict[str, Any], name: str, where: str) -> int | None:
    return None if record.get(name) is None else _integer(record, name, where)


def _integer(record: dict[str, Any], name: str, where: str) -> int:
    value = record.get(name)
    if isinstance(value, bool) or not isinstance(value, int) or not INT64[0] <= value <= INT64[1]:
        raise QualityInputError("wrong_type", "{name} must be an integer", field=f"{where}.{name}", name=name)
    return value


def parse_coco(stream: BinaryIO, ctx: ParseContext) -> BoxSet:
    images: dict[int, tuple[str, int, int]] = {}
    image_positions: dict[int, int] = {}
    file_names: dict[str, int] = {}
    categories: dict[int, str] = {}
    category_positions: dict[int, int] = {}
    annotations = _Annotations()
    present: set[str] = set()
    for section, index, record in json_elements(stream, top="object", arrays=SECTIONS, present=present):
        where = f"{section}[{index}]"
        if not isinstance(record, dict):
            raise QualityInputError(
                "not_an_object", "each element of {section} must be a JSON object", field=where, section=section
            )
        if section == "images":
            _image(record, where, index, images, image_positions, file_names)
        elif section == "categories":
            _category(record, where, index, categories, category_positions)
        else:
            _annotation(record, where, index, annotations)
        ctx.tick()
    for section in SECTIONS:
        if section not in present:
            raise QualityInputError("missing_key", "the file has no {name} array", field=section, name=section)
    _check_unique_annotation_ids(annotations)

    result = BoxSet()
    for file_name, width, height in images.values():
        result.sizes[file_name] = (width, height)
        result.boxes[file_name] = []
    for position in range(len(annotations)):
        where = f"annotations[{position}]"
        image = images.get(annotations.image_ids[position])
        if image is None:
            raise QualityInputError(
                "unknown_image",
                "image_id {id} is not the id of any image",
                field=f"{where}.image_id",
                id=annotations.image_ids[position],
            )
        label = categories.get(annotations.category_ids[position])
        if label is None:
            raise QualityInputError(
                "unknown_category",
                "category_id {id} is not the id of any category",
                field=f"{where}.category_id",
                id=annotations.category_ids[position],
            )
        ctx.check_label(label, field=f"{where}.category_id")
        file_name, width, height = image
        x, y, w, h = annotations.coordinates[4 * position : 4 * position + 4]
        if x < -TOLERANCE or y < -TOLERANCE or x + w > width + TOLERANCE or y + h > height + TOLERANCE:
            raise QualityInputError(
                "box_outside_image",
                "the box (x {x}, y {y}, width {width}, height {height}) leaves its {image_width}×{image_height} image",
                field=f"{where}.bbox",
                x=x,
                y=y,
                width=w,
                height=h,
                image_width=width,
                image_height=height,
            )
        result.boxes[file_name].append(Box(label, x, y, w, h, crowd=bool(annotations.crowd[position])))
    return result


def _image(
    record: dict[str, Any],
    where: str,
    index: int,
    images: dict[int, tuple[str, int, int]],
    positions: dict[int, int],
    file_names: dict[str, int],
) -> None:
    image_id = _integer(record, "id", where)
    if image_id in positions:
        raise QualityInputError(
            "duplicate_id",
            "{section} id {id} is used twice (first at {section}[{first_index}])",
            field=f"{where}.id",
            section="images",
            id=image_id,
            first_index=positions[image_id],
        )
    file_name = record.get("file_name")
    if not isinstance(file_name, str) or not file_name.strip():
        raise QualityInputError(
            "missing_value", "{name} is empty or not a string", field=f"{where}.file_name", name="file_name"
        )
    file_name = file_name.strip()
    if file_name in file_names:
        raise QualityInputError(
            "duplicate_item",
            "item {item!r} has a second image (first at images[{first_index}])",
            field=f"{where}.file_name",
            item=file_name,
            first_index=file_names[file_name],
        )
    size = []
    for name in ("width", "height"):
        value = whole_number(record.get(name))
        if value is None or value <= 0:
            raise QualityInputError(
                "invalid_image_size",
                "{name} must be a positive whole number of pixels",
                field=f"{where}.{name}",
                name=name,
            )
        size.append(value)
    images[image_id] = (file_name, size[0], size[1])
    positions[image_id] = index
    file_names[file_name] = index


def _category(
    record: dict[str, Any], where: str, index: int, categories: dict[int, str], positions: dict[int, int]
) -> None:
    category_id = _integer(record, "id", where)
    if category_id in positions:
        raise QualityInputError(
            "duplicate_id",
            "{section} id {id} is used twice (first at {section}[{first_index}])",
            field=f"{where}.id",
            section="categories",
            id=category_id,
            first_index=positions[category_id],
        )
    name = record.get("name")
    if not isinstance(name, str) or not name.strip():
        raise QualityInputError("missing_value", "{name} is empty or not a string", field=f"{where}.name", name="name")
    categories[category_id] = name.strip()
    positions[category_id] = index


def _annotation(record: dict[str, Any], where: str, index: int, annotations: _Annotations) -> None:
    annotation_id = _optional_integer(record, "id", where)
    image_id = _integer(record, "image_id", where)
    category_id = _integer(record, "category_id", where)
    bbox = record.get("bbox")
    if not isinstance(bbox, list) or len(bbox) != 4 or not all(is_number(value) for value in bbox):
        raise QualityInputError(
            "invalid_bbox", "bbox must be a list of four finite numbers [x, y, width, height]", field=f"{where}.bbox"
        )
    x, y, w, h = (float(value) for value in bbox)
    if w < 0 or h < 0:
        raise QualityInputError(
            "negative_box",
            "the box has a negative size ({width} × {height})",
            field=f"{where}.bbox",
            width=w,
            height=h,
        )
    crowd = record.get("iscrowd", 0)
    if crowd not in (0, 1):  # also True and False
        raise QualityInputError("wrong_type", "{name} must be 0 or 1", field=f"{where}.iscrowd", name="iscrowd")
    annotations.image_ids.append(image_id)
    annotations.category_ids.append(category_id)
    annotations.coordinates.extend((x, y, w, h))
    annotations.crowd.append(int(crowd))
    if annotation_id is not None:
        annotations.ids.append(annotation_id)
        annotations.id_positions.append(index)


def _check_unique_annotation_ids(annotations: _Annotations) -> None:
    """Sorting the ids (numpy, in place of a set of Python ints) finds a repeat; the error names the
    earliest annotation in the file that repeats an id."""
    if len(annotations.ids) < 2:
        return
    ids = np.frombuffer(annotations.ids, dtype=np.int64)
    positions = np.frombuffer(annotations.id_positions, dtype=np.int64)
    order = np.argsort(ids, kind="stable")
    ordered = ids[order]
    repeats = np.flatnonzero(ordered[1:] == ordered[:-1]) + 1
    if repeats.size == 0:
        return
    second = int(positions[order[repeats]].min())
    repeated = int(ids[np.flatnonzero(positions == second)[0]])
    first = int(positions[order[np.searchsorted(ordered, repeated)]])
    raise QualityInputError(
        "duplicate_id",
        "{section} id {id} is used twice (first at {section}[{first_index}])",
        field=f"annotations[{second}].id",
        section="annotations",
        id=repeated,
        first_index=first,
    )
