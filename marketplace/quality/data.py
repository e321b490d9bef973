"""What the format parsers produce and the metrics consume: one labelled data set of one kind.

Items are identified by strings the buyer and the vendor share (a CSV `item_id`, a COCO image's
`file_name`, a Label Studio task's `data.item_id` or else its `id`, a CoNLL sentence's `# id =`
comment or else its 1-based position); labels are names, never format-specific numeric ids.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Box:
    """An axis-aligned box in pixels: top-left corner, width, height. Crowd regions (COCO
    `iscrowd`) are only meaningful in a gold set, where they are ignored as COCO does."""

    label: str
    x: float
    y: float
    w: float
    h: float
    crowd: bool = False


@dataclass(slots=True)
class ClassificationSet:
    """One label per item. When a file names several annotators per item, `labels` holds each
    item's consensus (the most frequent label; a tie goes to the label given first) and
    `annotations` every annotator's label, for the agreement metrics."""

    labels: dict[str, str] = field(default_factory=dict)
    annotations: dict[str, dict[str, str]] = field(default_factory=dict)


@dataclass(slots=True)
class BoxSet:
    """Images with their size (width, height) and boxes; an image without boxes maps to []."""

    sizes: dict[str, tuple[int, int]] = field(default_factory=dict)
    boxes: dict[str, list[Box]] = field(default_factory=dict)


@dataclass(slots=True)
class SpanSet:
    """Texts with their length (characters for Label Studio, tokens for CoNLL) and entity spans
    `(item, start, end, label)`, end exclusive."""

    lengths: dict[str, int] = field(default_factory=dict)
    spans: list[tuple[str, int, int, str]] = field(default_factory=list)


LabelledSet = ClassificationSet | BoxSet | SpanSet
