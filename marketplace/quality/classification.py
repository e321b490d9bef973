"""One label per item: accuracy, per-class and averaged precision / recall / F1, Cohen's kappa.

The numbers are scikit-learn's (`precision_recall_fscore_support(..., zero_division=0)`,
`accuracy_score`, `cohen_kappa_score`), computed from mappings item → label. Labels are turned
into integer codes once and counted with `np.bincount`, so a million items take a fraction of a
second; the tests compare every figure with scikit-learn.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from marketplace.quality.errors import QualityInputError

Weights = Literal["linear", "quadratic"] | None


@dataclass(frozen=True, slots=True)
class ClassScore:
    """Precision, recall and F1 of one label; `support` is how many gold items carry it."""

    precision: float
    recall: float
    f1: float
    support: int


@dataclass(frozen=True, slots=True)
class ClassificationReport:
    """The delivery's labels scored against the gold labels (the gold items are the ones scored)."""

    items: int
    correct: int
    accuracy: float
    classes: dict[str, ClassScore]
    macro_precision: float
    macro_recall: float
    macro_f1: float
    micro_precision: float
    micro_recall: float
    micro_f1: float

    def as_dict(self) -> dict[str, Any]:
        """Plain dicts, ints and floats: ready for JSON."""
        return asdict(self)


def classification_report(gold: Mapping[str, str], pred: Mapping[str, str]) -> ClassificationReport:
    """Score `pred` against `gold` (both item id → label).

    Only gold items are scored: a prediction for an item outside the gold set is ignored, and a
    gold item without a prediction (or predicted as None) counts as wrong, predicted as no class.
    The classes are the gold labels and the labels predicted for gold items, sorted. A division by
    zero gives 0.0 (a class never predicted has precision 0), as scikit-learn with zero_division=0.
    Micro recall therefore equals accuracy, while micro precision leaves out the missing items.
    """
    if not gold:
        raise QualityInputError("empty_gold", "The gold set has no items to score.")
    true_labels = list(gold.values())
    pred_labels = list(map(pred.get, gold))
    gold_classes = set(true_labels)
    pred_classes = {label for label in set(pred_labels) if label is not None}  # None: missing, not a class
    _check_labels(gold_classes, "gold")
    _check_labels(pred_classes, "pred")
    classes = sorted(gold_classes | pred_classes)
    count = len(classes)
    codes: dict[str | None, int] = {label: code for code, label in enumerate(classes)}
    codes[None] = count  # the "no class" of a missing prediction, outside the scored classes
    true = _encode(true_labels, codes)
    predicted = _encode(pred_labels, codes)

    hit = true == predicted
    tp = np.bincount(true[hit], minlength=count)
    true_sum = np.bincount(true, minlength=count)
    pred_sum = np.bincount(predicted, minlength=count + 1)[:count]
    precision = _divide(tp, pred_sum)
    recall = _divide(tp, true_sum)
    f1 = _divide(2.0 * tp, true_sum + pred_sum)

    items = len(true_labels)
    correct = int(tp.sum())
    micro_predicted = int(pred_sum.sum())
    return ClassificationReport(
        items=items,
        correct=correct,
        accuracy=correct / items,
        classes={
            label: ClassScore(
                precision=float(precision[code]),
                recall=float(recall[code]),
                f1=float(f1[code]),
                support=int(true_sum[code]),
            )
            for code, label in enumerate(classes)
        },
        macro_precision=float(precision.mean()),
        macro_recall=float(recall.mean()),
        macro_f1=float(f1.mean()),
        micro_precision=correct / micro_predicted if micro_predicted else 0.0,
        micro_recall=correct / items,
        micro_f1=2.0 * correct / (items + micro_predicted),
    )


def cohen_kappa(
    a: Mapping[str, str],
    b: Mapping[str, str],
    weights: Weights = None,
    labels: Sequence[str] | None = None,
) -> float | None:
    """Cohen's kappa of two labellings of the same items (item id → label).

    `weights` "linear" or "quadratic" weigh a disagreement by the distance of the two labels in
    `labels` (default: the labels used, sorted), which then must list every label used. Returns
    None when kappa is undefined: both labellings use one and the same label throughout.
    """
    if weights not in (None, "linear", "quadratic"):
        raise QualityInputError(
            "unknown_weights", "Kappa weights must be none, linear or quadratic, not {weights!r}.", weights=weights
        )
    if a.keys() != b.keys():
        only_a = a.keys() - b.keys()
        item, side = (min(only_a), "second") if only_a else (min(b.keys() - a.keys()), "first")
        raise QualityInputError(
            "missing_item", "Item {item} has no label in the {side} labelling.", item=item, side=side
        )
    if not a:
        raise QualityInputError("empty_labelling", "Kappa needs at least one labelled item.")
    first = list(a.values())
    second = list(map(b.__getitem__, a))
    used = set(first) | set(second)
    _check_labels(used, "labelling")
    if labels is None:
        order = sorted(used)
    else:
        order = list(labels)
        if len(set(order)) != len(order):
            raise QualityInputError("duplicate_label", "The label order names a label twice.")
        unknown = used - set(order)
        if unknown:
            raise QualityInputError(
                "unknown_label", "Label {label!r} is not in the label set.", label=min(unknown, key=str)
            )
    count = len(order)
    codes: dict[str | None, int] = {label: code for code, label in enumerate(order)}
    confusion = (
        np.bincount(_encode(first, codes) * count + _encode(second, codes), minlength=count * count)
        .reshape(count, count)
        .astype(np.float64)
    )
    # The arithmetic below is scikit-learn's, step by step, so the results agree to the last bit.
    sum0 = confusion.sum(axis=0)
    sum1 = confusion.sum(axis=1)
    expected = np.outer(sum0, sum1) / sum0.sum()
    if weights is None:
        w_mat = np.ones((count, count))
        np.fill_diagonal(w_mat, 0)
    else:
        w_mat = np.zeros((count, count))
        w_mat += np.arange(count)
        w_mat = np.abs(w_mat - w_mat.T) if weights == "linear" else (w_mat - w_mat.T) ** 2
    denominator = float(np.sum(w_mat * expected))
    if denominator == 0:
        return None
    return 1 - float(np.sum(w_mat * confusion)) / denominator


def _check_labels(labels: Iterable[object], side: str) -> None:
    """Labels are non-empty strings (checked on the distinct labels only, which are few)."""
    for label in labels:
        if not isinstance(label, str) or not label:
            raise QualityInputError(
                "bad_label", "A {side} label must be a non-empty string, not {label!r}.", side=side, label=label
            )


def _encode(labels: list[Any], codes: Mapping[Any, int]) -> npt.NDArray[np.intp]:
    return np.fromiter(map(codes.__getitem__, labels), dtype=np.intp, count=len(labels))


def _divide(numerator: npt.NDArray[Any], denominator: npt.NDArray[Any]) -> npt.NDArray[np.float64]:
    """Element-wise quotient, 0.0 where the denominator is 0."""
    result = np.zeros(len(numerator))
    np.divide(numerator, denominator, out=result, where=denominator != 0)
    return result
