"""Classification scores (marketplace.quality.classification) against scikit-learn, the reference."""

from __future__ import annotations

import time
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import accuracy_score, cohen_kappa_score, precision_recall_fscore_support

from marketplace.quality import QualityInputError, classification_report, cohen_kappa

MISSING = "\x00missing"  # stands for "no prediction": not a label, so outside `labels`
TOLERANCE = 1e-9


def assert_matches_sklearn(gold: dict[str, str], pred: dict[str, str]) -> None:
    report = classification_report(gold, pred)
    y_true = list(gold.values())
    y_pred = [pred.get(item, MISSING) for item in gold]
    labels = sorted(set(y_true) | {label for label in y_pred if label != MISSING})
    assert list(report.classes) == labels
    precision, recall, f1, support = precision_recall_fscore_support(
        y_true, y_pred, labels=labels, average=None, zero_division=0
    )
    for index, label in enumerate(labels):
        score = report.classes[label]
        assert score.precision == pytest.approx(precision[index], abs=TOLERANCE)
        assert score.recall == pytest.approx(recall[index], abs=TOLERANCE)
        assert score.f1 == pytest.approx(f1[index], abs=TOLERANCE)
        assert score.support == support[index]
    for average in ("macro", "micro"):
        p, r, f, _ = precision_recall_fscore_support(y_true, y_pred, labels=labels, average=average, zero_division=0)
        assert getattr(report, f"{average}_precision") == pytest.approx(p, abs=TOLERANCE)
        assert getattr(report, f"{average}_recall") == pytest.approx(r, abs=TOLERANCE)
        assert getattr(report, f"{average}_f1") == pytest.approx(f, abs=TOLERANCE)
    assert report.accuracy == pytest.approx(accuracy_score(y_true, y_pred), abs=TOLERANCE)
    assert report.items == len(gold)
    assert report.correct == sum(1 for item, label in gold.items() if pred.get(item) == label)


def random_labelling(seed: int, items: int, classes: int, error: float, missing: float) -> tuple[dict, dict]:
    rng = np.random.default_rng(seed)
    names = [f"class-{k}" for k in range(classes)]
    true = rng.integers(0, classes, items)
    guessed = np.where(rng.random(items) < error, rng.integers(0, classes + 2, items), true)  # 2 unseen classes
    gold = {f"item-{i}": names[true[i]] for i in range(items)}
    pred = {f"item-{i}": f"class-{guessed[i]}" for i in range(items) if rng.random() >= missing}
    pred.update({f"stray-{i}": "class-0" for i in range(5)})  # outside the gold set: ignored
    return gold, pred


@pytest.mark.parametrize(
    ("seed", "items", "classes", "error", "missing"),
    [(1, 500, 3, 0.3, 0.0), (2, 2_000, 12, 0.5, 0.1), (3, 100, 40, 0.9, 0.3), (4, 5_000, 2, 0.1, 0.02)],
)
def test_classification_report_matches_sklearn_on_random_labels(seed, items, classes, error, missing):
    gold, pred = random_labelling(seed, items, classes, error, missing)
    assert_matches_sklearn(gold, pred)


@settings(max_examples=150, deadline=None)
@given(
    st.dictionaries(
        st.text("abcdef", min_size=1, max_size=3),
        st.tuples(st.sampled_from("ABCD"), st.sampled_from(["A", "B", "C", "D", "E", None])),
        min_size=1,
        max_size=25,
    )
)
def test_classification_report_matches_sklearn_on_any_small_labelling(pairs):
    gold = {item: truth for item, (truth, _) in pairs.items()}
    pred = {item: guess for item, (_, guess) in pairs.items() if guess is not None}
    assert_matches_sklearn(gold, pred)


@pytest.mark.parametrize(
    ("gold", "pred"),
    [
        pytest.param({"a": "cat", "b": "cat"}, {"a": "cat", "b": "cat"}, id="single class, all right"),
        pytest.param({"a": "cat", "b": "cat"}, {"a": "dog", "b": "dog"}, id="single gold class, all wrong"),
        pytest.param({"a": "cat", "b": "dog"}, {}, id="empty prediction"),
        pytest.param({"a": "cat", "b": "dog", "c": "eel"}, {"a": "dog", "b": "eel", "c": "cat"}, id="all wrong"),
        pytest.param({"a": "cat", "b": "dog"}, {"a": "cat", "x": "dog"}, id="missing and stray items"),
    ],
)
def test_classification_report_edge_cases_match_sklearn(gold, pred):
    assert_matches_sklearn(gold, pred)


def test_missing_items_count_as_wrong_and_lower_only_recall():
    report = classification_report({"a": "cat", "b": "cat", "c": "dog", "d": "dog"}, {"a": "cat", "c": "dog"})
    assert (report.items, report.correct, report.accuracy) == (4, 2, 0.5)
    assert report.classes["cat"].precision == 1.0
    assert report.classes["cat"].recall == 0.5
    assert report.micro_precision == 1.0
    assert report.micro_recall == 0.5


def test_empty_prediction_scores_zero_everywhere():
    report = classification_report({"a": "cat", "b": "dog"}, {})
    assert report.accuracy == 0.0
    assert report.macro_f1 == 0.0
    assert report.micro_precision == 0.0
    assert report.classes["cat"].support == 1


def test_report_as_dict_is_plain_json():
    report = classification_report({"a": "cat", "b": "dog"}, {"a": "cat", "b": "cat"})
    data = report.as_dict()
    assert data["classes"]["cat"] == {"precision": 0.5, "recall": 1.0, "f1": pytest.approx(2 / 3), "support": 1}
    assert data["accuracy"] == 0.5
    assert all(type(value) in (int, float, dict) for value in data.values())


def test_classification_report_on_a_million_labels_is_fast():
    gold, pred = random_labelling(5, 1_000_000, 20, 0.2, 0.01)
    started = time.perf_counter()
    report = classification_report(gold, pred)
    elapsed = time.perf_counter() - started
    assert report.items == 1_000_000
    assert elapsed < 3.0


def test_classification_report_refuses_an_empty_gold_set():
    with pytest.raises(QualityInputError) as raised:
        classification_report({}, {"a": "cat"})
    assert raised.value.code == "empty_gold"


@pytest.mark.parametrize(
    ("gold", "pred"),
    [({"a": 3}, {"a": "cat"}), ({"a": ""}, {"a": "cat"}), ({"a": "cat"}, {"a": 7})],
    ids=["number in gold", "empty gold label", "number in prediction"],
)
def test_classification_report_refuses_labels_that_are_not_strings(gold, pred):
    with pytest.raises(QualityInputError) as raised:
        classification_report(gold, pred)
    assert raised.value.code == "bad_label"


# Cohen's kappa ------------------------------------------------------------------------------------


def sklearn_kappa(a: dict, b: dict, weights, labels=None) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return cohen_kappa_score(list(a.values()), [b[item] for item in a], weights=weights, labels=labels)


@pytest.mark.parametrize("weights", [None, "linear", "quadratic"])
@pytest.mark.parametrize("seed", range(6))
def test_cohen_kappa_matches_sklearn(weights, seed):
    rng = np.random.default_rng(seed)
    classes = int(rng.integers(2, 8))
    items = int(rng.integers(5, 400))
    first = rng.integers(0, classes, items)
    second = np.where(rng.random(items) < rng.random(), first, rng.integers(0, classes, items))
    a = {f"i{i}": f"L{first[i]}" for i in range(items)}
    b = {f"i{i}": f"L{second[i]}" for i in range(items)}
    assert cohen_kappa(a, b, weights) == pytest.approx(sklearn_kappa(a, b, weights), abs=TOLERANCE)
    order = [f"L{k}" for k in rng.permutation(classes + 1)]  # an explicit order, with an unused label
    assert cohen_kappa(a, b, weights, labels=order) == pytest.approx(
        sklearn_kappa(a, b, weights, labels=order), abs=TOLERANCE
    )


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from("ABC"), st.sampled_from("ABC")), min_size=1, max_size=20),
    st.sampled_from([None, "linear", "quadratic"]),
)
def test_cohen_kappa_matches_sklearn_or_is_none_where_sklearn_is_nan(pairs, weights):
    a = {str(i): first for i, (first, _) in enumerate(pairs)}
    b = {str(i): second for i, (_, second) in enumerate(pairs)}
    expected = sklearn_kappa(a, b, weights)
    if np.isnan(expected):
        assert cohen_kappa(a, b, weights) is None
    else:
        assert cohen_kappa(a, b, weights) == pytest.approx(expected, abs=TOLERANCE)


def test_cohen_kappa_is_none_when_both_use_one_label_only():
    assert cohen_kappa({"a": "x", "b": "x"}, {"a": "x", "b": "x"}) is None
    assert np.isnan(sklearn_kappa({"a": "x", "b": "x"}, {"a": "x", "b": "x"}, None))


def test_cohen_kappa_is_one_for_identical_labellings_and_uses_the_label_order_for_weights():
    a = {"1": "low", "2": "mid", "3": "high", "4": "high"}
    assert cohen_kappa(a, a) == 1.0
    b = {"1": "mid", "2": "mid", "3": "high", "4": "high"}
    ordered = cohen_kappa(a, b, "linear", labels=["low", "mid", "high"])
    alphabetical = cohen_kappa(a, b, "linear")
    assert ordered == pytest.approx(sklearn_kappa(a, b, "linear", labels=["low", "mid", "high"]), abs=TOLERANCE)
    assert ordered != pytest.approx(alphabetical)


@pytest.mark.parametrize(
    ("a", "b", "kwargs", "code"),
    [
        ({"1": "x", "2": "y"}, {"1": "x"}, {}, "missing_item"),
        ({"1": "x"}, {"1": "x", "2": "y"}, {}, "missing_item"),
        ({}, {}, {}, "empty_labelling"),
        ({"1": "x"}, {"1": "y"}, {"weights": "cubic"}, "unknown_weights"),
        ({"1": "x"}, {"1": "y"}, {"labels": ["x"]}, "unknown_label"),
        ({"1": "x"}, {"1": "y"}, {"labels": ["x", "y", "x"]}, "duplicate_label"),
        ({"1": "x"}, {"1": 2}, {}, "bad_label"),
    ],
)
def test_cohen_kappa_refuses_bad_input(a, b, kwargs, code):
    with pytest.raises(QualityInputError) as raised:
        cohen_kappa(a, b, **kwargs)
    assert raised.value.code == code


def test_cohen_kappa_names_the_missing_item():
    with pytest.raises(QualityInputError, match="Item 2 has no label in the second labelling"):
        cohen_kappa({"1": "x", "2": "y"}, {"1": "x"})
