"""Contracts: milestones before anyone signs, both signatures, milestones met, termination, and
the signing reminder."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from marketplace import services
from marketplace.models import Contract, ContractState, MilestoneState, Release
from portal.audit.models import AuditEntry
from portal.errors import Conflict, PermissionDenied
from portal.notifications.models import Notification
from tests.factories.evaluation import buyer_user

pytestmark = pytest.mark.django_db

Spec = services.ContractMilestoneSpec


def _audit(obj, action):
    return AuditEntry.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk), action=action)


def _milestones(contract):
    return list(contract.milestones.order_by("position").values_list("title", "share_bp", "amount_fen"))


def _supplier_user(contract):
    return contract.supplier.memberships.first().user


def _releases(contract, tag):
    return Release.objects.filter(tender=contract.tender, tags__contains=[tag]).count()


# --- milestones -----------------------------------------------------------------------------------


def test_the_buyer_replaces_the_milestones_before_anyone_signs(contract):
    buyer = buyer_user(contract.tender)
    due = date(2031, 6, 30)

    services.contract_milestones_set(
        actor=buyer,
        contract=contract,
        milestones=[
            Spec(title=" 启动 ", share_bp=1_000),
            Spec(title="交付", share_bp=6_000, due_on=due),
            Spec(title="验收", share_bp=3_000),
        ],
    )

    assert _milestones(contract) == [
        ("启动", 1_000, 4_000_000),
        ("交付", 6_000, 24_000_000),
        ("验收", 3_000, 12_000_000),
    ]
    assert contract.milestones.get(position=2).due_on == due
    entry = _audit(contract, "contract.milestones").get()
    assert entry.before == {"milestones": [["首批交付验收", 3_000], ["全部交付验收", 7_000]]}


@pytest.mark.parametrize(
    "specs",
    [
        [Spec(title="一", share_bp=5_000), Spec(title="二", share_bp=4_999)],  # 99.99 %
        [Spec(title="一", share_bp=5_000), Spec(title="二", share_bp=5_001)],  # 100.01 %
        [Spec(title="一", share_bp=10_000), Spec(title="二", share_bp=0)],  # a zero share
        [Spec(title="一", share_bp=11_000), Spec(title="二", share_bp=-1_000)],  # a negative share
        [Spec(title="一", share_bp=5_000), Spec(title="  ", share_bp=5_000)],  # an empty title
        [Spec(title="一" * 201, share_bp=10_000)],  # a title too long
        [],  # none at all
    ],
    ids=["under-100", "over-100", "zero-share", "negative-share", "empty-title", "long-title", "none"],
)
def test_milestones_that_do_not_add_up_are_refused_and_nothing_changes(contract, specs):
    before = _milestones(contract)

    with pytest.raises(ValidationError) as refused:
        services.contract_milestones_set(actor=buyer_user(contract.tender), contract=contract, milestones=specs)

    assert "milestones" in refused.value.message_dict
    assert _milestones(contract) == before
    assert not _audit(contract, "contract.milestones").exists()


def test_milestones_cannot_change_after_one_signature(contract):
    buyer = buyer_user(contract.tender)
    services.contract_sign(actor=_supplier_user(contract), contract=contract)
    before = _milestones(contract)

    with pytest.raises(Conflict):
        services.contract_milestones_set(
            actor=buyer, contract=contract, milestones=[Spec(title="全部", share_bp=10_000)]
        )

    assert _milestones(contract) == before


def test_only_the_buyer_sets_milestones(contract, stranger_agency):
    for outsider in (stranger_agency, _supplier_user(contract)):
        with pytest.raises(PermissionDenied):
            services.contract_milestones_set(
                actor=outsider, contract=contract, milestones=[Spec(title="全部", share_bp=10_000)]
            )


# --- signing -----------------------------------------------------------------------------------------


def test_both_signatures_make_the_contract_active(contract):
    buyer = buyer_user(contract.tender)
    supplier = _supplier_user(contract)
    updates = _releases(contract, "contractUpdate")

    contract = services.contract_sign(actor=buyer, contract=contract)
    assert contract.state == ContractState.PENDING
    assert contract.buyer_signed_by == buyer
    assert contract.buyer_signed_at is not None
    assert _releases(contract, "contractUpdate") == updates

    with pytest.raises(Conflict):
        services.contract_sign(actor=buyer, contract=contract)

    contract = services.contract_sign(actor=supplier, contract=contract)
    contract.refresh_from_db()
    assert contract.state == ContractState.ACTIVE
    assert contract.signed_at == contract.supplier_signed_at
    assert contract.supplier_signed_by == supplier
    assert _audit(contract, "contract.sign.buyer").count() == 1
    assert _audit(contract, "contract.sign.supplier").count() == 1
    assert _releases(contract, "contractUpdate") == updates + 1
    assert set(Notification.objects.filter(kind="contract.signed").values_list("user_id", flat=True)) == {
        buyer.pk,
        supplier.pk,
    }


def test_a_stranger_cannot_sign(contract, stranger_vendor, stranger_agency):
    for stranger in (stranger_vendor, stranger_agency):
        with pytest.raises(PermissionDenied):
            services.contract_sign(actor=stranger, contract=contract)
    contract.refresh_from_db()
    assert contract.buyer_signed_at is None
    assert contract.supplier_signed_at is None


def _active(contract):
    services.contract_sign(actor=buyer_user(contract.tender), contract=contract)
    return services.contract_sign(actor=_supplier_user(contract), contract=contract)


def test_meeting_the_milestones_completes_the_contract(contract):
    buyer = buyer_user(contract.tender)
    contract = _active(contract)
    first, last = contract.milestones.order_by("position")
    implementation = _releases(contract, "implementation")

    services.contract_milestone_meet(actor=buyer, contract=contract, milestone_id=first.pk)

    first.refresh_from_db()
    contract.refresh_from_db()
    assert first.state == MilestoneState.MET
    assert first.met_at is not None
    assert contract.state == ContractState.ACTIVE
    assert _releases(contract, "implementation") == implementation + 1
    with pytest.raises(Conflict):
        services.contract_milestone_meet(actor=buyer, contract=contract, milestone_id=first.pk)

    services.contract_milestone_meet(actor=buyer, contract=contract, milestone_id=last.pk)

    contract.refresh_from_db()
    assert contract.state == ContractState.COMPLETED
    assert contract.completed_at is not None
    assert _audit(contract, "contract.milestone_met").count() == 2
    assert _audit(contract, "contract.complete").count() == 1
    assert _releases(contract, "implementation") == implementation + 2


def test_milestones_are_met_only_on_an_active_contract_by_the_buyer(contract):
    buyer = buyer_user(contract.tender)
    milestone = contract.milestones.first()
    with pytest.raises(Conflict):
        services.contract_milestone_meet(actor=buyer, contract=contract, milestone_id=milestone.pk)
    contract = _active(contract)
    with pytest.raises(PermissionDenied):
        services.contract_milestone_meet(actor=_supplier_user(contract), contract=contract, milestone_id=milestone.pk)
    with pytest.raises(ValidationError):
        services.contract_milestone_meet(actor=buyer, contract=contract, milestone_id=999_999)
    milestone.refresh_from_db()
    assert milestone.state == MilestoneState.SCHEDULED


def test_termination_needs_a_reason(contract):
    buyer = buyer_user(contract.tender)
    with pytest.raises(ValidationError) as refused:
        services.contract_terminate(actor=buyer, contract=contract, reason="  ")
    assert "reason" in refused.value.message_dict
    contract.refresh_from_db()
    assert contract.state == ContractState.PENDING


def test_a_terminated_contract_cannot_be_signed(contract):
    buyer = buyer_user(contract.tender)
    supplier = _supplier_user(contract)

    services.contract_terminate(actor=buyer, contract=contract, reason="中标人放弃签约。")

    contract.refresh_from_db()
    assert contract.state == ContractState.TERMINATED
    assert contract.termination_reason == "中标人放弃签约。"
    assert _audit(contract, "contract.terminate").count() == 1
    assert _releases(contract, "contractTermination") == 1
    assert Notification.objects.filter(kind="contract.terminated", user=supplier).exists()
    with pytest.raises(Conflict):
        services.contract_sign(actor=supplier, contract=contract)
    with pytest.raises(Conflict):
        services.contract_terminate(actor=buyer, contract=contract, reason="再次终止。")
    contract.refresh_from_db()
    assert contract.supplier_signed_at is None


def test_only_the_buyer_terminates(contract):
    with pytest.raises(PermissionDenied):
        services.contract_terminate(actor=_supplier_user(contract), contract=contract, reason="不想做了。")


# --- the signing reminder --------------------------------------------------------------------------


def _sign_by(contract, delta):
    Contract.objects.filter(pk=contract.pk).update(sign_by=timezone.now() + delta)


def test_the_reminder_goes_once_and_only_within_7_days_of_the_limit(awarded):
    tender, due = awarded
    buyer = buyer_user(tender)
    supplier = _supplier_user(due)
    _sign_by(due, timedelta(days=6))

    assert services.contracts_remind_unsigned() == 1
    assert services.contracts_remind_unsigned() == 0  # run twice: nothing more

    due.refresh_from_db()
    assert due.reminder_sent_at is not None
    reminded = Notification.objects.filter(kind="contract.reminder")
    assert sorted(reminded.values_list("user_id", flat=True)) == sorted([buyer.pk, supplier.pk])


@pytest.mark.parametrize(
    ("delta", "state"),
    [
        (timedelta(days=8), ContractState.PENDING),  # not yet within 7 days
        (timedelta(days=-1), ContractState.PENDING),  # the limit has passed
        (timedelta(days=3), ContractState.TERMINATED),  # no longer awaiting signatures
    ],
    ids=["too-early", "overdue", "terminated"],
)
def test_no_reminder_outside_the_last_7_days_or_for_other_states(contract, delta, state):
    if state == ContractState.TERMINATED:
        services.contract_terminate(actor=buyer_user(contract.tender), contract=contract, reason="作废。")
    _sign_by(contract, delta)

    assert services.contracts_remind_unsigned() == 0
    assert not Notification.objects.filter(kind="contract.reminder").exists()
