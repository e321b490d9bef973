"""Agreement of several annotators on the same items: Fleiss' kappa and Krippendorff's alpha (nominal).

Fleiss' kappa is statsmodels' `fleiss_kappa(table, method="fleiss")`; Krippendorff's alpha is the
`krippendorff` package's `alpha(..., level_of_measurement="nominal")`. Both are computed here from
per-item label counts with numpy, and the tests compare them with those references.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from marketplace.quality.errors import QualityInputError


def fleiss_kappa(table: Sequence[Sequence[int]]) -> float | None:
    """Fleiss' kappa of an items × categories table of rating counts.

    Every item must have the same positive number of ratings. Returns None when kappa is
    undefined: one rating per item, or every rating in one category.
    """
    try:
        counts = np.asarray(table)
    except ValueError as error:  # numpy refuses ragged nested sequences
        raise QualityInputError("ragged_table", "Every row of the table needs one count per category.") from error
    if counts.ndim != 2 or counts.shape[0] == 0 or counts.shape[1] == 0:
        raise QualityInputError(
            "bad_table", "The table must be a non-empty list of rows, one count per category in each."
        )
    if counts.dtype.kind not in "iu":
        raise QualityInputError("bad_count", "Rating counts must be whole numbers.")
    negative = np.flatnonzero((counts < 0).any(axis=1))
    if negative.size:
        row = int(negative[0])
        raise QualityInputError("negative_count", "Row {row} has a negative count.", field=f"table[{row}]", row=row)
    ratings = counts.sum(axis=1)
    uneven = np.flatnonzero(ratings != ratings[0])
    if uneven.size or ratings[0] == 0:
        row = int(uneven[0]) if uneven.size else 0
        raise QualityInputError(
            "uneven_ratings",
            "Every item needs the same positive number of ratings; row {row} has {count}, row 0 has {first}.",
            field=f"table[{row}]",
            row=row,
            count=int(ratings[row]),
            first=int(ratings[0]),
        )
    return _fleiss(counts.astype(np.float64))


def krippendorff_alpha(data: Sequence[Sequence[Hashable | None]], level: str = "nominal") -> float | None:
    """Krippendorff's alpha of a coders × items matrix of labels, None marking a missing label.

    Only the nominal level is supported (labels are names, not quantities). An item labelled by
    fewer than two coders cannot be paired and adds nothing. Returns None when alpha is undefined:
    no item has two labels, or every paired label is the same one.
    """
    if level != "nominal":
        raise QualityInputError(
            "unsupported_level", "Only the nominal level of measurement is supported, not {level!r}.", level=level
        )
    rows = [list(row) for row in data]
    if not rows or not rows[0]:
        raise QualityInputError("empty_data", "Alpha needs at least one coder and one item.")
    width = len(rows[0])
    for coder, row in enumerate(rows):
        if len(row) != width:
            raise QualityInputError(
                "ragged_data",
                "Coder {coder} has {count} values where coder 0 has {width}: one value per item is needed.",
                field=f"data[{coder}]",
                coder=coder,
                count=len(row),
                width=width,
            )
    codes: dict[Any, int] = {}
    items: list[int] = []
    values: list[int] = []
    for coder, row in enumerate(rows):
        for item, value in enumerate(row):
            if value is None:
                continue
            try:
                code = codes.setdefault(value, len(codes))
            except TypeError as error:
                raise QualityInputError(
                    "bad_value", "A label must be hashable.", field=f"data[{coder}][{item}]"
                ) from error
            items.append(item)
            values.append(code)
    return _alpha(_value_counts(np.array(items, dtype=np.intp), np.array(values, dtype=np.intp), width, len(codes)))


def agreement_from_annotations(annotations: Mapping[str, Mapping[str, str]]) -> dict[str, Any]:
    """Both agreement measures of a `ClassificationSet.annotations` (item → annotator → label).

    Krippendorff's alpha uses every item (missing labels are allowed). Fleiss' kappa needs the same
    number of ratings per item, so it uses only the items with the modal number of ratings among
    items rated at least twice (a tie goes to the larger number); `fleiss_items` says how many.
    """
    if not annotations:
        raise QualityInputError("empty_annotations", "There are no annotations to compare.")
    codes: dict[str, int] = {}
    annotators: set[str] = set()
    items: list[int] = []
    values: list[int] = []
    for position, (item, votes) in enumerate(annotations.items()):
        if not isinstance(votes, Mapping):
            raise QualityInputError(
                "bad_annotations", "Item {item} needs a mapping of annotator to label.", field=str(item), item=item
            )
        for annotator, label in votes.items():
            if not isinstance(label, str) or not label:
                raise QualityInputError(
                    "bad_label",
                    "Annotator {annotator} gave item {item} the label {label!r}; a non-empty string is needed.",
                    annotator=annotator,
                    item=item,
                    label=label,
                )
            annotators.add(annotator)
            items.append(position)
            values.append(codes.setdefault(label, len(codes)))
    counts = _value_counts(
        np.array(items, dtype=np.intp), np.array(values, dtype=np.intp), len(annotations), len(codes)
    )
    ratings = counts.sum(axis=1)
    rated = Counter(int(r) for r in ratings if r >= 2)
    modal = max(rated, key=lambda r: (rated[r], r)) if rated else 0
    fleiss_rows = counts[ratings == modal] if modal else counts[:0]
    return {
        "annotators": len(annotators),
        "items": len(annotations),
        "krippendorff_alpha": _alpha(counts),
        "fleiss_kappa": _fleiss(fleiss_rows.astype(np.float64)) if len(fleiss_rows) else None,
        "fleiss_items": len(fleiss_rows),
    }


def _value_counts(
    items: npt.NDArray[np.intp], values: npt.NDArray[np.intp], item_count: int, value_count: int
) -> npt.NDArray[np.int64]:
    """Items × values table: how many coders gave each item each value."""
    flat = np.bincount(items * value_count + values, minlength=item_count * value_count)
    return flat.reshape(item_count, value_count).astype(np.int64)


def _fleiss(table: npt.NDArray[np.float64]) -> float | None:
    """statsmodels' arithmetic, with None where it would divide by zero."""
    n_total = table.sum()
    n_rat = table.sum(axis=1).max()
    if n_rat < 2:
        return None
    p_cat = table.sum(axis=0) / n_total
    p_rat = ((table * table).sum(axis=1) - n_rat) / (n_rat * (n_rat - 1.0))
    p_mean = p_rat.mean()
    p_mean_exp = (p_cat * p_cat).sum()
    if p_mean_exp == 1:
        return None
    return float((p_mean - p_mean_exp) / (1 - p_mean_exp))


def _alpha(value_counts: npt.NDArray[np.int64]) -> float | None:
    """Nominal alpha from the items × values table: 1 - observed / expected disagreement."""
    per_item = value_counts.sum(axis=1)
    pairable = per_item >= 2
    if value_counts.shape[1] < 2 or not pairable.any():
        return None
    counts = value_counts[pairable].astype(np.float64)
    weighted = counts / (per_item[pairable] - 1)[:, np.newaxis]
    # Coincidences: each item's ordered pairs of values from different coders, weighted 1/(m - 1).
    observed = weighted.T @ counts - np.diag(weighted.sum(axis=0))
    n_v = observed.sum(axis=0)
    expected = (np.outer(n_v, n_v) - np.diag(n_v)) / (n_v.sum() - 1)
    disagree = 1 - np.eye(len(n_v))
    expected_disagreement = float((expected * disagree).sum())
    if expected_disagreement == 0:
        return None
    return 1 - float((observed * disagree).sum()) / expected_disagreement
