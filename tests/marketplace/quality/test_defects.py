"""Defects of sampled items (marketplace.quality.defects): labels, boxes at IoU 0.5, entity spans."""

from __future__ import annotations

import pytest

from marketplace.quality import QualityInputError, box_defects, classification_defects, span_defects
from marketplace.quality.data import Box, BoxSet, SpanSet

# Classification -----------------------------------------------------------------------------------


def test_classification_defects_are_the_sampled_items_labelled_differently_or_not_at_all():
    gold = {"a": "cat", "b": "dog", "c": "eel", "d": "cat"}
    pred = {"a": "cat", "b": "cat", "d": "cat", "x": "dog"}
    defects = classification_defects(gold, pred, ["a", "b", "c"])
    assert defects == {"b": {"expected": "dog", "delivered": "cat"}, "c": {"expected": "eel", "delivered": None}}


def test_classification_defects_refuse_an_item_outside_the_gold_set():
    with pytest.raises(QualityInputError) as raised:
        classification_defects({"a": "cat"}, {"x": "cat"}, ["x"])
    assert raised.value.code == "unknown_item"


# Boxes --------------------------------------------------------------------------------------------


def boxes(gold: list[Box], pred: list[Box]) -> dict:
    return box_defects(BoxSet(sizes={"img": (100, 100)}, boxes={"img": gold}), BoxSet(boxes={"img": pred}), ["img"])


def test_boxes_that_all_match_are_no_defect():
    gold = [Box("car", 0, 0, 10, 10), Box("car", 20, 20, 10, 10), Box("bus", 50, 50, 30, 30)]
    pred = [Box("bus", 52, 50, 30, 30), Box("car", 21, 20, 10, 10), Box("car", 0, 1, 10, 10)]
    assert boxes(gold, pred) == {}


def test_a_box_moved_below_iou_half_is_missed_and_extra():
    # [0,0,10,10] against [5,0,10,10]: IoU 1/3.
    assert boxes([Box("car", 0, 0, 10, 10)], [Box("car", 5, 0, 10, 10)]) == {
        "img": {"missed": 1, "extra": 1, "delivered": 1}
    }


def test_iou_of_exactly_the_threshold_matches():
    # [0,0,10,10] against [0,0,10,5]: IoU 0.5 exactly.
    assert boxes([Box("car", 0, 0, 10, 10)], [Box("car", 0, 0, 10, 5)]) == {}


def test_a_box_with_the_wrong_label_is_missed_and_extra():
    assert boxes([Box("car", 0, 0, 10, 10)], [Box("bus", 0, 0, 10, 10)]) == {
        "img": {"missed": 1, "extra": 1, "delivered": 1}
    }


def test_matching_is_one_to_one_by_descending_iou():
    """Two gold boxes side by side; the first delivered box overlaps both, the second fits the left
    one better. Highest IoU first pairs the second with the left box and the first with the right
    one; pairing in input order would have left the second box unmatched."""
    gold = [Box("car", 0, 0, 10, 10), Box("car", 6, 0, 10, 10)]
    pred = [Box("car", 3, 0, 10, 10), Box("car", 0, 0, 10, 10)]
    # IoUs: pred0–gold0 7/13, pred0–gold1 7/13, pred1–gold0 1.
    assert boxes(gold, pred) == {}
    two_on_one = [Box("car", 0, 0, 10, 10), Box("car", 0, 0, 10, 10)]
    assert boxes([Box("car", 0, 0, 10, 10)], two_on_one) == {"img": {"missed": 0, "extra": 1, "delivered": 2}}


def test_crowd_regions_absorb_boxes_and_are_never_missed():
    gold = [Box("person", 0, 0, 10, 10), Box("person", 40, 40, 60, 60, crowd=True)]
    pred = [Box("person", 0, 0, 10, 10), Box("person", 45, 45, 10, 10), Box("person", 70, 70, 20, 20)]
    assert boxes(gold, pred) == {}
    assert boxes([Box("person", 40, 40, 60, 60, crowd=True)], []) == {}
    # Half outside the crowd region: intersection over the box's own area is 0.5 at [30, 40, 20, 20]…
    assert boxes([Box("person", 40, 40, 60, 60, crowd=True)], [Box("person", 30, 40, 20, 20)]) == {}
    # …and less at [25, 40, 20, 20]; a crowd region of another label takes nothing.
    assert boxes([Box("person", 40, 40, 60, 60, crowd=True)], [Box("person", 25, 40, 20, 20)]) == {
        "img": {"missed": 0, "extra": 1, "delivered": 1}
    }
    assert boxes([Box("car", 40, 40, 60, 60, crowd=True)], [Box("person", 45, 45, 10, 10)]) == {
        "img": {"missed": 0, "extra": 1, "delivered": 1}
    }


def test_a_crowd_region_does_not_take_a_box_a_regular_gold_box_needs():
    gold = [Box("car", 0, 0, 10, 10), Box("car", 0, 0, 50, 50, crowd=True)]
    assert boxes(gold, [Box("car", 0, 0, 10, 10)]) == {}


def test_zero_area_and_touching_boxes_match_nothing():
    assert boxes([Box("car", 0, 0, 10, 10)], [Box("car", 10, 0, 10, 10)]) == {
        "img": {"missed": 1, "extra": 1, "delivered": 1}
    }
    assert boxes([Box("car", 5, 5, 0, 0)], [Box("car", 5, 5, 0, 0)]) == {
        "img": {"missed": 1, "extra": 1, "delivered": 1}
    }


def test_items_without_boxes_on_either_side_are_no_defect_and_missing_deliveries_are():
    gold = BoxSet(sizes={"empty": (10, 10), "full": (10, 10)}, boxes={"full": [Box("car", 0, 0, 5, 5)]})
    assert box_defects(gold, BoxSet(), ["empty", "full"]) == {"full": {"missed": 1, "extra": 0, "delivered": 0}}
    extra = BoxSet(boxes={"empty": [Box("car", 0, 0, 5, 5)], "full": [Box("car", 0, 0, 5, 5)]})
    assert box_defects(gold, extra, ["empty", "full"]) == {"empty": {"missed": 0, "extra": 1, "delivered": 1}}


@pytest.mark.parametrize(
    ("gold_box", "threshold", "items", "code"),
    [
        (Box("car", 0, 0, 5, 5), 0.0, ["img"], "bad_threshold"),
        (Box("car", 0, 0, 5, 5), 1.5, ["img"], "bad_threshold"),
        (Box("car", 0, 0, 5, 5), 0.5, ["elsewhere"], "unknown_item"),
        (Box("car", 0, 0, -5, 5), 0.5, ["img"], "negative_size"),
        (Box("car", 0, float("nan"), 5, 5), 0.5, ["img"], "bad_bbox"),
    ],
)
def test_box_defects_refuse_bad_input(gold_box, threshold, items, code):
    gold = BoxSet(sizes={"img": (10, 10)}, boxes={"img": [gold_box]})
    pred = BoxSet(boxes={"img": [Box("car", 0, 0, 5, 5)]})
    with pytest.raises(QualityInputError) as raised:
        box_defects(gold, pred, items, iou_threshold=threshold)
    assert raised.value.code == code


# Spans --------------------------------------------------------------------------------------------


def test_span_defects_list_the_missed_and_extra_spans_of_differing_items():
    gold = SpanSet(
        lengths={"s1": 10, "s2": 10, "s3": 5},
        spans=[("s1", 0, 2, "PER"), ("s1", 4, 6, "ORG"), ("s2", 1, 3, "LOC"), ("s3", 0, 1, "PER")],
    )
    pred = SpanSet(
        lengths={"s1": 10, "s2": 10, "s3": 5},
        spans=[("s1", 0, 2, "PER"), ("s1", 4, 7, "ORG"), ("s1", 8, 9, "LOC"), ("s2", 1, 3, "LOC")],
    )
    assert span_defects(gold, pred, ["s1", "s2", "s3"]) == {
        "s1": {"missed": [[4, 6, "ORG"]], "extra": [[4, 7, "ORG"], [8, 9, "LOC"]]},
        "s3": {"missed": [[0, 1, "PER"]], "extra": []},
    }


def test_span_defects_of_an_item_without_spans_on_either_side_is_none():
    gold = SpanSet(lengths={"s1": 3}, spans=[])
    assert span_defects(gold, SpanSet(), ["s1"]) == {}
    assert span_defects(gold, SpanSet(spans=[("s1", 0, 1, "PER")]), ["s1"]) == {
        "s1": {"missed": [], "extra": [[0, 1, "PER"]]}
    }


@pytest.mark.parametrize(
    ("gold_spans", "items", "code"),
    [
        ([("s1", 0, 1, "PER")], ["elsewhere"], "unknown_item"),
        ([("s1", 1, 1, "PER")], ["s1"], "bad_offsets"),
        ([("s1", 0, 1, "PER"), ("s1", 0, 1, "PER")], ["s1"], "duplicate_span"),
    ],
)
def test_span_defects_refuse_bad_input(gold_spans, items, code):
    with pytest.raises(QualityInputError) as raised:
        span_defects(SpanSet(lengths={"s1": 3}, spans=gold_spans), SpanSet(), items)
    assert raised.value.code == code
