"""One milestone's acceptance end to end over the API: the buyer plans and uploads the gold set, the
supplier delivers, the scoring runs (called directly: a test's transaction never commits, so the
queued task would not), both sides read the report and check the sample against the committed
seed, the buyer accepts, and the milestone's payment falls due. A second journey rejects, with an
overriding reason, and redelivers."""

from __future__ import annotations

import hashlib

import pytest

from marketplace import services
from marketplace.models import Decision, DeliveryState, MilestoneState, PaymentDue
from marketplace.quality import draw_sample
from portal.audit.models import AuditEntry
from tests.factories.acceptance import (
    buyer_user_of,
    csv_file,
    first_milestone,
    gold_labels,
    labels_with_errors,
    signed_contract,
    supplier_user,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_user(api_client):
    def sign_in(user):
        api_client.force_authenticate(user)
        return api_client

    return sign_in


def _plan_and_gold(as_user, contract, milestone):
    buyer = as_user(buyer_user_of(contract))
    base = f"/api/v1/contracts/{contract.pk}/milestones/{milestone.pk}"
    plan = buyer.put(
        f"{base}/acceptance-plan/",
        {"kind": "classification", "format": "csv", "label_set": ["cat", "dog", "bird"], "lot_size": 1_000},
        format="json",
    )
    assert plan.status_code == 200, plan.json()
    gold = buyer.put(f"{base}/gold-set/", {"file": csv_file(gold_labels(), "gold.csv")}, format="multipart")
    assert gold.status_code == 200, gold.json()
    return base, plan.json(), gold.json()


def test_a_delivery_is_planned_delivered_scored_accepted_and_paid(as_user):
    contract = signed_contract()
    milestone = first_milestone(contract)
    gold = gold_labels()

    base, plan, gold_summary = _plan_and_gold(as_user, contract, milestone)
    assert (plan["code_letter"], plan["sample_size"], plan["accept_number"]) == ("J", 80, 5)
    assert gold_summary["items"] == 200

    supplier = as_user(supplier_user(contract))
    before = supplier.get(f"/api/v1/contracts/{contract.pk}/acceptance/").json()["milestones"][0]
    assert before["gold"] == {"ready": True}
    assert before["actions"] == ["deliver"]
    committed = before["seed_digest"]

    delivered = labels_with_errors(gold, wrong=2)  # at most 2 defects in the sample: Ac 5 accepts
    created = supplier.post(f"{base}/deliveries/", {"file": csv_file(delivered), "note": "第一批"}, format="multipart")
    assert created.status_code == 201, created.json()
    delivery_id = created.json()["id"]
    assert created.json()["state"] == DeliveryState.RECEIVED
    assert created.json()["seed_digest"] == committed
    waiting = supplier.get(f"/api/v1/contracts/{contract.pk}/acceptance/").json()["milestones"][0]
    assert waiting["actions"] == []  # no second delivery while this one is open

    services.delivery_score(delivery_id=delivery_id)

    seen_by_supplier = supplier.get(f"/api/v1/deliveries/{delivery_id}/").json()
    assert seen_by_supplier["state"] == DeliveryState.SCORED
    assert (seen_by_supplier["progress_done"], seen_by_supplier["progress_total"]) == (200, 1_000)  # of the lot
    assert seen_by_supplier["item_count"] == 200
    report = seen_by_supplier["report"]
    # Anyone can check the sample: the revealed seed hashes to the digest committed before the
    # delivery, and it draws exactly the sample from the gold items.
    assert hashlib.sha256(bytes.fromhex(report["seed"])).hexdigest() == report["seed_digest"] == committed
    assert report["sample"] == draw_sample(sorted(gold), 80, bytes.fromhex(report["seed"]))
    wrong_in_sample = [item for item in report["sample"] if delivered[item] != gold[item]]
    assert [row["item"] for row in report["defects"]] == wrong_in_sample
    assert all(set(row) == {"item", "delivered"} for row in report["defects"])
    assert report["defect_count"] == len(wrong_in_sample) <= 2
    assert report["proposed"] == Decision.ACCEPTED
    assert report["decision"] == ""
    assert report["metrics"]["classification"]["accuracy"] == pytest.approx(198 / 200)

    buyer = as_user(buyer_user_of(contract))
    seen_by_buyer = buyer.get(f"/api/v1/deliveries/{delivery_id}/").json()
    assert seen_by_buyer["actions"] == ["decide"]
    assert all(row["expected"] == gold[row["item"]] for row in seen_by_buyer["report"]["defects"])

    decided = buyer.post(f"/api/v1/deliveries/{delivery_id}/decision/", {"decision": "accepted"}, format="json")

    assert decided.status_code == 200, decided.json()
    assert decided.json()["state"] == DeliveryState.ACCEPTED
    assert decided.json()["report"]["decision"] == Decision.ACCEPTED
    detail = buyer.get(f"/api/v1/contracts/{contract.pk}/").json()
    assert detail["milestones"][0]["state"] == MilestoneState.MET
    due = PaymentDue.objects.get(milestone=milestone)
    assert (due.amount_fen, due.delivery_id, due.currency) == (milestone.amount_fen, delivery_id, "CNY")
    assert AuditEntry.objects.filter(action="delivery.accept", object_id=str(delivery_id)).count() == 1
    after = buyer.get(f"/api/v1/contracts/{contract.pk}/acceptance/").json()["milestones"][0]
    assert after["actions"] == []
    assert after["deliveries"][0]["decision"] == Decision.ACCEPTED
    rates = buyer.get("/api/v1/acceptance/pass-rates/").json()
    assert [(row["decided"], row["accepted"], row["first_time"], row["rate_bp"]) for row in rates] == [
        (1, 1, 1, 10_000)
    ]


def test_a_rejected_delivery_is_redelivered_and_each_uses_its_own_committed_seed(as_user):
    contract = signed_contract()
    milestone = first_milestone(contract)
    gold = gold_labels()
    base, _plan, _gold = _plan_and_gold(as_user, contract, milestone)
    supplier = as_user(supplier_user(contract))

    first = supplier.post(f"{base}/deliveries/", {"file": csv_file(gold)}, format="multipart").json()
    services.delivery_score(delivery_id=first["id"])
    buyer = as_user(buyer_user_of(contract))
    refused = buyer.post(
        f"/api/v1/deliveries/{first['id']}/decision/",
        {"decision": "rejected", "reason": "抽检之外发现大量漏标"},
        format="json",
    )
    assert refused.status_code == 200
    assert refused.json()["report"]["overridden"] is True

    supplier = as_user(supplier_user(contract))
    row = supplier.get(f"/api/v1/contracts/{contract.pk}/acceptance/").json()["milestones"][0]
    assert row["actions"] == ["deliver"]
    assert row["deliveries_left"] == contract.max_deliveries - 1
    assert row["seed_digest"] != first["seed_digest"]  # a fresh seed was committed at the scoring

    second = supplier.post(f"{base}/deliveries/", {"file": csv_file(gold)}, format="multipart").json()
    assert (second["number"], second["seed_digest"]) == (2, row["seed_digest"])
    services.delivery_score(delivery_id=second["id"])
    report = supplier.get(f"/api/v1/deliveries/{second['id']}/").json()["report"]
    first_report = supplier.get(f"/api/v1/deliveries/{first['id']}/").json()["report"]
    assert report["seed"] != first_report["seed"]
    assert first_report["override_reason"] == "抽检之外发现大量漏标"
    listed = supplier.get("/api/v1/deliveries/").json()["results"]
    assert [(d["number"], d["decision"]) for d in listed] == [(2, ""), (1, Decision.REJECTED)]
