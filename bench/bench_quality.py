"""The scoring measures of issue 6 (DESIGN §10), on generated data, without the database:

- `classification_report` on 1,000,000 labels (target under 3 s), dict handling included;
- `coco_ap` on 100,000 gold boxes and 100,000 vendor boxes (no score) over 5,000 images and ten
  classes, against pycocotools' COCOeval on the same boxes in the same run (target: no slower).
  Ours is timed from the COCO dicts to the report, validation included; pycocotools only for
  evaluate + accumulate + summarize, with the loading (COCO index, loadRes) left out of its time.
  Ours is the median of three runs; pycocotools runs once (15 to 20 s), and must give the same AP.

    .venv/bin/python -m bench.bench_quality
"""

from __future__ import annotations

import contextlib
import copy
import io
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from bench.harness import Result, best_of, report
from marketplace.quality import classification_report, coco_ap

LABELS = 1_000_000
CLASSES = 20
IMAGES = 5_000
BOXES_PER_IMAGE = 20
CATEGORIES = 10
REPEATS = 3


def _labels(rng: np.random.Generator) -> tuple[dict[str, str], dict[str, str]]:
    """Gold labels and a vendor's: 85 % right, 1 % missing."""
    names = [f"class-{k}" for k in range(CLASSES)]
    true = rng.integers(0, CLASSES, LABELS)
    guessed = np.where(rng.random(LABELS) < 0.85, true, rng.integers(0, CLASSES, LABELS))
    delivered = rng.random(LABELS) >= 0.01
    gold = {f"item-{i:07d}": names[k] for i, k in enumerate(true.tolist())}
    pred = {
        f"item-{i:07d}": names[k]
        for i, (k, keep) in enumerate(zip(guessed.tolist(), delivered.tolist(), strict=True))
        if keep
    }
    return gold, pred


def _boxes(rng: np.random.Generator) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Gold boxes (1 % crowd) and the vendor's: each gold box jittered, 10 % relabelled, no score."""
    count = IMAGES * BOXES_PER_IMAGE
    image = np.repeat(np.arange(1, IMAGES + 1), BOXES_PER_IMAGE)
    corner = rng.uniform(0, 600, (count, 2))
    size = rng.uniform(8, 120, (count, 2))
    category = rng.integers(1, CATEGORIES + 1, count)
    crowd = rng.random(count) < 0.01
    gold = {
        "images": [{"id": i, "width": 800, "height": 800, "file_name": f"{i}.jpg"} for i in range(1, IMAGES + 1)],
        "categories": [{"id": c, "name": f"class-{c}"} for c in range(1, CATEGORIES + 1)],
        "annotations": [
            {
                "id": i + 1,
                "image_id": int(image[i]),
                "category_id": int(category[i]),
                "bbox": [*corner[i].tolist(), *size[i].tolist()],
                "area": float(size[i, 0] * size[i, 1]),
                "iscrowd": int(crowd[i]),
            }
            for i in range(count)
        ],
    }
    jitter = rng.normal(0, 6, (count, 4))
    delivered_category = np.where(rng.random(count) < 0.9, category, rng.integers(1, CATEGORIES + 1, count))
    boxes = np.column_stack([corner + jitter[:, :2], np.maximum(size + jitter[:, 2:], 0)])
    predictions = [
        {"image_id": int(image[i]), "category_id": int(delivered_category[i]), "bbox": boxes[i].tolist()}
        for i in range(count)
    ]
    return gold, predictions


def _seconds(work: Callable[[], object]) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def _pycocotools_seconds(gold: dict[str, Any], predictions: list[dict[str, Any]]) -> tuple[float, float]:
    """One COCOeval run (evaluate + accumulate + summarize timed) and its AP, for a check."""
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

    with contextlib.redirect_stdout(io.StringIO()):
        ground_truth = COCO()
        ground_truth.dataset = copy.deepcopy(gold)
        ground_truth.createIndex()
        detections = ground_truth.loadRes([{**p, "bbox": list(p["bbox"]), "score": 1.0} for p in predictions])
        evaluation = COCOeval(ground_truth, detections, "bbox")
        started = time.perf_counter()
        evaluation.evaluate()
        evaluation.accumulate()
        evaluation.summarize()
        elapsed = time.perf_counter() - started
    return elapsed, float(evaluation.stats[0])


def _classification_seconds(rng: np.random.Generator) -> float:
    gold, pred = _labels(rng)
    return best_of(REPEATS, lambda: _seconds(lambda: classification_report(gold, pred)))


def run() -> list[Result]:
    rng = np.random.default_rng(2024)
    labels_seconds = _classification_seconds(rng)
    gold, predictions = _boxes(rng)
    ours = best_of(REPEATS, lambda: _seconds(lambda: coco_ap(gold, predictions)))
    ap = coco_ap(gold, predictions).ap
    theirs, reference_ap = _pycocotools_seconds(gold, predictions)  # one run: it takes 15 to 20 s
    if ap is None or abs(ap - reference_ap) > 1e-9:
        raise RuntimeError(f"coco_ap gives AP {ap}, pycocotools {reference_ap}")
    boxes = f"{IMAGES * BOXES_PER_IMAGE:,} gold + {len(predictions):,} vendor boxes, {IMAGES:,} images"
    return [
        Result(f"classification_report, {LABELS:,} labels", labels_seconds, "s", "target < 3 s"),
        Result(f"coco_ap, {boxes}", ours, "s", f"AP {ap:.4f}, validation included"),
        Result("  pycocotools COCOeval, same boxes", theirs, "s", "evaluate + accumulate + summarize, one run"),
        Result("  pycocotools / coco_ap", theirs / ours, "ratio", "target >= 1"),
    ]


if __name__ == "__main__":
    report(run())
