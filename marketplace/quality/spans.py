"""Entity spans: strict precision / recall / F1.

A predicted span counts only when item, start, end and label are all exactly a gold span's. The
figures are seqeval's in strict IOB2 mode (micro averages overall, the same per label, zero where
a denominator is zero), but computed on spans directly, so overlapping spans, which IOB2 tags
cannot express, are scored too.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

from marketplace.quality.classification import ClassScore
from marketplace.quality.errors import QualityInputError

Span = tuple[str, int, int, str]


@dataclass(frozen=True, slots=True)
class SpanReport:
    """Strict span scores: overall (micro) and per label; `support` is the label's gold spans."""

    precision: float
    recall: float
    f1: float
    gold: int
    predicted: int
    correct: int
    per_label: dict[str, ClassScore]

    def as_dict(self) -> dict[str, Any]:
        """Plain dicts, ints and floats: ready for JSON."""
        return asdict(self)


def span_prf(gold_spans: Iterable[Span], pred_spans: Iterable[Span]) -> SpanReport:
    """Score predicted spans `(item, start, end, label)` (end exclusive) against the gold ones."""
    gold = checked_spans(gold_spans, "gold_spans")
    pred = checked_spans(pred_spans, "pred_spans")
    correct = gold & pred
    gold_by_label = Counter(span[3] for span in gold)
    pred_by_label = Counter(span[3] for span in pred)
    correct_by_label = Counter(span[3] for span in correct)
    per_label = {}
    for label in sorted(gold_by_label.keys() | pred_by_label.keys()):
        precision, recall, f1 = _prf(correct_by_label[label], pred_by_label[label], gold_by_label[label])
        per_label[label] = ClassScore(precision=precision, recall=recall, f1=f1, support=gold_by_label[label])
    precision, recall, f1 = _prf(len(correct), len(pred), len(gold))
    return SpanReport(
        precision=precision,
        recall=recall,
        f1=f1,
        gold=len(gold),
        predicted=len(pred),
        correct=len(correct),
        per_label=per_label,
    )


def checked_spans(spans: Iterable[Span], where: str) -> set[Span]:
    """The spans as a set, each checked: a string item and label, 0 <= start < end, no duplicates."""
    result: set[Span] = set()
    for position, span in enumerate(spans):
        field = f"{where}[{position}]"
        if not isinstance(span, tuple | list) or len(span) != 4:
            raise QualityInputError("bad_span", "A span must be (item, start, end, label).", field=field)
        item, start, end, label = span
        if not isinstance(item, str) or not isinstance(label, str) or not label:
            raise QualityInputError("bad_span", "A span's item and label must be strings.", field=field)
        if not _is_index(start) or not _is_index(end):
            raise QualityInputError("bad_span", "A span's start and end must be integers.", field=field)
        if start < 0 or start >= end:
            raise QualityInputError(
                "bad_offsets",
                "A span needs 0 <= start < end, not {start}..{end}.",
                field=field,
                start=start,
                end=end,
            )
        key = (item, start, end, label)
        if key in result:
            raise QualityInputError(
                "duplicate_span",
                "The span {label} {start}..{end} of item {item} is given twice.",
                field=field,
                item=item,
                start=start,
                end=end,
                label=label,
            )
        result.add(key)
    return result


def _is_index(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _prf(correct: int, predicted: int, gold: int) -> tuple[float, float, float]:
    """seqeval's arithmetic: 0 for an empty denominator, F1 = 2·p·r / (p + r)."""
    precision = correct / predicted if predicted else 0.0
    recall = correct / gold if gold else 0.0
    denominator = precision + recall
    f1 = 2.0 * precision * recall / denominator if denominator else 0.0
    return precision, recall, f1
