"""Delivery acceptance through the services: the plan, the gold set, deliveries, scoring with the
committed seed, the buyer's decision and what it does to the milestone."""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from marketplace import selectors, services
from marketplace.models import (
    AcceptanceReport,
    ContractState,
    Decision,
    Delivery,
    DeliveryState,
    GoldSet,
    MilestoneState,
    PaymentDue,
    SamplingSeed,
)
from marketplace.quality import draw_sample
from portal.audit.models import AuditEntry
from portal.errors import Conflict, PermissionDenied
from portal.notifications.models import Notification
from tests.factories.acceptance import (
    buyer_user_of,
    csv_file,
    deliver,
    first_milestone,
    gold_labels,
    labels_with_errors,
    planned_milestone,
    signed_contract,
    supplier_user,
)
from tests.factories.evaluation import awarded_tender

pytestmark = pytest.mark.django_db


def _audit(obj, action):
    return AuditEntry.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk), action=action)


def _stored_files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT) / "acceptance"
    return sorted(path for path in root.rglob("*") if path.is_file()) if root.exists() else []


# --- the plan and the gold set ---------------------------------------------------------------------


def test_the_plan_follows_gb_t_2828_1_and_commits_a_seed():
    plan = planned_milestone(lot_size=1_000)  # the tender's AQL is 2.5
    assert (plan.code_letter, plan.sample_size, plan.accept_number, plan.reject_number) == ("J", 80, 5, 6)
    assert plan.aql == plan.contract.tender.acceptance_aql == 250
    seed = SamplingSeed.objects.get(plan=plan)
    assert seed.revealed_at is None
    assert seed.digest == hashlib.sha256(bytes.fromhex(seed.seed)).hexdigest()
    assert _audit(plan.contract, "acceptance.plan_set").count() == 1
    assert _audit(plan.contract, "acceptance.gold_uploaded").get().after["items"] == 200
    assert plan.gold_set.label_counts == {
        label: list(gold_labels().values()).count(label) for label in ("cat", "dog", "bird")
    }


def test_a_plan_waits_for_both_signatures_and_is_the_buyers():
    tender, contracts = awarded_tender()
    contract = contracts[0]
    milestone = first_milestone(contract)
    arguments = {"kind": "classification", "fmt": "csv", "label_set": ["a", "b"], "lot_size": 500}
    with pytest.raises(Conflict):
        services.acceptance_plan_set(actor=tender.created_by, contract=contract, milestone_id=milestone.pk, **arguments)
    contract = signed_contract()
    with pytest.raises(PermissionDenied):
        services.acceptance_plan_set(
            actor=supplier_user(contract), contract=contract, milestone_id=first_milestone(contract).pk, **arguments
        )
    assert not contract.acceptance_plans.exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"fmt": "coco"}, "format"),
        ({"kind": "audio"}, "kind"),
        ({"label_set": ["a", "a"]}, "label_set"),
        ({"label_set": [" "]}, "label_set"),
        ({"lot_size": 0}, "lot_size"),
    ],
)
def test_a_bad_plan_is_refused_with_the_field_and_nothing_is_stored(changes, field):
    contract = signed_contract()
    arguments = {"kind": "classification", "fmt": "csv", "label_set": ["a", "b"], "lot_size": 500, **changes}
    with pytest.raises(ValidationError) as error:
        services.acceptance_plan_set(
            actor=buyer_user_of(contract), contract=contract, milestone_id=first_milestone(contract).pk, **arguments
        )
    assert field in error.value.message_dict
    assert not contract.acceptance_plans.exists()


def test_a_gold_set_with_an_unknown_label_is_refused_naming_the_line(settings):
    contract = signed_contract()
    plan = planned_milestone(contract, with_gold=False)
    with pytest.raises(ValidationError) as error:
        services.gold_set_upload(
            actor=buyer_user_of(contract), plan=plan, upload=csv_file({"a": "cat", "b": "horse"}, "gold.csv")
        )
    message = error.value.message_dict["file"][0]
    assert "horse" in message
    assert "3" in message  # the line of the header is 1
    assert not GoldSet.objects.filter(plan=plan).exists()
    assert _stored_files(settings) == []


def test_a_gold_set_smaller_than_the_sample_is_refused():
    contract = signed_contract()
    plan = planned_milestone(contract, with_gold=False)
    with pytest.raises(ValidationError, match="80"):
        services.gold_set_upload(actor=buyer_user_of(contract), plan=plan, upload=csv_file(gold_labels(50)))


# --- deliveries and scoring ------------------------------------------------------------------------


def test_a_correct_delivery_is_scored_accepted_with_the_committed_seed():
    plan = planned_milestone()
    seed = SamplingSeed.objects.get(plan=plan)
    delivery = deliver(plan, csv_file(gold_labels()))
    assert delivery.state == DeliveryState.SCORED
    assert delivery.seed_id == seed.pk
    report = AcceptanceReport.objects.get(delivery=delivery)
    assert report.proposed == Decision.ACCEPTED
    assert (report.sample_size, report.defect_count, report.accept_number) == (80, 0, 5)
    assert report.metrics["classification"]["accuracy"] == 1.0
    # Anyone can check the sample: it is the committed seed's draw over the gold items.
    seed.refresh_from_db()
    assert seed.revealed_at is not None
    assert report.sample == draw_sample(sorted(gold_labels()), 80, bytes.fromhex(seed.seed))
    # A fresh seed is committed for a redelivery.
    assert SamplingSeed.objects.filter(plan=plan, revealed_at__isnull=True).exclude(pk=seed.pk).count() == 1
    assert _audit(delivery, "delivery.scored").get().after["seed_digest"] == seed.digest
    assert Notification.objects.filter(kind="delivery.scored").count() >= 2


def test_defects_are_counted_on_the_sample_and_decide_the_result():
    plan = planned_milestone()
    gold = gold_labels()
    delivery = deliver(plan, csv_file(labels_with_errors(gold, wrong=len(gold))))
    report = delivery.report
    assert report.defect_count == 80
    assert report.proposed == Decision.REJECTED
    item = report.sample[0]
    assert report.defects[item]["expected"] == gold[item]
    assert report.defects[item]["delivered"] != gold[item]
    assert report.metrics["classification"]["accuracy"] == 0.0


def test_the_supplier_never_sees_gold_labels():
    plan = planned_milestone()
    delivery = deliver(plan, csv_file(labels_with_errors(gold_labels(), wrong=200)))
    contract = plan.contract
    side, rows = selectors.contract_acceptance(user=supplier_user(contract), contract=contract)
    assert side == "supplier"
    assert rows[0].gold is None
    assert rows[0].gold_ready
    defects = selectors.defects_for_side(report=delivery.report, side="supplier")
    assert defects
    assert all("expected" not in row for row in defects)
    buyer_rows = selectors.defects_for_side(report=delivery.report, side="buyer")
    assert all("expected" in row for row in buyer_rows)


def test_an_unreadable_delivery_is_recorded_does_not_count_and_keeps_its_seed_secret():
    plan = planned_milestone()
    seed = SamplingSeed.objects.get(plan=plan)
    bad = deliver(plan, SimpleUploadedFile("labels.csv", b"item_id,label\nimg-00001,cat\nimg-00001,dog\n"))
    assert bad.state == DeliveryState.INVALID
    assert bad.errors[0]["line"] == 3
    assert "img-00001" in bad.errors[0]["message"]
    seed.refresh_from_db()
    assert seed.revealed_at is None
    assert not AcceptanceReport.objects.filter(delivery=bad).exists()
    good = deliver(plan, csv_file(gold_labels()))
    assert good.seed_id == seed.pk
    assert services.deliveries_allowed_left(contract=plan.contract, plan=plan) == plan.contract.max_deliveries - 1


def test_a_zip_bomb_is_refused_at_upload_and_nothing_is_kept(settings):
    settings.ACCEPTANCE_ZIP_MAX_RATIO = 50
    plan = planned_milestone()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("labels.csv", b"0" * (20 * 1024 * 1024))
    with pytest.raises(ValidationError):
        deliver(plan, SimpleUploadedFile("labels.zip", buffer.getvalue()))
    assert not Delivery.objects.exists()
    assert [path.parent.name for path in _stored_files(settings)] == ["gold"]


def test_a_delivery_inside_a_zip_is_scored():
    plan = planned_milestone()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("delivery/labels.csv", csv_file(gold_labels()).read())
    delivery = deliver(plan, SimpleUploadedFile("labels.zip", buffer.getvalue()))
    assert delivery.state == DeliveryState.SCORED
    assert delivery.item_count == 200


def test_deliveries_wait_for_the_gold_set_and_for_the_previous_decision():
    contract = signed_contract()
    plan = planned_milestone(contract, with_gold=False)
    with pytest.raises(Conflict):
        deliver(plan, csv_file(gold_labels()))
    services.gold_set_upload(actor=buyer_user_of(contract), plan=plan, upload=csv_file(gold_labels()))
    deliver(plan, csv_file(gold_labels()))
    with pytest.raises(Conflict):
        deliver(plan, csv_file(gold_labels()))
    with pytest.raises(PermissionDenied):
        deliver(plan, csv_file(gold_labels()), user=buyer_user_of(contract))


def test_plan_and_gold_set_are_fixed_once_a_delivery_has_arrived():
    plan = planned_milestone()
    contract = plan.contract
    deliver(plan, csv_file(gold_labels()), score=False)
    with pytest.raises(Conflict):
        services.acceptance_plan_set(
            actor=buyer_user_of(contract),
            contract=contract,
            milestone_id=plan.milestone_id,
            kind="classification",
            fmt="csv",
            label_set=["cat", "dog", "bird"],
            lot_size=10,
        )
    with pytest.raises(Conflict):
        services.gold_set_upload(actor=buyer_user_of(contract), plan=plan, upload=csv_file(gold_labels()))


# --- the buyer's decision ----------------------------------------------------------------------------


def test_accepting_meets_the_milestone_and_makes_its_payment_due():
    plan = planned_milestone()
    contract = plan.contract
    delivery = deliver(plan, csv_file(gold_labels()))
    report = services.delivery_decide(actor=buyer_user_of(contract), delivery=delivery, decision=Decision.ACCEPTED)
    assert report.decision == Decision.ACCEPTED
    assert not report.overridden
    milestone = first_milestone(contract)
    assert milestone.state == MilestoneState.MET
    due = PaymentDue.objects.get(milestone=milestone)
    assert (due.amount_fen, due.delivery_id, due.contract_id) == (milestone.amount_fen, delivery.pk, contract.pk)
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.ACCEPTED
    assert _audit(delivery, "delivery.accept").get().after == {"state": "accepted", "overridden": False, "reason": ""}
    assert _audit(contract, "contract.milestone_met").count() == 1
    assert Notification.objects.filter(kind="delivery.accepted").exists()
    with pytest.raises(Conflict):
        services.delivery_decide(actor=buyer_user_of(contract), delivery=delivery, decision=Decision.REJECTED)
    with pytest.raises(Conflict):  # met by acceptance only
        services.contract_milestone_meet(actor=buyer_user_of(contract), contract=contract, milestone_id=milestone.pk)


def test_overriding_the_sampling_needs_a_reason_and_is_audited():
    plan = planned_milestone()
    contract = plan.contract
    delivery = deliver(plan, csv_file(gold_labels()))
    with pytest.raises(ValidationError):
        services.delivery_decide(actor=buyer_user_of(contract), delivery=delivery, decision=Decision.REJECTED)
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.SCORED
    report = services.delivery_decide(
        actor=buyer_user_of(contract), delivery=delivery, decision=Decision.REJECTED, reason="图像模糊，需重新标注"
    )
    assert report.overridden
    assert report.override_reason == "图像模糊，需重新标注"
    entry = _audit(delivery, "delivery.reject").get()
    assert entry.after["overridden"] is True
    assert entry.actor_id == buyer_user_of(contract).pk
    assert first_milestone(contract).state == MilestoneState.SCHEDULED


def test_only_the_buyer_decides():
    plan = planned_milestone()
    delivery = deliver(plan, csv_file(gold_labels()))
    with pytest.raises(PermissionDenied):
        services.delivery_decide(actor=supplier_user(plan.contract), delivery=delivery, decision=Decision.ACCEPTED)
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.SCORED


def test_rejections_allow_redelivery_up_to_the_contract_limit_then_the_milestone_fails():
    plan = planned_milestone()
    contract = plan.contract
    assert contract.max_deliveries == 3
    wrong = csv_file(labels_with_errors(gold_labels(), wrong=200))
    for number in (1, 2, 3):
        wrong.seek(0)
        delivery = deliver(plan, wrong)
        assert delivery.number == number
        services.delivery_decide(actor=buyer_user_of(contract), delivery=delivery, decision=Decision.REJECTED)
    milestone = first_milestone(contract)
    assert milestone.state == MilestoneState.FAILED
    assert Notification.objects.filter(kind="milestone.failed").exists()
    assert _audit(contract, "contract.milestone_failed").count() == 1
    with pytest.raises(Conflict):
        deliver(plan, csv_file(gold_labels()))
    contract.refresh_from_db()
    assert contract.state == ContractState.ACTIVE  # the buyer may now terminate it
    # Each scored delivery revealed its own seed.
    assert SamplingSeed.objects.filter(plan=plan, revealed_at__isnull=False).count() == 3


def test_the_tender_trail_lists_the_deliveries():
    plan = planned_milestone()
    contract = plan.contract
    delivery = deliver(plan, csv_file(gold_labels()))
    actions = list(
        selectors.tender_audit_trail(user=buyer_user_of(contract), tender=contract.tender).values_list(
            "action", flat=True
        )
    )
    assert "delivery.upload" in actions
    assert "delivery.scored" in actions
    assert delivery.pk
