"""Agreement measures (marketplace.quality.agreement) against statsmodels and krippendorff."""

from __future__ import annotations

import krippendorff
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from statsmodels.stats.inter_rater import fleiss_kappa as statsmodels_fleiss

from marketplace.quality import QualityInputError, agreement_from_annotations, fleiss_kappa, krippendorff_alpha

TOLERANCE = 1e-9


def reference_alpha(data: list[list]) -> float:
    """krippendorff's alpha on labels mapped to integers, None to NaN."""
    codes: dict = {}
    matrix = [[np.nan if value is None else codes.setdefault(value, len(codes)) for value in row] for row in data]
    return krippendorff.alpha(reliability_data=np.array(matrix, dtype=float), level_of_measurement="nominal")


def random_table(rng: np.random.Generator, items: int, categories: int, raters: int) -> list[list[int]]:
    bias = rng.dirichlet(np.ones(categories))
    rows = []
    for _ in range(items):
        favourite = rng.choice(categories, p=bias)
        votes = np.where(rng.random(raters) < 0.6, favourite, rng.integers(0, categories, raters))
        rows.append(np.bincount(votes, minlength=categories).tolist())
    return rows


@pytest.mark.parametrize("seed", range(8))
def test_fleiss_kappa_matches_statsmodels(seed):
    rng = np.random.default_rng(seed)
    table = random_table(rng, int(rng.integers(2, 300)), int(rng.integers(2, 7)), int(rng.integers(2, 9)))
    assert fleiss_kappa(table) == pytest.approx(statsmodels_fleiss(table, method="fleiss"), abs=TOLERANCE)


@settings(max_examples=100, deadline=None)
@given(st.integers(2, 5), st.integers(2, 4), st.data())
def test_fleiss_kappa_matches_statsmodels_or_is_none_where_it_is_nan(raters, categories, data):
    rows = data.draw(
        st.lists(
            st.lists(st.integers(0, categories - 1), min_size=raters, max_size=raters).map(
                lambda votes: np.bincount(votes, minlength=categories).tolist()
            ),
            min_size=1,
            max_size=12,
        )
    )
    with np.errstate(all="ignore"):
        expected = statsmodels_fleiss(rows, method="fleiss")
    if np.isnan(expected):
        assert fleiss_kappa(rows) is None
    else:
        assert fleiss_kappa(rows) == pytest.approx(expected, abs=TOLERANCE)


def test_fleiss_kappa_edge_cases():
    assert fleiss_kappa([[3, 0], [0, 3], [3, 0]]) == pytest.approx(1.0)  # perfect agreement
    assert fleiss_kappa([[3, 0], [3, 0]]) is None  # one category throughout: undefined
    assert fleiss_kappa([[1, 0], [0, 1]]) is None  # one rating per item: undefined
    assert fleiss_kappa([[1, 1], [1, 1]]) == pytest.approx(statsmodels_fleiss([[1, 1], [1, 1]]), abs=TOLERANCE)


@pytest.mark.parametrize(
    ("table", "code"),
    [
        ([], "bad_table"),
        ([[]], "bad_table"),
        ([[1, 2], [3]], "ragged_table"),
        ([[1, -1], [0, 0]], "negative_count"),
        ([[1, 2], [2, 2]], "uneven_ratings"),
        ([[0, 0], [0, 0]], "uneven_ratings"),
        ([[1.5, 0.5], [1, 1]], "bad_count"),
        ([["a", "b"]], "bad_count"),
    ],
)
def test_fleiss_kappa_refuses_bad_tables(table, code):
    with pytest.raises(QualityInputError) as raised:
        fleiss_kappa(table)
    assert raised.value.code == code


def test_fleiss_kappa_names_the_uneven_row():
    with pytest.raises(QualityInputError) as raised:
        fleiss_kappa([[2, 0], [1, 1], [3, 0]])
    assert raised.value.field == "table[2]"


def test_krippendorff_alpha_matches_the_packages_own_example():
    data = [
        [None, None, None, None, None, 3, 4, 1, 2, 1, 1, 3, 3, None, 3],
        [1, None, 2, 1, 3, 3, 4, 3, None, None, None, None, None, None, None],
        [None, None, 2, 1, 3, 4, 4, None, 2, 1, 1, 3, 3, None, 4],
    ]
    assert krippendorff_alpha(data) == pytest.approx(0.691358, abs=1e-6)
    assert krippendorff_alpha(data) == pytest.approx(reference_alpha(data), abs=TOLERANCE)


@pytest.mark.parametrize("seed", range(8))
def test_krippendorff_alpha_matches_krippendorff_with_missing_values(seed):
    rng = np.random.default_rng(seed)
    coders, items, values = int(rng.integers(2, 7)), int(rng.integers(3, 200)), int(rng.integers(2, 6))
    truth = rng.integers(0, values, items)
    data = [
        [
            None if rng.random() < 0.3 else f"label-{truth[i] if rng.random() < 0.7 else rng.integers(0, values)}"
            for i in range(items)
        ]
        for _ in range(coders)
    ]
    assert krippendorff_alpha(data) == pytest.approx(reference_alpha(data), abs=TOLERANCE)


@settings(max_examples=100, deadline=None)
@given(st.integers(2, 4), st.integers(1, 10), st.data())
def test_krippendorff_alpha_matches_or_is_none_where_krippendorff_cannot_say(coders, items, data):
    matrix = [
        data.draw(st.lists(st.sampled_from(["a", "b", "c", None]), min_size=items, max_size=items))
        for _ in range(coders)
    ]
    try:
        with np.errstate(all="ignore"):
            expected = reference_alpha(matrix)
    except ValueError:  # fewer than two values, or no item labelled twice
        expected = np.nan
    if np.isnan(expected):
        assert krippendorff_alpha(matrix) is None
    else:
        assert krippendorff_alpha(matrix) == pytest.approx(expected, abs=TOLERANCE)


def test_krippendorff_alpha_edge_cases():
    assert krippendorff_alpha([["a", "b"], ["a", "b"]]) == pytest.approx(1.0)
    assert krippendorff_alpha([["a", "a"], ["a", "a"]]) is None  # one value: undefined
    assert krippendorff_alpha([["a", None], [None, "b"]]) is None  # no item labelled twice
    # Only "a" is ever paired ("b" is alone on its item): no expected disagreement.
    assert krippendorff_alpha([["a", "b"], ["a", None]]) is None
    # Any hashable label works; items with a single label add nothing.
    assert krippendorff_alpha([[1, 2, 3], [1, 2, None]]) == pytest.approx(
        krippendorff_alpha([[1, 2], [1, 2]]), abs=TOLERANCE
    )


@pytest.mark.parametrize(
    ("data", "level", "code"),
    [
        ([["a", "b"]], "interval", "unsupported_level"),
        ([], "nominal", "empty_data"),
        ([[]], "nominal", "empty_data"),
        ([["a", "b"], ["a"]], "nominal", "ragged_data"),
        ([[["a"], "b"], ["a", "b"]], "nominal", "bad_value"),
    ],
)
def test_krippendorff_alpha_refuses_bad_input(data, level, code):
    with pytest.raises(QualityInputError) as raised:
        krippendorff_alpha(data, level=level)
    assert raised.value.code == code


def test_agreement_from_annotations_matches_both_references():
    rng = np.random.default_rng(11)
    annotators = ["ann", "bob", "cy", "dee"]
    annotations: dict[str, dict[str, str]] = {}
    for i in range(300):
        truth = rng.choice(["cat", "dog", "eel"])
        raters = rng.choice(annotators, size=3 if i % 5 else int(rng.integers(1, 5)), replace=False)
        annotations[f"item-{i}"] = {
            str(rater): str(truth if rng.random() < 0.75 else rng.choice(["cat", "dog", "eel"])) for rater in raters
        }
    result = agreement_from_annotations(annotations)

    matrix = [[annotations[item].get(annotator) for item in annotations] for annotator in annotators]
    assert result["krippendorff_alpha"] == pytest.approx(reference_alpha(matrix), abs=TOLERANCE)
    labels = ["cat", "dog", "eel"]
    table = [
        [list(votes.values()).count(label) for label in labels] for votes in annotations.values() if len(votes) == 3
    ]
    assert result["fleiss_kappa"] == pytest.approx(statsmodels_fleiss(table, method="fleiss"), abs=TOLERANCE)
    assert result["annotators"] == 4
    assert result["items"] == 300
    assert result["fleiss_items"] == len(table)
    assert len(table) > 240


def test_agreement_from_annotations_without_pairs_is_none():
    result = agreement_from_annotations({"a": {"ann": "cat"}, "b": {"bob": "dog"}})
    assert result["krippendorff_alpha"] is None
    assert result["fleiss_kappa"] is None
    assert result["fleiss_items"] == 0


@pytest.mark.parametrize(
    ("annotations", "code"),
    [({}, "empty_annotations"), ({"a": {"ann": ""}}, "bad_label"), ({"a": ["cat"]}, "bad_annotations")],
)
def test_agreement_from_annotations_refuses_bad_input(annotations, code):
    with pytest.raises(QualityInputError) as raised:
        agreement_from_annotations(annotations)
    assert raised.value.code == code
