"""Box IoU and COCO AP (marketplace.quality.boxes) against pycocotools' mask.iou and COCOeval."""

from __future__ import annotations

import contextlib
import copy
import io

import numpy as np
import pytest
from pycocotools import mask as coco_mask
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

from marketplace.quality import QualityInputError, box_iou, box_sets_to_coco, coco_ap
from marketplace.quality.data import Box, BoxSet

TOLERANCE = 1e-9


def reference(gold: dict, predictions: list[dict]) -> dict:
    """COCOeval's AP, AP50, AP75 (None for -1) and per-category AP (the mean of its precision > -1).

    COCOeval needs every gold area: a missing one is w × h, as coco_ap assumes."""
    with contextlib.redirect_stdout(io.StringIO()):
        gt = COCO()
        gt.dataset = copy.deepcopy(gold)
        for annotation in gt.dataset["annotations"]:
            annotation.setdefault("area", annotation["bbox"][2] * annotation["bbox"][3])
        gt.createIndex()
        if predictions:
            dt = gt.loadRes([{"score": 1.0, **p} for p in copy.deepcopy(predictions)])
        else:  # loadRes cannot load an empty list
            dt = COCO()
            dt.dataset = {"images": gold["images"], "categories": gold["categories"], "annotations": []}
            dt.createIndex()
        evaluation = COCOeval(gt, dt, "bbox")
        evaluation.evaluate()
        evaluation.accumulate()
        evaluation.summarize()
    precision = evaluation.eval["precision"][:, :, :, 0, -1]
    per_class = {}
    for k, category_id in enumerate(evaluation.params.catIds):
        scored = precision[:, :, k][precision[:, :, k] > -1]
        per_class[gt.cats[category_id]["name"]] = float(np.mean(scored)) if scored.size else None
    ap, ap50, ap75 = (None if value == -1 else float(value) for value in evaluation.stats[:3])
    return {"ap": ap, "ap50": ap50, "ap75": ap75, "per_class": per_class}


def assert_matches_cocoeval(gold: dict, predictions: list[dict]) -> dict:
    expected = reference(gold, predictions)
    actual = coco_ap(gold, predictions).as_dict()
    assert actual.keys() == expected.keys()
    assert actual["per_class"].keys() == expected["per_class"].keys()
    pairs = [(actual[key], expected[key]) for key in ("ap", "ap50", "ap75")]
    pairs += [(actual["per_class"][name], value) for name, value in expected["per_class"].items()]
    for mine, theirs in pairs:
        if theirs is None:
            assert mine is None
        else:
            assert mine == pytest.approx(theirs, abs=TOLERANCE)
    return actual


def random_case(
    seed: int,
    *,
    images: int = 25,
    categories: int = 4,
    gold_per_image: int = 6,
    detections_per_image: int = 8,
    crowd: float = 0.1,
    integer: bool = False,
    scores: str = "random",
) -> tuple[dict, list[dict]]:
    """Gold boxes and detections near them (some moved, relabelled or missing), plus false alarms.

    `integer` coordinates make touching boxes and equal IoUs common; `scores` "random", "levels"
    (many ties) or "none" (a vendor's boxes: score 1, so the input order decides)."""
    rng = np.random.default_rng(seed)
    gold = {
        "images": [{"id": int(i) * 7, "width": 100, "height": 100} for i in rng.permutation(images) + 1],
        "categories": [{"id": c * 3 + 1, "name": f"class-{c}"} for c in rng.permutation(categories)],
        "annotations": [],
    }
    predictions = []

    def box() -> list[float]:
        if integer:
            return [float(v) for v in (*rng.integers(0, 80, 2), *rng.integers(0, 30, 2))]
        return [float(v) for v in (*rng.uniform(0, 80, 2), *rng.uniform(0, 30, 2))]

    for image in range(1, images + 1):
        placed = []
        for _ in range(rng.integers(0, gold_per_image + 1)):
            category = int(rng.integers(0, categories)) * 3 + 1
            bbox = box()
            annotation = {"id": len(gold["annotations"]) + 1, "image_id": image * 7, "category_id": category}
            annotation |= {"bbox": bbox, "iscrowd": int(rng.random() < crowd)}
            if rng.random() < 0.5:
                annotation["area"] = bbox[2] * bbox[3]
            gold["annotations"].append(annotation)
            placed.append((bbox, category))
        for _ in range(rng.integers(0, detections_per_image + 1)):
            if placed and rng.random() < 0.75:
                bbox, category = placed[rng.integers(len(placed))]
                shift = rng.integers(-3, 4, 4) if integer else rng.normal(0, 3, 4)
                bbox = [bbox[0] + shift[0], bbox[1] + shift[1], max(bbox[2] + shift[2], 0), max(bbox[3] + shift[3], 0)]
                bbox = [float(v) for v in bbox]
                if rng.random() < 0.1:
                    category = int(rng.integers(0, categories)) * 3 + 1
            else:
                bbox, category = box(), int(rng.integers(0, categories)) * 3 + 1
            detection = {"image_id": image * 7, "category_id": category, "bbox": bbox}
            if scores == "random":
                detection["score"] = float(rng.random())
            elif scores == "levels":
                detection["score"] = float(rng.integers(0, 3)) / 2
            predictions.append(detection)
    return gold, predictions


# IoU ----------------------------------------------------------------------------------------------


def test_box_iou_matches_pycocotools_on_random_boxes():
    rng = np.random.default_rng(3)
    for integer in (False, True):
        for _ in range(400):
            if integer:
                a, b = (rng.integers(0, 10, 4).astype(float).tolist() for _ in range(2))
            else:
                a, b = (rng.uniform(0, 10, 4).tolist() for _ in range(2))
            expected = coco_mask.iou([a], [b], [0])[0][0]
            assert box_iou(a, b) == pytest.approx(expected, abs=TOLERANCE)
            assert box_iou(b, a) == box_iou(a, b)


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ([0, 0, 10, 10], [0, 0, 10, 10], 1.0),
        ([0, 0, 10, 10], [5, 0, 10, 10], 1 / 3),
        ([0, 0, 10, 10], [10, 0, 10, 10], 0.0),  # touching edges
        ([0, 0, 10, 10], [10, 10, 5, 5], 0.0),  # touching corners
        ([0, 0, 10, 10], [2, 2, 0, 5], 0.0),  # zero width inside
        ([3, 3, 0, 0], [3, 3, 0, 0], 0.0),  # two points
        ([0, 0, 4, 4], [1, 1, 2, 2], 0.25),  # contained
    ],
)
def test_box_iou_edge_cases(a, b, expected):
    assert box_iou(a, b) == pytest.approx(expected, abs=TOLERANCE)
    assert box_iou(a, b) == pytest.approx(coco_mask.iou([list(map(float, a))], [list(map(float, b))], [0])[0][0])


@pytest.mark.parametrize(
    ("box", "code"),
    [
        ([0, 0, -1, 3], "negative_size"),
        ([0, 0, 1, -3], "negative_size"),
        ([0, 0, float("nan"), 3], "bad_bbox"),
        ([0, float("inf"), 1, 3], "bad_bbox"),
        ([0, 0, 1], "bad_bbox"),
        ("0 0 1 1", "bad_bbox"),
        ([0, 0, True, 1], "bad_bbox"),
    ],
)
def test_box_iou_refuses_bad_boxes(box, code):
    with pytest.raises(QualityInputError) as raised:
        box_iou(box, [0, 0, 1, 1])
    assert raised.value.code == code
    assert raised.value.field == "a"


# COCO AP ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "case",
    [
        {"seed": 1},
        {"seed": 2, "crowd": 0.0},
        {"seed": 3, "crowd": 0.4},
        {"seed": 4, "integer": True},
        {"seed": 5, "integer": True, "scores": "levels"},
        {"seed": 6, "scores": "none"},
        {"seed": 7, "scores": "none", "integer": True, "crowd": 0.3},
        {"seed": 8, "categories": 1, "gold_per_image": 20, "detections_per_image": 30},
        {"seed": 9, "categories": 8, "images": 60, "gold_per_image": 3},
        {"seed": 10, "detections_per_image": 160, "images": 6},  # over 100 per image and category
        {"seed": 11, "detections_per_image": 160, "images": 6, "scores": "none"},
        {"seed": 12, "gold_per_image": 0},  # no gold at all: every AP is undefined
    ],
    ids=lambda case: ",".join(f"{key}={value}" for key, value in case.items()),
)
def test_coco_ap_matches_cocoeval(case):
    assert_matches_cocoeval(*random_case(**case))


@pytest.mark.parametrize("seed", range(13, 33))
def test_coco_ap_matches_cocoeval_on_more_random_sets(seed):
    rng = np.random.default_rng(seed)
    assert_matches_cocoeval(
        *random_case(
            seed,
            images=int(rng.integers(1, 15)),
            categories=int(rng.integers(1, 4)),
            crowd=float(rng.choice([0, 0.2, 0.5])),
            integer=bool(rng.integers(0, 2)),
            scores=str(rng.choice(["random", "levels", "none"])),
        )
    )


def simple_gold(*annotations: dict, categories=("car", "bus")) -> dict:
    return {
        "images": [{"id": 1, "width": 100, "height": 100}, {"id": 2, "width": 100, "height": 100}],
        "categories": [{"id": number, "name": name} for number, name in enumerate(categories, start=1)],
        "annotations": [{"id": number, "iscrowd": 0, **a} for number, a in enumerate(annotations, start=1)],
    }


def test_perfect_detections_score_one_and_a_class_without_gold_has_no_ap():
    gold = simple_gold({"image_id": 1, "category_id": 1, "bbox": [10, 10, 20, 20]})
    report = assert_matches_cocoeval(gold, [{"image_id": 1, "category_id": 1, "bbox": [10, 10, 20, 20]}])
    # COCOeval's precision is tp / (tp + fp + eps): one just below 1.
    assert report == {
        "ap": pytest.approx(1.0),
        "ap50": pytest.approx(1.0),
        "ap75": pytest.approx(1.0),
        "per_class": {"car": pytest.approx(1.0), "bus": None},
    }


def test_empty_prediction_scores_zero():
    gold = simple_gold({"image_id": 1, "category_id": 1, "bbox": [10, 10, 20, 20]})
    report = assert_matches_cocoeval(gold, [])
    assert report["ap"] == 0.0


def test_vendor_boxes_without_score_rank_in_input_order():
    """Equal scores: the image order and then the input order decide the ranking, as COCOeval's
    stable sort does; putting the false alarm first lowers AP."""
    gold = simple_gold(
        {"image_id": 1, "category_id": 1, "bbox": [10, 10, 20, 20]},
        {"image_id": 1, "category_id": 1, "bbox": [50, 50, 20, 20]},
    )
    hit_first = [
        {"image_id": 1, "category_id": 1, "bbox": [10, 10, 20, 20]},
        {"image_id": 1, "category_id": 1, "bbox": [80, 0, 10, 10]},
    ]
    miss_first = hit_first[::-1]
    first = assert_matches_cocoeval(gold, hit_first)
    second = assert_matches_cocoeval(gold, miss_first)
    assert first["ap"] > second["ap"]


def test_crowd_regions_are_ignored_and_absorb_detections():
    gold = simple_gold(
        {"image_id": 1, "category_id": 1, "bbox": [0, 0, 10, 10]},
        {"image_id": 1, "category_id": 1, "bbox": [40, 40, 60, 60], "iscrowd": 1},
    )
    inside_crowd = [
        {"image_id": 1, "category_id": 1, "bbox": [0, 0, 10, 10], "score": 0.5},
        {"image_id": 1, "category_id": 1, "bbox": [50, 50, 10, 10], "score": 0.9},
        {"image_id": 1, "category_id": 1, "bbox": [70, 70, 10, 10], "score": 0.8},
    ]
    report = assert_matches_cocoeval(gold, inside_crowd)
    assert report["ap"] == pytest.approx(1.0)  # the crowd took both extra boxes; they are not false alarms
    only_crowd = simple_gold({"image_id": 1, "category_id": 1, "bbox": [40, 40, 60, 60], "iscrowd": 1})
    assert assert_matches_cocoeval(only_crowd, inside_crowd)["ap"] is None


def test_detections_on_images_and_categories_without_gold_count_as_false_alarms():
    gold = simple_gold({"image_id": 1, "category_id": 1, "bbox": [0, 0, 10, 10]})
    detections = [
        {"image_id": 2, "category_id": 1, "bbox": [0, 0, 10, 10], "score": 0.9},  # image without gold
        {"image_id": 1, "category_id": 2, "bbox": [0, 0, 10, 10], "score": 0.9},  # class without gold
        {"image_id": 1, "category_id": 1, "bbox": [0, 0, 10, 10], "score": 0.5},
    ]
    report = assert_matches_cocoeval(gold, detections)
    assert 0 < report["ap"] < 1
    assert report["per_class"]["bus"] is None


def test_touching_and_zero_area_boxes_match_nothing():
    gold = simple_gold(
        {"image_id": 1, "category_id": 1, "bbox": [0, 0, 10, 10]},
        {"image_id": 2, "category_id": 1, "bbox": [5, 5, 0, 0]},
    )
    detections = [
        {"image_id": 1, "category_id": 1, "bbox": [10, 0, 10, 10]},
        {"image_id": 2, "category_id": 1, "bbox": [5, 5, 0, 0]},
    ]
    assert assert_matches_cocoeval(gold, detections)["ap"] == 0.0


def test_gold_area_outside_the_all_range_is_ignored_as_cocoeval_does():
    gold = simple_gold(
        {"image_id": 1, "category_id": 1, "bbox": [0, 0, 10, 10], "area": 2e10},
        {"image_id": 1, "category_id": 1, "bbox": [50, 50, 10, 10], "area": 100.0},
    )
    detections = [{"image_id": 1, "category_id": 1, "bbox": [0, 0, 10, 10]}]
    assert assert_matches_cocoeval(gold, detections)["ap"] == 0.0


def test_predictions_may_come_as_a_coco_dict_and_ids_need_not_be_sorted():
    gold, predictions = random_case(40, scores="random")
    as_dict = coco_ap(gold, {"images": gold["images"], "annotations": predictions})
    assert as_dict == coco_ap(gold, predictions)


def test_coco_report_as_dict_is_plain_json():
    gold = simple_gold({"image_id": 1, "category_id": 1, "bbox": [10, 10, 20, 20]})
    data = coco_ap(gold, [{"image_id": 1, "category_id": 1, "bbox": [12, 10, 20, 20]}]).as_dict()
    assert type(data["ap"]) is float
    assert type(data["per_class"]["car"]) is float
    assert data["per_class"]["bus"] is None


@pytest.mark.parametrize(
    ("change", "code", "field"),
    [
        (lambda g, p: p[1].update(image_id=99), "unknown_image", "predictions[1].image_id"),
        (lambda g, p: p[0].update(category_id=5), "unknown_category", "predictions[0].category_id"),
        (lambda g, p: g["annotations"][1].update(image_id=3), "unknown_image", "annotations[1].image_id"),
        (lambda g, p: g["annotations"][0].update(category_id=9), "unknown_category", "annotations[0].category_id"),
        (lambda g, p: g["annotations"][1].update(bbox=[0, 0, -2, 4]), "negative_size", "annotations[1].bbox"),
        (lambda g, p: g["annotations"][0].update(bbox=[0, 0, 4]), "bad_bbox", "annotations[0].bbox"),
        (lambda g, p: p[1].update(bbox=[0, "1", 2, 4]), "bad_bbox", "predictions[1].bbox"),
        (lambda g, p: p[1].update(bbox=[0, float("nan"), 2, 4]), "bad_bbox", "predictions[1].bbox"),
        (lambda g, p: p[0].update(score="high"), "bad_score", "predictions[0].score"),
        (lambda g, p: p[0].update(score=float("inf")), "bad_score", "predictions[0].score"),
        (lambda g, p: g["annotations"][0].update(iscrowd=2), "bad_iscrowd", "annotations[0].iscrowd"),
        (lambda g, p: g["annotations"][1].update(area="big"), "bad_area", "annotations[1].area"),
        (lambda g, p: p[1].pop("bbox"), "missing_field", "predictions[1].bbox"),
        (lambda g, p: g["images"].append({"id": 1}), "duplicate_id", "images[2].id"),
        (lambda g, p: g["images"][0].update(id="one"), "bad_id", "images[0].id"),
        (lambda g, p: g["categories"][1].update(name="car"), "bad_category_name", "categories[1].name"),
        (lambda g, p: g.update(images=[]), "no_images", "images"),
        (lambda g, p: g.update(categories=[]), "no_categories", "categories"),
        (lambda g, p: g.pop("annotations"), "missing_field", "annotations"),
        (lambda g, p: g.update(annotations="none"), "not_a_list", "annotations"),
        (lambda g, p: p.append("box"), "not_an_object", "predictions[2]"),
    ],
)
def test_coco_ap_refuses_bad_input_and_says_where(change, code, field):
    gold = simple_gold(
        {"image_id": 1, "category_id": 1, "bbox": [10, 10, 20, 20]},
        {"image_id": 2, "category_id": 2, "bbox": [0, 0, 5, 5]},
    )
    predictions = [
        {"image_id": 1, "category_id": 1, "bbox": [10, 10, 20, 20]},
        {"image_id": 2, "category_id": 2, "bbox": [0, 0, 5, 5]},
    ]
    change(gold, predictions)
    with pytest.raises(QualityInputError) as raised:
        coco_ap(gold, predictions)
    assert raised.value.code == code
    assert raised.value.field == field


# From box sets ------------------------------------------------------------------------------------


def test_box_sets_to_coco_scores_like_cocoeval():
    gold = BoxSet(
        sizes={"b.jpg": (100, 80), "a.jpg": (640, 480), "c.jpg": (50, 50)},
        boxes={
            "a.jpg": [Box("car", 10, 10, 50, 40), Box("bus", 100, 100, 200, 150), Box("car", 300, 0, 100, 100, True)],
            "b.jpg": [Box("car", 0, 0, 20, 20)],
        },
    )
    pred = BoxSet(
        sizes={"a.jpg": (640, 480), "b.jpg": (100, 80), "z.jpg": (10, 10)},
        boxes={
            "a.jpg": [Box("car", 12, 10, 50, 40), Box("car", 310, 10, 20, 20), Box("bike", 100, 100, 200, 150)],
            "b.jpg": [Box("car", 30, 30, 20, 20), Box("car", 0, 0, 19, 20)],
            "z.jpg": [Box("car", 0, 0, 5, 5)],  # not a gold image: left out
        },
    )
    gold_coco, predictions = box_sets_to_coco(gold, pred)
    assert [image["file_name"] for image in gold_coco["images"]] == ["a.jpg", "b.jpg", "c.jpg"]
    assert [c["name"] for c in gold_coco["categories"]] == ["bus", "car", "bike"]
    assert len(predictions) == 5
    assert all(p["score"] == 1.0 for p in predictions)
    report = assert_matches_cocoeval(gold_coco, predictions)
    assert report["per_class"]["bike"] is None  # a label only the vendor uses matches nothing
    assert report["per_class"]["bus"] == 0.0


def test_a_label_only_the_delivery_uses_changes_no_ap():
    gold = BoxSet(sizes={"a": (100, 100)}, boxes={"a": [Box("car", 0, 0, 10, 10), Box("bus", 50, 50, 20, 20)]})
    with_bike = BoxSet(boxes={"a": [Box("bike", 0, 0, 10, 10), Box("car", 1, 0, 10, 10), Box("bus", 50, 50, 9, 9)]})
    without = BoxSet(boxes={"a": [Box("car", 1, 0, 10, 10), Box("bus", 50, 50, 9, 9)]})
    first = coco_ap(*box_sets_to_coco(gold, with_bike))
    second = coco_ap(*box_sets_to_coco(gold, without))
    assert (first.ap, first.ap50, first.ap75) == (second.ap, second.ap50, second.ap75)


def test_box_sets_to_coco_refuses_gold_boxes_without_an_image_size():
    gold = BoxSet(sizes={"a": (10, 10)}, boxes={"b": [Box("car", 0, 0, 1, 1)]})
    with pytest.raises(QualityInputError) as raised:
        box_sets_to_coco(gold, BoxSet())
    assert raised.value.code == "unknown_item"
