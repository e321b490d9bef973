"""One delivery judged against a gold set: the metrics, the GB/T 2828.1 sample and its defects, and
the decision the sample gives (DESIGN §5).

The metrics describe the whole gold set; the decision follows the sample alone, as acceptance
sampling prescribes: at most Ac defects accept the lot. A sampled item is a defect when its
delivered label differs from the gold one (a missing item included), when any box fails to match
at IoU 0.5, or when any entity span differs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from marketplace.quality.agreement import agreement_from_annotations
from marketplace.quality.boxes import box_sets_to_coco, coco_ap
from marketplace.quality.classification import classification_report, cohen_kappa
from marketplace.quality.data import BoxSet, ClassificationSet, LabelledSet, SpanSet
from marketplace.quality.defects import box_defects, classification_defects, span_defects
from marketplace.quality.errors import QualityInputError
from marketplace.quality.sampling import draw_sample
from marketplace.quality.spans import span_prf

ACCEPTED = "accepted"
REJECTED = "rejected"
DEFECT_IOU = 0.5


@dataclass(frozen=True, slots=True)
class Assessment:
    metrics: dict[str, Any]
    sample: list[str]
    defects: dict[str, dict[str, Any]]
    decision: str


def items_of(labelled: LabelledSet) -> list[str]:
    """The item ids of a labelled set, sorted (the order the sample is drawn from)."""
    if isinstance(labelled, ClassificationSet):
        return sorted(labelled.labels)
    if isinstance(labelled, BoxSet):
        return sorted(labelled.sizes)
    return sorted(labelled.lengths)


def assess(
    *,
    gold: LabelledSet,
    delivered: LabelledSet,
    sample_size: int,
    accept_number: int,
    seed: bytes,
    labels: Sequence[str],
) -> Assessment:
    """Judge `delivered` against `gold` (both of the same kind). `labels` orders the label set for
    the weighted kappas."""
    gold_items = items_of(gold)
    delivered_items = set(items_of(delivered))
    sample = draw_sample(gold_items, min(sample_size, len(gold_items)), seed)
    coverage = {
        "gold_items": len(gold_items),
        "delivered_items": len(delivered_items),
        "gold_items_delivered": sum(1 for item in gold_items if item in delivered_items),
    }
    metrics: dict[str, Any] = {"coverage": coverage}
    if isinstance(gold, ClassificationSet) and isinstance(delivered, ClassificationSet):
        metrics.update(_classification_metrics(gold, delivered, labels))
        defects = classification_defects(gold.labels, delivered.labels, sample)
    elif isinstance(gold, BoxSet) and isinstance(delivered, BoxSet):
        metrics["boxes"] = _box_metrics(gold, delivered)
        defects = box_defects(gold, delivered, sample, iou_threshold=DEFECT_IOU)
    elif isinstance(gold, SpanSet) and isinstance(delivered, SpanSet):
        scored = set(gold.lengths)
        metrics["entities"] = span_prf(gold.spans, [s for s in delivered.spans if s[0] in scored]).as_dict()
        defects = span_defects(gold, delivered, sample)
    else:
        raise QualityInputError("kind_mismatch", "The gold set and the delivery are of different kinds.")
    decision = ACCEPTED if len(defects) <= accept_number else REJECTED
    return Assessment(metrics=metrics, sample=sample, defects=defects, decision=decision)


def _classification_metrics(
    gold: ClassificationSet, delivered: ClassificationSet, labels: Sequence[str]
) -> dict[str, Any]:
    metrics: dict[str, Any] = {"classification": classification_report(gold.labels, delivered.labels).as_dict()}
    # Kappa compares two complete labellings: over the gold items the vendor labelled.
    common = {item: label for item, label in gold.labels.items() if item in delivered.labels}
    if common:
        answered = {item: delivered.labels[item] for item in common}
        order = list(dict.fromkeys([*labels, *sorted(set(common.values()) | set(answered.values()))]))
        metrics["kappa"] = {
            "unweighted": cohen_kappa(common, answered, labels=order),
            "linear": cohen_kappa(common, answered, weights="linear", labels=order),
            "quadratic": cohen_kappa(common, answered, weights="quadratic", labels=order),
        }
    if len({annotator for votes in delivered.annotations.values() for annotator in votes}) > 1:
        metrics["agreement"] = agreement_from_annotations(delivered.annotations)
    return metrics


def _box_metrics(gold: BoxSet, delivered: BoxSet) -> dict[str, Any]:
    # COCO scores detections on the gold images only.
    scored = BoxSet(
        sizes={item: size for item, size in delivered.sizes.items() if item in gold.sizes},
        boxes={item: boxes for item, boxes in delivered.boxes.items() if item in gold.sizes},
    )
    gold_coco, predictions = box_sets_to_coco(gold, scored)
    return coco_ap(gold_coco, predictions).as_dict()
