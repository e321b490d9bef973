"""Strict span scores (marketplace.quality.spans) against seqeval in strict IOB2 mode."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from seqeval.metrics import classification_report, f1_score, precision_score, recall_score
from seqeval.scheme import IOB2

from marketplace.quality import QualityInputError, span_prf

TOLERANCE = 1e-9
Span = tuple[str, int, int, str]


def iob2(spans: list[Span], lengths: dict[str, int]) -> list[list[str]]:
    """One tag sequence per item (in `lengths` order); the spans must not overlap."""
    sequences = []
    for item, length in lengths.items():
        tags = ["O"] * length
        for span_item, start, end, label in spans:
            if span_item == item:
                assert all(tag == "O" for tag in tags[start:end]), "IOB2 cannot hold overlapping spans"
                tags[start] = f"B-{label}"
                tags[start + 1 : end] = [f"I-{label}"] * (end - start - 1)
        sequences.append(tags)
    return sequences


def assert_matches_seqeval(gold: list[Span], pred: list[Span], lengths: dict[str, int]) -> None:
    y_true, y_pred = iob2(gold, lengths), iob2(pred, lengths)
    options = {"mode": "strict", "scheme": IOB2}
    report = span_prf(gold, pred)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # seqeval warns about empty denominators (and answers 0)
        assert report.precision == pytest.approx(precision_score(y_true, y_pred, **options), abs=TOLERANCE)
        assert report.recall == pytest.approx(recall_score(y_true, y_pred, **options), abs=TOLERANCE)
        assert report.f1 == pytest.approx(f1_score(y_true, y_pred, **options), abs=TOLERANCE)
        per_label = classification_report(y_true, y_pred, output_dict=True, **options)
    expected_labels = sorted(key for key in per_label if not key.endswith(" avg"))
    assert list(report.per_label) == expected_labels
    for label in expected_labels:
        score, theirs = report.per_label[label], per_label[label]
        assert score.precision == pytest.approx(theirs["precision"], abs=TOLERANCE)
        assert score.recall == pytest.approx(theirs["recall"], abs=TOLERANCE)
        assert score.f1 == pytest.approx(theirs["f1-score"], abs=TOLERANCE)
        assert score.support == theirs["support"]


def random_spans(rng: np.random.Generator, lengths: dict[str, int], labels: list[str], density: float) -> list[Span]:
    """Non-overlapping spans: walk each text and sometimes open an entity."""
    spans = []
    for item, length in lengths.items():
        position = 0
        while position < length:
            if rng.random() < density:
                end = min(length, position + int(rng.integers(1, 4)))
                spans.append((item, position, end, str(rng.choice(labels))))
                position = end
            else:
                position += 1
    return spans


def perturbed(rng: np.random.Generator, spans: list[Span], lengths: dict[str, int], labels: list[str]) -> list[Span]:
    """A vendor's version: some spans dropped, relabelled or cut short; some false ones added where free."""
    result = []
    for item, start, end, label in spans:
        draw = rng.random()
        if draw < 0.15:
            continue
        if draw < 0.3:
            label = str(rng.choice(labels))
        elif draw < 0.4 and end - start > 1:
            end -= 1
        result.append((item, start, end, label))
    taken = {(item, i) for item, start, end, _ in result for i in range(start, end)}
    for item, length in lengths.items():
        for position in range(length):
            if (item, position) not in taken and rng.random() < 0.02:
                result.append((item, position, position + 1, str(rng.choice(labels))))
                taken.add((item, position))
    return result


@pytest.mark.parametrize("seed", range(10))
def test_span_prf_matches_seqeval_on_random_documents(seed):
    rng = np.random.default_rng(seed)
    labels = ["PER", "ORG", "LOC", "MISC"][: int(rng.integers(1, 5))]
    lengths = {f"sentence-{i}": int(rng.integers(1, 30)) for i in range(int(rng.integers(1, 60)))}
    gold = random_spans(rng, lengths, labels, density=0.2)
    assert_matches_seqeval(gold, perturbed(rng, gold, lengths, labels), lengths)


@pytest.mark.parametrize(
    ("gold", "pred"),
    [
        pytest.param([("s", 0, 2, "PER")], [("s", 0, 2, "PER")], id="single label, all right"),
        pytest.param([("s", 0, 2, "PER"), ("s", 3, 4, "ORG")], [], id="empty prediction"),
        pytest.param([], [("s", 0, 1, "PER")], id="empty gold"),
        pytest.param([("s", 0, 2, "PER")], [("s", 0, 1, "PER"), ("s", 1, 2, "PER")], id="split span is all wrong"),
        pytest.param([("s", 0, 2, "PER")], [("s", 0, 2, "ORG")], id="wrong label is all wrong"),
        pytest.param([("s", 0, 1, "A"), ("s", 1, 2, "A")], [("s", 0, 2, "A")], id="merged adjacent spans"),
        pytest.param([("s", 0, 1, "A"), ("t", 0, 1, "A")], [("t", 0, 1, "A"), ("s", 0, 1, "A")], id="item order"),
    ],
)
def test_span_prf_edge_cases_match_seqeval(gold, pred):
    assert_matches_seqeval(gold, pred, {"s": 4, "t": 2})


def test_overlapping_spans_are_scored_as_sets():
    gold = [("s", 0, 5, "ORG"), ("s", 0, 2, "PER"), ("s", 3, 5, "LOC"), ("t", 0, 3, "ORG")]
    pred = [("s", 0, 5, "ORG"), ("s", 1, 2, "PER"), ("s", 3, 5, "LOC"), ("s", 2, 4, "LOC")]
    report = span_prf(gold, pred)
    assert (report.gold, report.predicted, report.correct) == (4, 4, 2)
    assert report.precision == 0.5
    assert report.recall == 0.5
    assert report.f1 == 0.5
    assert report.per_label["LOC"].precision == 0.5
    assert report.per_label["LOC"].recall == 1.0
    assert report.per_label["LOC"].f1 == pytest.approx(2 / 3, abs=TOLERANCE)
    assert report.per_label["ORG"].support == 2
    assert report.per_label["PER"].f1 == 0.0


@pytest.mark.parametrize("seed", range(5))
def test_overlapping_random_spans_match_a_direct_set_computation(seed):
    rng = np.random.default_rng(seed)
    labels = ["A", "B", "C"]

    def spans(count: int) -> set[Span]:
        found = set()
        for _ in range(count):
            start = int(rng.integers(0, 15))
            found.add((f"doc-{rng.integers(0, 4)}", start, start + int(rng.integers(1, 6)), str(rng.choice(labels))))
        return found

    gold, pred = spans(60), spans(60)
    report = span_prf(sorted(gold), sorted(pred))
    correct = gold & pred
    assert report.precision == pytest.approx(len(correct) / len(pred), abs=TOLERANCE)
    assert report.recall == pytest.approx(len(correct) / len(gold), abs=TOLERANCE)
    for label in labels:
        mine = {s for s in pred if s[3] == label}
        theirs = {s for s in gold if s[3] == label}
        p = len(mine & theirs) / len(mine) if mine else 0.0
        r = len(mine & theirs) / len(theirs) if theirs else 0.0
        assert report.per_label[label].precision == pytest.approx(p, abs=TOLERANCE)
        assert report.per_label[label].recall == pytest.approx(r, abs=TOLERANCE)
        assert report.per_label[label].f1 == pytest.approx(2 * p * r / (p + r) if p + r else 0.0, abs=TOLERANCE)


def test_span_report_as_dict_is_plain_json():
    data = span_prf([("s", 0, 2, "PER")], [("s", 0, 2, "PER"), ("s", 3, 4, "ORG")]).as_dict()
    assert data["precision"] == 0.5
    assert data["per_label"]["ORG"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 0}
    assert data["per_label"]["PER"]["f1"] == 1.0


@pytest.mark.parametrize(
    ("span", "code"),
    [
        (("s", 2, 2, "PER"), "bad_offsets"),
        (("s", 3, 2, "PER"), "bad_offsets"),
        (("s", -1, 2, "PER"), "bad_offsets"),
        (("s", 0, 2.0, "PER"), "bad_span"),
        (("s", False, 2, "PER"), "bad_span"),
        (("s", 0, 2, ""), "bad_span"),
        ((1, 0, 2, "PER"), "bad_span"),
        (("s", 0, 2), "bad_span"),
        ("s 0 2 PER", "bad_span"),
        (("s", 5, 6, "ORG"), "duplicate_span"),
    ],
)
def test_span_prf_refuses_bad_spans_and_names_them(span, code):
    with pytest.raises(QualityInputError) as raised:
        span_prf([("s", 0, 2, "PER")], [("s", 5, 6, "ORG"), span])
    assert raised.value.code == code
    assert raised.value.field == "pred_spans[1]"
