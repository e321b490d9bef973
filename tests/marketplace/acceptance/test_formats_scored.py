"""Deliveries in each annotation type scored end to end through the services: COCO boxes, Label
Studio entity spans and several annotators in one CSV. The defects are exactly the sampled items
the test spoiled, and the metrics are the library's."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from marketplace.models import Decision, DeliveryState
from tests.factories.acceptance import LABELS, deliver, gold_labels, planned_milestone

pytestmark = pytest.mark.django_db

IMAGES = 100
SHIFTED = {f"img-{i:03d}.jpg" for i in range(0, IMAGES, 10)}  # 10 images whose box is moved away


def _coco(*, shift: set[str]) -> SimpleUploadedFile:
    images, annotations = [], []
    for i in range(IMAGES):
        name = f"img-{i:03d}.jpg"
        images.append({"id": i + 1, "file_name": name, "width": 640, "height": 480})
        x = 300 if name in shift else 10
        annotations.append({"id": i + 1, "image_id": i + 1, "category_id": 1 + i % 2, "bbox": [x, 20, 100, 120]})
    body = {
        "images": images,
        "annotations": annotations,
        "categories": [{"id": 1, "name": "car"}, {"id": 2, "name": "person"}],
    }
    return SimpleUploadedFile("boxes.json", json.dumps(body).encode())


def test_a_coco_delivery_is_scored_with_ap_and_box_defects():
    plan = planned_milestone(
        kind="boxes", fmt="coco", label_set=("car", "person"), lot_size=IMAGES, gold=_coco(shift=set())
    )
    assert (plan.code_letter, plan.sample_size, plan.accept_number) == ("F", 20, 1)

    delivery = deliver(plan, _coco(shift=SHIFTED))

    assert delivery.state == DeliveryState.SCORED
    report = delivery.report
    boxes = report.metrics["boxes"]
    # 90 of 100 boxes found: recall stops at 0.9, and the misplaced boxes (all scored 1, ranked in
    # image order) lower the precision before it.
    assert 0.75 < boxes["ap50"] < 0.9
    assert boxes["ap"] <= boxes["ap50"]
    assert set(boxes["per_class"]) == {"car", "person"}
    spoiled = set(report.sample) & SHIFTED
    assert set(report.defects) == spoiled
    for item in spoiled:
        assert report.defects[item]["missed"] == 1
        assert report.defects[item]["extra"] == 1
    assert report.proposed == (Decision.ACCEPTED if len(spoiled) <= 1 else Decision.REJECTED)


def _label_studio(*, wrong: set[int]) -> SimpleUploadedFile:
    tasks = []
    for i in range(60):
        text = "下一站天府广场，请在春熙路换乘。"
        start = 3 if i not in wrong else 4
        result = [
            {"type": "labels", "value": {"start": start, "end": 7, "labels": ["站名"]}},
            {"type": "labels", "value": {"start": 10, "end": 13, "labels": ["站名"]}},
        ]
        tasks.append({"id": 1000 + i, "data": {"text": text}, "annotations": [{"result": result}]})
    return SimpleUploadedFile("export.json", json.dumps(tasks, ensure_ascii=False).encode())


def test_a_label_studio_entity_delivery_is_scored_by_strict_spans():
    plan = planned_milestone(
        kind="entities", fmt="label_studio", label_set=("站名",), lot_size=60, gold=_label_studio(wrong=set())
    )
    wrong = {0, 7, 14, 21, 28}
    delivery = deliver(plan, _label_studio(wrong=wrong))

    report = delivery.report
    entities = report.metrics["entities"]
    assert entities["precision"] == pytest.approx(115 / 120)
    assert entities["recall"] == pytest.approx(115 / 120)
    spoiled = set(report.sample) & {str(1000 + i) for i in wrong}
    assert set(report.defects) == spoiled
    for item in spoiled:
        assert report.defects[item]["missed"] == [[3, 7, "站名"]]
        assert report.defects[item]["extra"] == [[4, 7, "站名"]]


def test_several_annotators_in_one_csv_give_agreement_and_a_consensus():
    plan = planned_milestone()
    gold = gold_labels()
    rows = ["item_id,label,annotator"]
    for index, (item, label) in enumerate(gold.items()):
        other = next(candidate for candidate in LABELS if candidate != label)
        rows += [f"{item},{label},ann-1", f"{item},{label},ann-2"]
        rows.append(f"{item},{other if index % 4 == 0 else label},ann-3")  # ann-3 disagrees on a quarter
    delivery = deliver(plan, SimpleUploadedFile("labels.csv", ("\n".join(rows) + "\n").encode()))

    report = delivery.report
    assert report.metrics["classification"]["accuracy"] == 1.0  # the consensus is the gold label
    agreement = report.metrics["agreement"]
    assert agreement["annotators"] == 3
    assert 0.5 < agreement["krippendorff_alpha"] < 1.0
    assert 0.5 < agreement["fleiss_kappa"] < 1.0
    assert report.defect_count == 0


def test_a_delivery_of_another_format_is_unreadable_and_says_so():
    plan = planned_milestone()
    delivery = deliver(plan, _coco(shift=set()))
    assert delivery.state == DeliveryState.INVALID
    assert delivery.errors[0]["message"]
    assert delivery.errors[0]["line"] == 1 or delivery.errors[0]["field"]


def test_a_truncated_coco_delivery_is_unreadable_with_its_place():
    plan = planned_milestone(
        kind="boxes", fmt="coco", label_set=("car", "person"), lot_size=IMAGES, gold=_coco(shift=set())
    )
    whole = _coco(shift=set()).read()
    delivery = deliver(plan, SimpleUploadedFile("boxes.json", whole[: len(whole) // 2]))
    assert delivery.state == DeliveryState.INVALID
    assert delivery.errors[0]["code"] == "truncated_json"
