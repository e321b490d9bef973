"""How an acceptance report reads, for the report page and its PDF alike: the metrics as titled
tables of text and the defects as rows of text. One place, so that the page and the PDF never say
different things (and neither shows a gold label on the supplier's side: that is decided by
`marketplace.selectors.defects_for_side`, whose rows these only format)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from marketplace.models import AcceptanceKind

NOTHING = "—"


@dataclass(frozen=True)
class MetricTable:
    """A titled table; every column after the first holds numbers."""

    key: str
    title: str
    header: list[str]
    rows: list[list[str]]


def number(value: Any, digits: int = 4) -> str:
    """A score with four decimals, a count as it is, and a dash for a figure that has no value."""
    if value is None:
        return NOTHING
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def metric_tables(metrics: Mapping[str, Any]) -> list[MetricTable]:
    """The metrics of `selectors.metrics_for_side`, section by section, in the order a reader wants
    them. Per-label support (the gold set's label counts) is shown where that selector left it."""
    tables: list[MetricTable] = []
    measure, value = pgettext("acceptance metrics", "Measure"), pgettext("acceptance metrics", "Value")
    classification = metrics.get("classification")
    if isinstance(classification, Mapping):
        rows = [
            [_("Items scored"), number(classification.get("items"))],
            [_("Correctly labelled"), number(classification.get("correct"))],
            [_("Accuracy"), number(classification.get("accuracy"))],
            [_("Macro precision"), number(classification.get("macro_precision"))],
            [_("Macro recall"), number(classification.get("macro_recall"))],
            [_("Macro F1"), number(classification.get("macro_f1"))],
            [_("Micro precision"), number(classification.get("micro_precision"))],
            [_("Micro recall"), number(classification.get("micro_recall"))],
            [_("Micro F1"), number(classification.get("micro_f1"))],
        ]
        kappa = metrics.get("kappa")
        if isinstance(kappa, Mapping):
            rows += [
                [_("Cohen's kappa"), number(kappa.get("unweighted"))],
                [_("Cohen's kappa, linear weights"), number(kappa.get("linear"))],
                [_("Cohen's kappa, quadratic weights"), number(kappa.get("quadratic"))],
            ]
        tables.append(MetricTable("classification", _("Classification"), [measure, value], rows))
        classes = classification.get("classes") or {}
        tables.append(
            MetricTable(
                "classes",
                _("Per label"),
                _label_header(classes),
                [_label_scores(label, score) for label, score in classes.items()],
            )
        )
    agreement = metrics.get("agreement")
    if isinstance(agreement, Mapping):
        tables.append(
            MetricTable(
                "agreement",
                _("Agreement between annotators"),
                [measure, value],
                [
                    [_("Annotators"), number(agreement.get("annotators"))],
                    [_("Items"), number(agreement.get("items"))],
                    [_("Krippendorff's alpha (nominal)"), number(agreement.get("krippendorff_alpha"))],
                    [_("Fleiss' kappa"), number(agreement.get("fleiss_kappa"))],
                    [_("Items in Fleiss' kappa"), number(agreement.get("fleiss_items"))],
                ],
            )
        )
    boxes = metrics.get("boxes")
    if isinstance(boxes, Mapping):
        tables.append(
            MetricTable(
                "boxes",
                _("Object detection (COCO rules)"),
                [measure, value],
                [
                    [_("AP at IoU .50:.05:.95"), number(boxes.get("ap"))],
                    [_("AP at IoU .50"), number(boxes.get("ap50"))],
                    [_("AP at IoU .75"), number(boxes.get("ap75"))],
                ],
            )
        )
        tables.append(
            MetricTable(
                "box-classes",
                _("AP per label"),
                [_("Label"), _("AP")],
                [[str(label), number(ap)] for label, ap in (boxes.get("per_class") or {}).items()],
            )
        )
    entities = metrics.get("entities")
    if isinstance(entities, Mapping):
        tables.append(
            MetricTable(
                "entities",
                _("Named entities (strict spans)"),
                [measure, value],
                [
                    [_("Precision"), number(entities.get("precision"))],
                    [_("Recall"), number(entities.get("recall"))],
                    [_("F1"), number(entities.get("f1"))],
                    [_("Gold spans"), number(entities.get("gold"))],
                    [_("Delivered spans"), number(entities.get("predicted"))],
                    [_("Correct spans"), number(entities.get("correct"))],
                ],
            )
        )
        per_label = entities.get("per_label") or {}
        if isinstance(per_label, Mapping) and per_label:
            tables.append(
                MetricTable(
                    "entity-labels",
                    _("Per label"),
                    _label_header(per_label),
                    [_label_scores(label, score) for label, score in per_label.items()],
                )
            )
    coverage = metrics.get("coverage")
    if isinstance(coverage, Mapping):
        tables.append(
            MetricTable(
                "coverage",
                _("Coverage"),
                [measure, value],
                [
                    [_("Items in the gold set"), number(coverage.get("gold_items"))],
                    [_("Items delivered"), number(coverage.get("delivered_items"))],
                    [_("Gold items delivered"), number(coverage.get("gold_items_delivered"))],
                ],
            )
        )
    return tables


def _has_support(scores: Mapping[str, Any]) -> bool:
    return any(isinstance(score, Mapping) and "support" in score for score in scores.values())


def _label_header(scores: Mapping[str, Any]) -> list[str]:
    header = [_("Label"), _("Precision"), _("Recall"), _("F1")]
    return [*header, _("Support")] if _has_support(scores) else header


def _label_scores(label: str, score: Mapping[str, Any]) -> list[str]:
    cells = [str(label), number(score.get("precision")), number(score.get("recall")), number(score.get("f1"))]
    return [*cells, number(score["support"])] if "support" in score else cells


@dataclass(frozen=True)
class DefectTable:
    """The sample's defects for one side: a header and rows of text (the item first)."""

    header: list[str]
    rows: list[list[str]]


def defect_table(defects: Sequence[Mapping[str, Any]], *, kind: str, gold_side: bool) -> DefectTable:
    """`selectors.defects_for_side` rows as text, with the columns the annotation type has. The gold
    column and the missed spans come only with the rows of the gold side: the selector has already
    dropped them for the supplier, and this never adds them back."""
    item = _("Item")
    if kind == AcceptanceKind.CLASSIFICATION:
        header = [item, _("Delivered label")] + ([_("Gold label")] if gold_side else [])
        rows = [
            [str(row["item"]), label_text(row.get("delivered"))]
            + ([label_text(row.get("expected"))] if gold_side else [])
            for row in defects
        ]
    elif kind == AcceptanceKind.BOXES:
        header = [item, _("Boxes delivered"), _("Gold boxes missed"), _("Boxes in excess")]
        rows = [
            [str(row["item"]), number(row.get("delivered")), number(row.get("missed")), number(row.get("extra"))]
            for row in defects
        ]
    else:
        header = [item, _("Spans in excess (delivered)"), _("Gold spans missed")]
        rows = [[str(row["item"]), spans_text(row.get("extra")), spans_text(row.get("missed"))] for row in defects]
    return DefectTable(header, rows)


def label_text(value: Any) -> str:
    return _("(not delivered)") if value is None else str(value)


def spans_text(value: Any) -> str:
    """Spans `[start, end, label]` as "label [start, end)"; a count (the supplier's missed spans) as is."""
    if value is None:
        return NOTHING
    if isinstance(value, int):
        return str(value)
    if not value:
        return NOTHING
    return "; ".join(f"{label} [{start}, {end})" for start, end, label in value)
