"""Award (中标) and contract (合同): the end of the tender and the work it bought.

The award goes, lot by lot, to the first candidate of the last evaluation round, once the
publicity window is over and no challenge is unanswered. Each award opens a contract, pending until
both parties sign (within 30 days; a reminder goes out 7 days before), carrying the payment
milestones of the tender, whose shares the buyer may rearrange before anyone signs (they must sum
to exactly 100 %). A signed contract is active, then completed when every milestone is met, or
terminated with a reason. Every step is audited and published as an OCDS release.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import partial
from typing import cast

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.models import (
    Award,
    Bid,
    BidResult,
    Challenge,
    ChallengeState,
    Contract,
    ContractMilestone,
    ContractState,
    LotState,
    MilestoneState,
    Tender,
)
from marketplace.ocds.publish import release_record
from marketplace.services._common import lock, require_buyer_staff, require_vendor_staff, required_text, staff_of
from marketplace.services.payments import contract_payments_release_queue, payment_capture_queue
from marketplace.services.tenders import FULL_BP, _transition
from marketplace.states import TenderAction, TenderState
from monitoring.rollups import events as rollup_events
from portal.accounts.models import User
from portal.audit.services import audit_chains_lock, audit_record, snapshot
from portal.errors import Conflict, PermissionDenied
from portal.money import split_by_shares
from portal.notifications.services import notify
from registry.models import Organisation
from registry.roles import managing_role
from registry.selectors import has_role

SIGNING_PERIOD = timedelta(days=30)  # 政府采购法 art. 46: sign within 30 days of the award notice
REMINDER_BEFORE = timedelta(days=7)
MILESTONE_TITLE_MAX = 200
CONTRACT_AUDIT_FIELDS = (
    "reference",
    "state",
    "value_fen",
    "buyer_signed_at",
    "supplier_signed_at",
    "signed_at",
    "completed_at",
    "terminated_at",
    "termination_reason",
)


@dataclass(frozen=True)
class ContractMilestoneSpec:
    title: str
    share_bp: int
    due_on: date | None = None


def _contract_url(contract: Contract) -> str:
    return reverse("marketplace:contract-detail", args=[contract.pk])


def tender_award(*, actor: User, tender: Tender) -> list[Contract]:
    """Award every active lot to its first candidate and open the contracts."""
    require_buyer_staff(actor=actor, buyer=tender.buyer)
    with transaction.atomic():
        tender = lock(Tender, tender.pk)
        if tender.state != TenderState.PUBLICITY:
            raise Conflict(_("A tender is awarded after its candidates' publicity."))
        now = timezone.now()
        if tender.publicity_ends_at is None or now < tender.publicity_ends_at:
            raise Conflict(
                _("The candidates are in publicity until %(until)s; the award comes after.")
                % {"until": timezone.localtime(tender.publicity_ends_at).strftime("%Y-%m-%d %H:%M")}
            )
        if Challenge.objects.filter(tender=tender, state=ChallengeState.PENDING).exists():
            raise Conflict(_("The tender is paused: answer every challenge before the award."))
        winners = list(
            BidResult.objects.filter(tender=tender, round=tender.evaluation_round, rank=1, lot__state=LotState.ACTIVE)
            .select_related("bid__vendor", "lot")
            .order_by("lot__number")
        )
        template = list(tender.milestones.order_by("position"))
        contracts = []
        for result in winners:
            bid = result.bid
            award = Award.objects.create(
                tender=tender,
                lot=result.lot,
                bid=bid,
                supplier=bid.vendor,
                value_fen=cast(int, bid.price_fen),  # an opened, ranked bid has its price
                awarded_by=actor,
                awarded_at=now,
            )
            contract = Contract.objects.create(
                award=award,
                tender=tender,
                buyer=tender.buyer,
                supplier=bid.vendor,
                title=f"{tender.title} — {result.lot.title}",
                value_fen=award.value_fen,
                sign_by=now + SIGNING_PERIOD,
            )
            contract.reference = f"HT{timezone.localtime(now).year}{contract.pk:08d}"
            contract.save(update_fields=["reference"])
            amounts = split_by_shares(contract.value_fen, [m.share_bp for m in template])
            ContractMilestone.objects.bulk_create(
                ContractMilestone(
                    contract=contract, position=m.position, title=m.title, share_bp=m.share_bp, amount_fen=amount
                )
                for m, amount in zip(template, amounts, strict=True)
            )
            contracts.append(contract)
        rollup_events.tender_awarded(tender, [contract.award for contract in contracts])
        audit_chains_lock([tender, *(c.award for c in contracts), *contracts])
        for contract in contracts:
            audit_record(
                actor=actor,
                action="award.create",
                obj=contract.award,
                before={},
                after={
                    "tender": tender.pk,
                    "lot": contract.award.lot_id,
                    "bid": contract.award.bid_id,
                    "supplier": contract.supplier_id,
                    "value_fen": contract.value_fen,
                },
            )
            audit_record(
                actor=actor,
                action="contract.create",
                obj=contract,
                before={},
                after=snapshot(contract, CONTRACT_AUDIT_FIELDS),
            )
        _transition(actor=actor, tender=tender, action=TenderAction.AWARD, tags=["award", "contract"])
        _notify_award(tender, contracts)
    return contracts


def _notify_award(tender: Tender, contracts: list[Contract]) -> None:
    bidders = Bid.objects.filter(tender=tender, opened_at__isnull=False)
    for contract in contracts:
        lot = contract.award.lot
        notify(
            users=staff_of(contract.supplier),
            kind="award.won",
            params={"lot": lot.number, "reference": tender.reference, "title": tender.title},
            url=_contract_url(contract),
            key=f"award.won:{contract.award.pk}",
        )
        # Every other organisation whose bid on this lot was opened (not one that withdrew it).
        losers = Organisation.objects.filter(
            pk__in=bidders.filter(lot=lot).exclude(vendor=contract.supplier_id).values("vendor_id")
        ).order_by("pk")
        notify(
            users=staff_of(*losers),
            kind="award.lost",
            params={"lot": lot.number, "reference": tender.reference},
            url=reverse("marketplace:tender-award", args=[tender.pk]),
            key=f"award.lost:{contract.award.pk}",
        )
        notify(
            users=staff_of(contract.buyer, contract.supplier),
            kind="contract.to_sign",
            params={
                "contract": contract.reference,
                "sign_by": timezone.localtime(contract.sign_by).strftime("%Y-%m-%d"),
            },
            url=_contract_url(contract),
            key=f"contract.to_sign:{contract.pk}",
        )
    for lot in tender.lots.filter(state=LotState.UNSUCCESSFUL, bids__opened_at__isnull=False).distinct():
        notify(
            users=staff_of(
                *Organisation.objects.filter(pk__in=bidders.filter(lot=lot).values("vendor_id")).order_by("pk")
            ),
            kind="lot.unsuccessful",
            params={"lot": lot.number, "reference": tender.reference},
            url=reverse("marketplace:tender-award", args=[tender.pk]),
            key=f"lot.unsuccessful:{lot.pk}",
        )


def contract_milestones_set(
    *, actor: User, contract: Contract, milestones: Sequence[ContractMilestoneSpec]
) -> Contract:
    """Replace the payment milestones before anyone signs: shares above zero summing to exactly
    100 %, titles given; amounts follow from the shares."""
    errors = []
    if not milestones:
        errors.append(_("Give at least one payment milestone."))
    elif any(m.share_bp <= 0 for m in milestones) or sum(m.share_bp for m in milestones) != FULL_BP:
        errors.append(_("The milestones' shares must each be above zero and add up to exactly 100 %."))
    if any(not m.title.strip() for m in milestones):
        errors.append(_("Give every milestone a title."))
    elif any(len(m.title.strip()) > MILESTONE_TITLE_MAX for m in milestones):
        errors.append(_("Keep each milestone's title under %(n)d characters.") % {"n": MILESTONE_TITLE_MAX})
    if errors:
        raise ValidationError({"milestones": errors})
    require_buyer_staff(actor=actor, buyer=contract.buyer)
    with transaction.atomic():
        contract = lock(Contract, contract.pk)
        if contract.state != ContractState.PENDING or contract.buyer_signed_at or contract.supplier_signed_at:
            raise Conflict(_("Milestones can change only before either party signs."))
        before = list(contract.milestones.values_list("title", "share_bp"))
        contract.milestones.all().delete()
        amounts = split_by_shares(contract.value_fen, [m.share_bp for m in milestones])
        ContractMilestone.objects.bulk_create(
            ContractMilestone(
                contract=contract,
                position=index,
                title=m.title.strip(),
                share_bp=m.share_bp,
                amount_fen=amount,
                due_on=m.due_on,
            )
            for index, (m, amount) in enumerate(zip(milestones, amounts, strict=True), start=1)
        )
        audit_record(
            actor=actor,
            action="contract.milestones",
            obj=contract,
            before={"milestones": before},
            after={
                "milestones": [
                    [m.title.strip(), m.share_bp, amount] for m, amount in zip(milestones, amounts, strict=True)
                ]
            },
        )
    return contract


def _side(actor: User, contract: Contract) -> str:
    if has_role(user=actor, organisation=contract.buyer, role=managing_role(contract.buyer.kind)):
        return "buyer"
    if has_role(user=actor, organisation=contract.supplier, role=managing_role(contract.supplier.kind)):
        require_vendor_staff(actor=actor, vendor=contract.supplier)
        return "supplier"
    raise PermissionDenied(_("Only the buyer's or the supplier's staff can sign this contract."))


def contract_sign(*, actor: User, contract: Contract) -> Contract:
    """Sign for the actor's side; the second signature makes the contract active."""
    side = _side(actor, contract)
    with transaction.atomic():
        # The tender first (the fixed order), held for its release numbering (release_record).
        lock(Tender, contract.tender_id)
        contract = lock(Contract, contract.pk)
        if contract.state != ContractState.PENDING:
            raise Conflict(_("Only a contract awaiting signature can be signed."))
        if getattr(contract, f"{side}_signed_at") is not None:
            raise Conflict(_("Your side has already signed this contract."))
        before = snapshot(contract, CONTRACT_AUDIT_FIELDS)
        now = timezone.now()
        setattr(contract, f"{side}_signed_at", now)
        setattr(contract, f"{side}_signed_by", actor)
        activated = contract.buyer_signed_at is not None and contract.supplier_signed_at is not None
        if activated:
            contract.state = ContractState.ACTIVE
            contract.signed_at = now
        contract.save()
        rollup_events.contract_signed(contract)
        audit_record(
            actor=actor,
            action=f"contract.sign.{side}",
            obj=contract,
            before=before,
            after=snapshot(contract, CONTRACT_AUDIT_FIELDS),
        )
        if activated:
            release_record(tender=contract.tender, tags=["contractUpdate"])
            notify(
                users=staff_of(contract.buyer, contract.supplier),
                kind="contract.signed",
                params={"contract": contract.reference},
                url=_contract_url(contract),
                key=f"contract.signed:{contract.pk}",
            )
    return contract


def contract_milestone_meet(*, actor: User, contract: Contract, milestone_id: int) -> ContractMilestone:
    """The buyer records a milestone as met by hand; a milestone with an acceptance plan is met
    only by accepting one of its deliveries (services.acceptance)."""
    require_buyer_staff(actor=actor, buyer=contract.buyer)
    with transaction.atomic():
        lock(Tender, contract.tender_id)
        contract = lock(Contract, contract.pk)
        milestone = contract.milestones.select_for_update().filter(pk=milestone_id).first()
        if milestone is None:
            raise ValidationError({"milestone": [_("This milestone is not part of the contract.")]})
        if hasattr(milestone, "acceptance_plan"):
            raise Conflict(_("This milestone is met by accepting one of its deliveries."))
        milestone_met(actor=actor, contract=contract, milestone=milestone)
    return milestone


def milestone_met(*, actor: User, contract: Contract, milestone: ContractMilestone) -> None:
    """Mark a milestone met inside the caller's transaction (tender, contract and milestone rows
    locked); the last one completes the contract. Audited and published as an implementation
    release."""
    if contract.state != ContractState.ACTIVE:
        raise Conflict(_("Milestones are met only on an active contract."))
    if milestone.state != MilestoneState.SCHEDULED:
        raise Conflict(_("This milestone is already met."))
    now = timezone.now()
    milestone.state = MilestoneState.MET
    milestone.met_at = now
    milestone.save(update_fields=["state", "met_at"])
    # A card hold on the milestone is captured now that it is met (by acceptance or by hand).
    transaction.on_commit(partial(payment_capture_queue, milestone.pk))
    audit_record(
        actor=actor,
        action="contract.milestone_met",
        obj=contract,
        before={},
        after={"milestone": milestone.position, "amount_fen": milestone.amount_fen},
    )
    tags = ["implementation"]
    if not contract.milestones.exclude(state=MilestoneState.MET).exists():
        before = snapshot(contract, CONTRACT_AUDIT_FIELDS)
        contract.state = ContractState.COMPLETED
        contract.completed_at = now
        contract.save(update_fields=["state", "completed_at"])
        audit_record(
            actor=actor,
            action="contract.complete",
            obj=contract,
            before=before,
            after=snapshot(contract, CONTRACT_AUDIT_FIELDS),
        )
        tags = ["implementation", "contractUpdate"]
    release_record(tender=contract.tender, tags=tags)


def contract_terminate(*, actor: User, contract: Contract, reason: str) -> Contract:
    """End a pending or active contract early, with the published reason."""
    reason = required_text(reason, "reason", _("Give the reason for terminating the contract."))
    require_buyer_staff(actor=actor, buyer=contract.buyer)
    with transaction.atomic():
        lock(Tender, contract.tender_id)
        contract = lock(Contract, contract.pk)
        if contract.state not in (ContractState.PENDING, ContractState.ACTIVE):
            raise Conflict(_("Only a pending or active contract can be terminated."))
        before = snapshot(contract, CONTRACT_AUDIT_FIELDS)
        contract.state = ContractState.TERMINATED
        contract.terminated_at = timezone.now()
        contract.termination_reason = reason
        contract.save(update_fields=["state", "terminated_at", "termination_reason"])
        audit_record(
            actor=actor,
            action="contract.terminate",
            obj=contract,
            before=before,
            after=snapshot(contract, CONTRACT_AUDIT_FIELDS),
        )
        release_record(tender=contract.tender, tags=["contractTermination"])
        transaction.on_commit(partial(contract_payments_release_queue, contract.pk))
        notify(
            users=staff_of(contract.buyer, contract.supplier),
            kind="contract.terminated",
            params={"contract": contract.reference},
            url=_contract_url(contract),
            key=f"contract.terminated:{contract.pk}",
        )
    return contract


def contracts_remind_unsigned() -> int:
    """Remind both parties of every contract still unsigned 7 days before its signing limit, once
    (the beat task; safe to run twice: the row is locked and marked)."""
    now = timezone.now()
    due = list(
        Contract.objects.filter(
            state=ContractState.PENDING,
            reminder_sent_at__isnull=True,
            sign_by__gt=now,
            sign_by__lte=now + REMINDER_BEFORE,
        ).values_list("pk", flat=True)[:1000]
    )
    sent = 0
    for pk in due:
        with transaction.atomic():
            contract = (
                Contract.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("buyer", "supplier")
                .filter(pk=pk, state=ContractState.PENDING, reminder_sent_at__isnull=True)
                .first()
            )
            if contract is None:
                continue
            contract.reminder_sent_at = timezone.now()
            contract.save(update_fields=["reminder_sent_at"])
            notify(
                users=staff_of(contract.buyer, contract.supplier),
                kind="contract.reminder",
                params={
                    "contract": contract.reference,
                    "sign_by": timezone.localtime(contract.sign_by).strftime("%Y-%m-%d"),
                },
                url=_contract_url(contract),
                key=f"contract.reminder:{contract.pk}",
            )
            sent += 1
    return sent
