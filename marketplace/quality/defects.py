"""Which sampled items are defects, for GB/T 2828.1 acceptance sampling (DESIGN §5).

Each function returns only the defective items, item → what is wrong. The portal shows the
vendor the "delivered" side of a defect, never the gold one; the counts of missed boxes and the
missed spans are for the buyer's report.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from marketplace.quality.boxes import iou_rows
from marketplace.quality.data import Box, BoxSet, SpanSet
from marketplace.quality.errors import QualityInputError
from marketplace.quality.spans import Span, checked_spans


def classification_defects(
    gold: Mapping[str, str], pred: Mapping[str, str], items: Iterable[str]
) -> dict[str, dict[str, Any]]:
    """item → {"expected", "delivered"} for each sampled item whose delivered label differs from
    the gold one; an item the delivery lacks is a defect with "delivered": None."""
    defects: dict[str, dict[str, Any]] = {}
    for item in items:
        if item not in gold:
            raise QualityInputError("unknown_item", "Sampled item {item} is not in the gold set.", item=item)
        delivered = pred.get(item)
        if delivered != gold[item]:
            defects[item] = {"expected": gold[item], "delivered": delivered}
    return defects


def box_defects(
    gold: BoxSet, pred: BoxSet, items: Iterable[str], iou_threshold: float = 0.5
) -> dict[str, dict[str, Any]]:
    """item → {"missed", "extra", "delivered"} (box counts) for each sampled item whose boxes do
    not all match.

    Within one label, delivered and gold boxes are paired one to one, highest IoU first (ties: the
    earlier delivered box, then the earlier gold box), a pair needing IoU >= `iou_threshold`. A
    delivered box left over is not extra when it lies on a gold crowd region of its label
    (intersection over the delivered box's area >= the threshold, as COCO): a crowd region takes any
    number of boxes and is never missed. The item is a defect when a regular gold box is missed or a
    delivered box is extra.
    """
    if not 0 < iou_threshold <= 1:
        raise QualityInputError(
            "bad_threshold", "The IoU threshold must be in (0, 1], not {value}.", value=iou_threshold
        )
    defects: dict[str, dict[str, Any]] = {}
    for item in items:
        if item not in gold.sizes:
            raise QualityInputError("unknown_item", "Sampled item {item} is not in the gold set.", item=item)
        expected = gold.boxes.get(item, [])
        delivered = pred.boxes.get(item, [])
        for box in (*expected, *delivered):
            _check_box(box, item)
        missed = extra = 0
        for label in {box.label for box in expected} | {box.label for box in delivered}:
            regular = [box for box in expected if box.label == label and not box.crowd]
            crowd = [box for box in expected if box.label == label and box.crowd]
            mine = [box for box in delivered if box.label == label]
            unmatched_gold, unmatched_pred = _greedy_match(regular, mine, iou_threshold)
            missed += len(unmatched_gold)
            if crowd and unmatched_pred:
                on_crowd = (_iou_matrix(unmatched_pred, crowd, crowd=True) >= iou_threshold).any(axis=1)
                covered = set(np.flatnonzero(on_crowd).tolist())
                unmatched_pred = [box for index, box in enumerate(unmatched_pred) if index not in covered]
            extra += len(unmatched_pred)
        if missed or extra:
            defects[item] = {"missed": missed, "extra": extra, "delivered": len(delivered)}
    return defects


def span_defects(gold: SpanSet, pred: SpanSet, items: Iterable[str]) -> dict[str, dict[str, Any]]:
    """item → {"missed": [[start, end, label], …], "extra": […]} for each sampled item whose spans
    differ from the gold ones (strictly: any offset or label differs)."""
    expected = _by_item(checked_spans(gold.spans, "gold.spans"))
    delivered = _by_item(checked_spans(pred.spans, "pred.spans"))
    defects: dict[str, dict[str, Any]] = {}
    for item in items:
        if item not in gold.lengths and item not in expected:
            raise QualityInputError("unknown_item", "Sampled item {item} is not in the gold set.", item=item)
        want, got = expected.get(item, set()), delivered.get(item, set())
        if want != got:
            defects[item] = {
                "missed": [[start, end, label] for start, end, label in sorted(want - got)],
                "extra": [[start, end, label] for start, end, label in sorted(got - want)],
            }
    return defects


def _by_item(spans: set[Span]) -> dict[str, set[tuple[int, int, str]]]:
    grouped: dict[str, set[tuple[int, int, str]]] = defaultdict(set)
    for item, start, end, label in spans:
        grouped[item].add((start, end, label))
    return grouped


def _iou_matrix(pred: list[Box], gold: list[Box], *, crowd: bool) -> np.ndarray:
    """IoU of every delivered box (rows) with every gold box (columns)."""
    p = np.array([(box.x, box.y, box.w, box.h) for box in pred], dtype=np.float64).reshape(-1, 4)
    g = np.array([(box.x, box.y, box.w, box.h) for box in gold], dtype=np.float64).reshape(-1, 4)
    rows = np.repeat(np.arange(len(p)), len(g))
    columns = np.tile(np.arange(len(g)), len(p))
    flags = np.full(len(rows), crowd)
    return iou_rows(p[rows], g[columns], flags).reshape(len(p), len(g))


def _greedy_match(gold: list[Box], pred: list[Box], threshold: float) -> tuple[list[Box], list[Box]]:
    """One-to-one pairs by descending IoU; returns the gold and delivered boxes left unpaired."""
    if not gold or not pred:
        return gold, pred
    ious = _iou_matrix(pred, gold, crowd=False)
    rows, columns = np.nonzero(ious >= threshold)
    order = np.lexsort((columns, rows, -ious[rows, columns]))
    used_pred: set[int] = set()
    used_gold: set[int] = set()
    for pair in order:
        p, g = int(rows[pair]), int(columns[pair])
        if p not in used_pred and g not in used_gold:
            used_pred.add(p)
            used_gold.add(g)
    return (
        [box for index, box in enumerate(gold) if index not in used_gold],
        [box for index, box in enumerate(pred) if index not in used_pred],
    )


def _check_box(box: Box, item: str) -> None:
    values = (box.x, box.y, box.w, box.h)
    if not all(isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) for v in values):
        raise QualityInputError(
            "bad_bbox", "A {label} box of item {item} is not four finite numbers.", item=item, label=box.label
        )
    if box.w < 0 or box.h < 0:
        raise QualityInputError(
            "negative_size", "A {label} box of item {item} has a negative width or height.", item=item, label=box.label
        )
