"""Label-quality scoring for delivery acceptance (DESIGN §5): pure Python and numpy, no Django.

Public API (everything else is internal):

- `classification_report(gold, pred)`, `cohen_kappa(a, b, weights=None)`: one label per item;
- `fleiss_kappa(table)`, `krippendorff_alpha(data, level="nominal")`: several annotators;
- `box_iou(a, b)`, `coco_ap(gold_coco, pred_coco)`: boxes, COCO evaluation rules;
- `span_prf(gold_spans, pred_spans)`: strict entity spans;
- `sampling_plan(lot_size, aql)`, `draw_sample(item_ids, n, seed)`: GB/T 2828.1 acceptance sampling;
- `classification_defects`, `box_defects`, `span_defects`: which sampled items are defects;
- `marketplace.quality.formats`: streaming parsers of delivery files into the inputs above.

Every function validates its input and raises `QualityInputError` on nonsense.
"""

from marketplace.quality.agreement import agreement_from_annotations, fleiss_kappa, krippendorff_alpha
from marketplace.quality.boxes import CocoReport, box_iou, box_sets_to_coco, coco_ap
from marketplace.quality.classification import ClassificationReport, ClassScore, classification_report, cohen_kappa
from marketplace.quality.defects import box_defects, classification_defects, span_defects
from marketplace.quality.errors import QualityInputError
from marketplace.quality.sampling import SamplingPlan, draw_sample, sampling_plan
from marketplace.quality.spans import SpanReport, span_prf

__all__ = [
    "ClassScore",
    "ClassificationReport",
    "CocoReport",
    "QualityInputError",
    "SamplingPlan",
    "SpanReport",
    "agreement_from_annotations",
    "box_defects",
    "box_iou",
    "box_sets_to_coco",
    "classification_defects",
    "classification_report",
    "coco_ap",
    "cohen_kappa",
    "draw_sample",
    "fleiss_kappa",
    "krippendorff_alpha",
    "sampling_plan",
    "span_defects",
    "span_prf",
]
