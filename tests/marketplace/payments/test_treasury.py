"""Government contracts: the agency records treasury transfers for accepted milestones, in the same
payment model and states as the cards of enterprise orders."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from marketplace import services
from marketplace.models import EntryKind, MilestonePayment, PaymentMethod, PaymentState
from portal.errors import Conflict, PermissionDenied
from tests.factories.acceptance import buyer_user_of, csv_file, deliver, gold_labels, planned_milestone, supplier_user
from tests.factories.payments import CARD, enterprise_contract

pytestmark = pytest.mark.django_db


@pytest.fixture
def accepted_plan():
    plan = planned_milestone()  # an agency's open tender
    delivery = deliver(plan, csv_file(gold_labels()))
    services.delivery_decide(actor=buyer_user_of(plan.contract), delivery=delivery, decision="accepted")
    return plan


def record(plan, amount_fen: int, voucher: str, *, actor=None, days_ago: int = 0):
    return services.treasury_transfer_record(
        actor=actor or buyer_user_of(plan.contract),
        contract=plan.contract,
        milestone_id=plan.milestone_id,
        amount_fen=amount_fen,
        transfer_date=timezone.localdate() - timedelta(days=days_ago),
        voucher_number=voucher,
    )


def test_transfers_add_up_to_the_milestone_and_mark_it_paid(accepted_plan):
    amount = accepted_plan.milestone.amount_fen

    record(accepted_plan, 5_000_000, "GK-2026-0001", days_ago=2)
    payment = MilestonePayment.objects.get(milestone=accepted_plan.milestone)
    assert (payment.method, payment.state, payment.intent_id) == (PaymentMethod.TREASURY, PaymentState.PENDING, "")

    with pytest.raises(Conflict, match="already recorded"):
        record(accepted_plan, 1, "GK-2026-0001")
    with pytest.raises(Conflict, match="remain"):
        record(accepted_plan, amount, "GK-2026-0002")

    record(accepted_plan, amount - 5_000_000, "GK-2026-0002")
    payment.refresh_from_db()
    assert payment.state == PaymentState.CAPTURED
    assert list(payment.entries.values_list("kind", "voucher_number")) == [
        (EntryKind.TREASURY_TRANSFER, "GK-2026-0001"),
        (EntryKind.TREASURY_TRANSFER, "GK-2026-0002"),
    ]
    assert services.payments_reconcile() == []


def test_a_transfer_needs_an_accepted_milestone_a_voucher_and_a_past_date():
    plan = planned_milestone()
    with pytest.raises(Conflict, match="accepted"):
        record(plan, 100, "GK-1")
    with pytest.raises(ValidationError):
        record(plan, 100, "  ")
    with pytest.raises(ValidationError):
        record(plan, 100, "GK-1", days_ago=-2)
    with pytest.raises(ValidationError):
        record(plan, 0, "GK-1")
    assert not MilestonePayment.objects.exists()


def test_government_contracts_do_not_pay_by_card_nor_enterprises_by_treasury(accepted_plan):
    with pytest.raises(Conflict, match="treasury"):
        services.milestone_payment_authorise(
            actor=buyer_user_of(accepted_plan.contract),
            contract=accepted_plan.contract,
            milestone_id=accepted_plan.milestone_id,
            payment_method=CARD,
        )
    enterprise_plan = planned_milestone(enterprise_contract())
    with pytest.raises(Conflict, match="card"):
        record(enterprise_plan, 100, "GK-1")


@pytest.mark.parametrize("who", ["supplier", "other_agency", "regulator"])
def test_only_the_agencys_staff_record_transfers(accepted_plan, who, agency_user, regulator_other_region):
    actor = {
        "supplier": lambda: supplier_user(accepted_plan.contract),
        "other_agency": lambda: agency_user,
        "regulator": lambda: regulator_other_region,
    }[who]()
    with pytest.raises(PermissionDenied):
        record(accepted_plan, 100, "GK-1", actor=actor)
    assert not MilestonePayment.objects.exists()
