"""Boxes: intersection over union and COCO average precision for bounding boxes.

`coco_ap` follows pycocotools' `COCOeval` (iouType "bbox", default parameters) rule for rule:
IoU thresholds .50:.05:.95, 101 recall points, at most 100 detections per image and category
(highest scores first, equal scores in input order), crowd regions ignored and matched by
intersection over the detection's area, unmatched detections on images without gold counted as
false positives. Only the "all" area range at 100 detections is computed, which is all that AP,
AP50 and AP75 read. Instead of COCOeval's Python loops per image, category and detection, the
greedy matching runs in rounds: round r takes the r-th detection of every (image, category) group
at once, for all ten thresholds, with numpy. The tests compare the results with pycocotools.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from numbers import Integral, Real
from typing import Any

import numpy as np
import numpy.typing as npt

from marketplace.quality.data import BoxSet
from marketplace.quality.errors import QualityInputError

# COCOeval's Params.setDetParams, computed the same way so the thresholds agree to the bit.
IOU_THRESHOLDS = np.linspace(0.5, 0.95, int(np.round((0.95 - 0.5) / 0.05)) + 1, endpoint=True)
RECALL_THRESHOLDS = np.linspace(0.0, 1.00, int(np.round((1.00 - 0.0) / 0.01)) + 1, endpoint=True)
MAX_DETECTIONS = 100
AREA_RANGE = (0.0, 1e5**2)  # COCO's "all"

FloatArray = npt.NDArray[np.float64]
IndexArray = npt.NDArray[np.intp]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True, slots=True)
class CocoReport:
    """AP averaged over IoU .50:.05:.95, at .50 and at .75, and AP per category name.

    A category without (non-crowd) gold boxes has no AP: None, as COCOeval's -1; `ap` is None
    when no category has gold boxes.
    """

    ap: float | None
    ap50: float | None
    ap75: float | None
    per_class: dict[str, float | None]

    def as_dict(self) -> dict[str, Any]:
        """Plain dicts and floats: ready for JSON."""
        return asdict(self)


def box_iou(a: Sequence[float], b: Sequence[float]) -> float:
    """IoU of two `[x, y, w, h]` boxes; boxes that only touch, or have no area, give 0.0."""
    first = _checked_box(a, "a")
    second = _checked_box(b, "b")
    return float(iou_rows(first[np.newaxis], second[np.newaxis], np.zeros(1, dtype=bool))[0])


def coco_ap(gold_coco: Mapping[str, Any], pred_coco: Mapping[str, Any] | Sequence[Mapping[str, Any]]) -> CocoReport:
    """COCO bbox AP of detections against a gold COCO data set.

    `gold_coco` is a COCO dict: `images` [{id, ...}], `annotations` [{image_id, category_id,
    bbox, iscrowd?, area?}], `categories` [{id, name}]. `pred_coco` is a list of detections
    {image_id, category_id, bbox, score?} in the gold set's ids, or a COCO dict whose
    `annotations` are. A missing score is 1 (a vendor's boxes have no confidence); a gold box's
    area is its `area` if given, else w × h, and a detection's area is w × h, as pycocotools does.
    Annotation ids are not needed (COCOeval's quirk of treating gold id 0 as "unmatched" is not
    reproduced); image and category ids are integers, each referred to id must exist.
    """
    gold = _Gold.parse(gold_coco)
    if isinstance(pred_coco, Mapping):
        if "annotations" not in pred_coco:
            raise QualityInputError("missing_field", "The predictions have no annotations list.", field="annotations")
        records = _records(pred_coco["annotations"], "predictions")
    else:
        records = _records(pred_coco, "predictions")
    detections = _Detections.parse(records, gold)
    return _evaluate(gold, detections)


def box_sets_to_coco(gold: BoxSet, pred: BoxSet) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The inputs of `coco_ap` for two box sets: the gold COCO dict and the detections.

    Images are the gold items in sorted order (their ids fix the order in which equal-score
    detections are ranked, as in COCO); boxes of items outside the gold set are left out, as COCO
    scores gold images only. Categories are the gold labels, sorted, followed by labels only the
    delivery uses: those get categories of their own without gold boxes, so they match nothing
    and, like COCOeval's unknown categories, change no AP.
    """
    items = sorted(gold.sizes)
    image_ids = {item: number for number, item in enumerate(items, start=1)}
    unsized = sorted(item for item in gold.boxes if item not in image_ids)
    if unsized:
        raise QualityInputError("unknown_item", "Gold boxes on item {item}, which has no image size.", item=unsized[0])
    gold_labels = sorted({box.label for boxes in gold.boxes.values() for box in boxes})
    known = set(gold_labels)
    new_labels = sorted({box.label for item in items for box in pred.boxes.get(item, ()) if box.label not in known})
    category_ids = {label: number for number, label in enumerate([*gold_labels, *new_labels], start=1)}
    images = [
        {"id": image_ids[item], "width": gold.sizes[item][0], "height": gold.sizes[item][1], "file_name": item}
        for item in items
    ]
    annotations = [
        {
            "image_id": image_ids[item],
            "category_id": category_ids[box.label],
            "bbox": [box.x, box.y, box.w, box.h],
            "area": box.w * box.h,
            "iscrowd": int(box.crowd),
        }
        for item in items
        for box in gold.boxes.get(item, ())
    ]
    for number, annotation in enumerate(annotations, start=1):
        annotation["id"] = number
    predictions = [
        {
            "image_id": image_ids[item],
            "category_id": category_ids[box.label],
            "bbox": [box.x, box.y, box.w, box.h],
            "score": 1.0,
        }
        for item in items
        for box in pred.boxes.get(item, ())
    ]
    categories = [{"id": number, "name": label} for label, number in category_ids.items()]
    return {"images": images, "annotations": annotations, "categories": categories}, predictions


# Input ---------------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Gold:
    image_rank: dict[Any, int]  # image id → position among the sorted ids
    category_rank: dict[Any, int]
    category_names: list[str]  # by rank
    image: IndexArray
    category: IndexArray
    box: FloatArray
    crowd: BoolArray
    area: FloatArray

    @classmethod
    def parse(cls, coco: Mapping[str, Any]) -> _Gold:
        if not isinstance(coco, Mapping):
            raise QualityInputError("bad_coco", "The gold set must be a COCO object.")
        for key in ("images", "annotations", "categories"):
            if key not in coco:
                raise QualityInputError("missing_field", "The gold set has no {key} list.", field=key, key=key)
        images = _records(coco["images"], "images")
        categories = _records(coco["categories"], "categories")
        annotations = _records(coco["annotations"], "annotations")
        if not images:
            raise QualityInputError("no_images", "The gold set has no images.", field="images")
        if not categories:
            raise QualityInputError("no_categories", "The gold set has no categories.", field="categories")
        image_ids = _ids(_column(images, "id", "images"), "images")
        category_ids = _ids(_column(categories, "id", "categories"), "categories")
        names = _column(categories, "name", "categories")
        seen: set[str] = set()
        for position, name in enumerate(names):
            if not isinstance(name, str) or not name or name in seen:
                raise QualityInputError(
                    "bad_category_name",
                    "Category names must be distinct non-empty strings.",
                    field=f"categories[{position}].name",
                )
            seen.add(name)
        image_rank = {image_id: rank for rank, image_id in enumerate(sorted(image_ids))}
        category_rank = {category_id: rank for rank, category_id in enumerate(sorted(category_ids))}
        name_of = dict(zip(category_ids, names, strict=True))
        box = _boxes(annotations, "annotations")
        area = _optional_numbers(annotations, "area", "annotations")
        area = np.where(np.isnan(area), box[:, 2] * box[:, 3], area)
        return cls(
            image_rank=image_rank,
            category_rank=category_rank,
            category_names=[name_of[category_id] for category_id in sorted(category_ids)],
            image=_references(annotations, "image_id", image_rank, "annotations", "image"),
            category=_references(annotations, "category_id", category_rank, "annotations", "category"),
            box=box,
            crowd=_crowd(annotations, "annotations"),
            area=area,
        )


@dataclass(slots=True)
class _Detections:
    image: IndexArray
    category: IndexArray
    box: FloatArray
    score: FloatArray
    area: FloatArray

    @classmethod
    def parse(cls, records: Sequence[Any], gold: _Gold) -> _Detections:
        box = _boxes(records, "predictions")
        scores = _column(records, "score", "predictions", default=1)
        score = _finite(scores, "predictions", "score")
        return cls(
            image=_references(records, "image_id", gold.image_rank, "predictions", "image"),
            category=_references(records, "category_id", gold.category_rank, "predictions", "category"),
            box=box,
            score=score,
            area=box[:, 2] * box[:, 3],
        )


_REQUIRED = object()


def _records(value: Any, where: str) -> Sequence[Any]:
    if not isinstance(value, Sequence) or isinstance(value, str | bytes):
        raise QualityInputError("not_a_list", "{where} must be a list.", field=where, where=where)
    return value


def _column(records: Sequence[Any], key: str, where: str, default: Any = _REQUIRED) -> list[Any]:
    """One field of every record; the fast path is a comprehension, the slow one says where it failed."""
    try:
        if default is _REQUIRED:
            return [record[key] for record in records]
        return [record.get(key, default) for record in records]
    except (KeyError, TypeError, AttributeError):
        pass
    for position, record in enumerate(records):
        if not isinstance(record, Mapping):
            raise QualityInputError("not_an_object", "Each entry must be an object.", field=f"{where}[{position}]")
        if default is _REQUIRED and key not in record:
            raise QualityInputError(
                "missing_field", "The entry has no {key}.", field=f"{where}[{position}].{key}", key=key
            )
    raise QualityInputError("bad_entries", "The {where} list cannot be read.", field=where, where=where)


def _ids(values: list[Any], where: str) -> list[Any]:
    seen: set[Any] = set()
    for position, value in enumerate(values):
        if not isinstance(value, Integral) or isinstance(value, bool):
            raise QualityInputError("bad_id", "An id must be an integer.", field=f"{where}[{position}].id")
        if value in seen:
            raise QualityInputError("duplicate_id", "Id {id} appears twice.", field=f"{where}[{position}].id", id=value)
        seen.add(value)
    return values


def _references(records: Sequence[Any], key: str, rank: Mapping[Any, int], where: str, noun: str) -> IndexArray:
    """Ranks of the ids each record refers to; an unknown id names its record."""
    values = _column(records, key, where)
    try:
        ranks = [rank.get(value, -1) for value in values]
    except TypeError:  # an unhashable id
        ranks = [rank.get(value, -1) if isinstance(value, int) else -1 for value in values]
    result = np.array(ranks, dtype=np.intp)
    unknown = np.flatnonzero(result < 0)
    if unknown.size:
        position = int(unknown[0])
        raise QualityInputError(
            f"unknown_{noun}",
            "No gold {noun} has id {id!r}.",
            field=f"{where}[{position}].{key}",
            noun=noun,
            id=values[position],
        )
    return result


def _is_number(value: Any) -> bool:
    return isinstance(value, Real) and not isinstance(value, bool) and math.isfinite(value)


def _boxes(records: Sequence[Any], where: str) -> FloatArray:
    """The bboxes as an n × 4 array: four finite numbers each, width and height not negative."""
    values = _column(records, "bbox", where)
    if not values:
        return np.zeros((0, 4))
    try:
        array = np.array(values)
    except (ValueError, TypeError):
        array = np.zeros(0)
    if (
        array.dtype.kind in "iuf"
        and array.shape == (len(values), 4)
        and np.isfinite(array).all()
        and (array[:, 2:] >= 0).all()
    ):
        return array.astype(np.float64)
    for position, value in enumerate(values):
        _checked_box(value, f"{where}[{position}].bbox")
    return np.array(values, dtype=np.float64)


def _checked_box(value: Any, field: str) -> FloatArray:
    if (
        isinstance(value, str | bytes)
        or not isinstance(value, Sequence)
        or len(value) != 4
        or not all(_is_number(v) for v in value)
    ):
        raise QualityInputError("bad_bbox", "A box must be four finite numbers [x, y, w, h].", field=field)
    if value[2] < 0 or value[3] < 0:
        raise QualityInputError("negative_size", "A box cannot have a negative width or height.", field=field)
    return np.array(value, dtype=np.float64)


def _finite(values: list[Any], where: str, key: str) -> FloatArray:
    """Finite numbers as an array; a value that is not one is named by its position."""
    try:
        array = np.array(values)
    except (ValueError, TypeError):
        array = np.zeros(0)
    if array.dtype.kind in "iuf" and array.shape == (len(values),) and np.isfinite(array).all():
        return array.astype(np.float64)
    for position, value in enumerate(values):
        if value is not None and not _is_number(value):
            raise QualityInputError(
                f"bad_{key}", "The {key} must be a finite number.", field=f"{where}[{position}].{key}", key=key
            )
    return np.array(values, dtype=np.float64)


def _optional_numbers(records: Sequence[Any], key: str, where: str) -> FloatArray:
    """A numeric field that may be absent: NaN where it is."""
    values = _column(records, key, where, default=None)
    given = [position for position, value in enumerate(values) if value is not None]
    result = np.full(len(values), np.nan)
    if len(given) == len(values):
        result = _finite(values, where, key)
    elif given:
        try:
            result[given] = _finite([values[position] for position in given], where, key)
        except QualityInputError:
            _finite(values, where, key)  # raises again, naming the position in the full list
            raise
    return result


def _crowd(records: Sequence[Any], where: str) -> BoolArray:
    values = _column(records, "iscrowd", where, default=0)
    for position, value in enumerate(values):
        if value not in (0, 1) or isinstance(value, float | str):
            raise QualityInputError("bad_iscrowd", "iscrowd must be 0 or 1.", field=f"{where}[{position}].iscrowd")
    return np.array(values, dtype=bool)


# Evaluation ----------------------------------------------------------------------------------------


def iou_rows(dt: FloatArray, gt: FloatArray, crowd: BoolArray) -> FloatArray:
    """Row-wise IoU of detections and gold boxes, pycocotools' bbIou arithmetic: for a crowd gold
    box, the union is the detection's area."""
    width = np.minimum(dt[:, 2] + dt[:, 0], gt[:, 2] + gt[:, 0]) - np.maximum(dt[:, 0], gt[:, 0])
    height = np.minimum(dt[:, 3] + dt[:, 1], gt[:, 3] + gt[:, 1]) - np.maximum(dt[:, 1], gt[:, 1])
    overlap = (width > 0) & (height > 0)
    intersection = width * height
    dt_area = dt[:, 2] * dt[:, 3]
    union = np.where(crowd, dt_area, dt_area + gt[:, 2] * gt[:, 3] - intersection)
    result = np.zeros(len(dt))
    np.divide(intersection, union, out=result, where=overlap)
    return result


def _rank_in_group(groups: IndexArray) -> IndexArray:
    """Position of each element within its run of equal (sorted) group keys."""
    if not len(groups):
        return np.zeros(0, dtype=np.intp)
    first = np.r_[True, groups[1:] != groups[:-1]]
    starts = np.flatnonzero(first)
    return np.arange(len(groups)) - starts[np.cumsum(first) - 1]


def _evaluate(gold: _Gold, det: _Detections) -> CocoReport:
    images = len(gold.image_rank)
    categories = len(gold.category_names)
    low, high = AREA_RANGE

    # Detections per (category, image), best score first, ties in input order; 100 kept per group.
    order = np.lexsort((np.arange(len(det.score)), -det.score, det.image, det.category))
    group = (det.category * images + det.image)[order]
    keep = _rank_in_group(group) < MAX_DETECTIONS
    order, group = order[keep], group[keep]
    d_box, d_area, d_score, d_category = det.box[order], det.area[order], det.score[order], det.category[order]

    # Gold per (category, image), ignored boxes last, else in input order (COCOeval's mergesort).
    ignore = gold.crowd | (gold.area < low) | (gold.area > high)
    g_order = np.lexsort((np.arange(len(ignore)), ignore, gold.image, gold.category))
    g_group = (gold.category * images + gold.image)[g_order]

    matched, det_ignored = _match(group, d_box, g_group, gold.box[g_order], gold.crowd[g_order], ignore[g_order])
    det_ignored |= ~matched & ((d_area < low) | (d_area > high))

    # Per category, as COCOeval.accumulate: the category's detections, image by image, re-sorted
    # by score (stable), then the precision envelope read at the 101 recall points.
    precision = -np.ones((len(IOU_THRESHOLDS), len(RECALL_THRESHOLDS), categories))
    regular = np.bincount(gold.category[~ignore], minlength=categories)
    bounds = np.searchsorted(d_category, np.arange(categories + 1))
    for k in range(categories):
        if regular[k]:
            part = slice(bounds[k], bounds[k + 1])
            precision[:, :, k] = _precision_at_recall(d_score[part], matched[:, part], det_ignored[:, part], regular[k])

    def mean(values: FloatArray) -> float | None:
        scored = values[values > -1]
        return float(np.mean(scored)) if scored.size else None

    return CocoReport(
        ap=mean(precision),
        ap50=mean(precision[np.flatnonzero(IOU_THRESHOLDS == 0.5)]),
        ap75=mean(precision[np.flatnonzero(IOU_THRESHOLDS == 0.75)]),
        per_class={name: mean(precision[:, :, k]) for k, name in enumerate(gold.category_names)},
    )


def _match(
    d_group: IndexArray,
    d_box: FloatArray,
    g_group: IndexArray,
    g_box: FloatArray,
    g_crowd: BoolArray,
    g_ignore: BoolArray,
) -> tuple[BoolArray, BoolArray]:
    """COCOeval.evaluateImg's greedy matching for every group and threshold.

    Both sides are sorted by group (detections best first, gold ignored last). Returns, per
    threshold and detection, whether it matched and whether it matched an ignored gold box.

    For one detection COCOeval scans the gold boxes in order and keeps the best IoU at or above
    the threshold (a later equal IoU wins); a gold box already taken is skipped unless crowd; once
    a regular box is held, the scan stops at the ignored ones. So: the last maximum among the
    regular candidates, else the last maximum among the ignored ones. Detections of one group go
    one after another (they take boxes from each other); different groups are independent, so
    round r handles the r-th detection of every group together.
    """
    thresholds = len(IOU_THRESHOLDS)
    matched = np.zeros((thresholds, len(d_group)), dtype=bool)
    matched_ignored = np.zeros_like(matched)
    if not len(d_group) or not len(g_group):
        return matched, matched_ignored
    d_keys, d_start, d_count = np.unique(d_group, return_index=True, return_counts=True)
    g_keys, g_start, g_count = np.unique(g_group, return_index=True, return_counts=True)
    _, d_at, g_at = np.intersect1d(d_keys, g_keys, assume_unique=True, return_indices=True)
    if not len(d_at):
        return matched, matched_ignored

    # Every (detection, gold box) pair of the groups that have both, with its IoU.
    pairs_per_group = d_count[d_at] * g_count[g_at]
    pair_group = np.repeat(np.arange(len(d_at)), pairs_per_group)
    offset = np.arange(len(pair_group)) - np.repeat(np.cumsum(pairs_per_group) - pairs_per_group, pairs_per_group)
    width = g_count[g_at][pair_group]
    rank = offset // width
    by_round = np.argsort(rank, kind="stable")  # keeps group order and gold order within a round
    rank, pair_group = rank[by_round], pair_group[by_round]
    pair_d = (d_start[d_at][pair_group] + rank).astype(np.intp)
    pair_g = (g_start[g_at][pair_group] + (offset % width)[by_round]).astype(np.intp)
    iou = iou_rows(d_box[pair_d], g_box[pair_g], g_crowd[pair_g])

    floor = np.minimum(IOU_THRESHOLDS, 1 - 1e-10)[:, np.newaxis]
    taken = np.zeros((thresholds, len(g_group)), dtype=bool)
    rounds = np.searchsorted(rank, np.arange(int(rank[-1]) + 2))
    for start, stop in itertools.pairwise(rounds):
        gts, dts, ious = pair_g[start:stop], pair_d[start:stop], iou[start:stop]
        group = pair_group[start:stop]
        first = np.r_[True, group[1:] != group[:-1]]
        segment_start = np.flatnonzero(first)
        segment = np.cumsum(first) - 1
        ignored = g_ignore[gts]
        candidate = (~taken[:, gts] | g_crowd[gts]) & (ious >= floor)
        regular = candidate & ~ignored
        has_regular = np.logical_or.reduceat(regular, segment_start, axis=1)
        pool = np.where(has_regular[:, segment], regular, candidate)
        value = np.where(pool, ious, -1.0)
        best = np.maximum.reduceat(value, segment_start, axis=1)
        position = np.where(pool & (value == best[:, segment]), np.arange(len(gts)), -1)
        last = np.maximum.reduceat(position, segment_start, axis=1)
        threshold, hit = np.nonzero(last >= 0)
        pair = last[threshold, hit]
        matched[threshold, dts[pair]] = True
        matched_ignored[threshold, dts[pair]] = g_ignore[gts[pair]]
        taken[threshold, gts[pair]] = True
    return matched, matched_ignored


def _precision_at_recall(scores: FloatArray, matched: BoolArray, ignored: BoolArray, regular: int) -> FloatArray:
    """One category's precision at each recall threshold, for every IoU threshold (COCOeval.accumulate)."""
    order = np.argsort(-scores, kind="mergesort")
    counted = ~ignored[:, order]
    tp_sum = np.cumsum(matched[:, order] & counted, axis=1).astype(np.float64)
    fp_sum = np.cumsum(~matched[:, order] & counted, axis=1).astype(np.float64)
    recall = tp_sum / regular
    precision = tp_sum / (fp_sum + tp_sum + np.spacing(1))
    envelope = np.maximum.accumulate(precision[:, ::-1], axis=1)[:, ::-1]
    result = np.zeros((len(IOU_THRESHOLDS), len(RECALL_THRESHOLDS)))
    detections = len(scores)
    for t in range(len(IOU_THRESHOLDS)):
        at = np.searchsorted(recall[t], RECALL_THRESHOLDS, side="left")
        reached = at < detections
        result[t, reached] = envelope[t, at[reached]]
    return result
