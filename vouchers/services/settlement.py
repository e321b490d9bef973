"""Settlement (兑付): once the contract is fully paid (for an external order, the claim's evidence
shows it), the holder or the provider claims the redeemed amount with evidence; an officer approves
or rejects it with a reason; an approved claim is disbursed (the treasury transfer is recorded) and
written off (核销) in the same step, which moves the amount from redeemed to settled."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.selectors.payments import contract_fully_paid
from marketplace.services._common import lock, required_text
from monitoring.rollups import events as rollup_events
from portal.accounts.models import User
from portal.audit.services import audit_record
from portal.errors import Conflict, PermissionDenied
from vouchers import ledger, selectors
from vouchers.models import (
    CLAIM_TRANSITIONS,
    Account,
    ClaimState,
    Redemption,
    RedemptionState,
    SettlementClaim,
    TransactionKind,
)
from vouchers.services._common import require_officer, store_evidence

MAX_TRANSFER_NUMBER = 64


def claim_submit(
    *, actor: User, redemption: Redemption, evidence: UploadedFile | None, note: str = ""
) -> SettlementClaim:
    # Read afresh: the caller's object may be older than a confirmation (which works on its own copy).
    redemption = Redemption.objects.select_related("contract").get(pk=redemption.pk)
    mine = selectors.managed_organisations(actor)
    claimant = mine.filter(pk__in=[redemption.holder_id, redemption.provider_id]).order_by("pk").first()
    if claimant is None:
        raise PermissionDenied(_("Only the holder or the provider can claim settlement."))
    if redemption.state != RedemptionState.CONFIRMED:
        raise Conflict(
            _("Only a confirmed redemption can be settled; this one is %(state)s.")
            % {"state": RedemptionState(redemption.state).label}
        )
    if redemption.contract is not None and not contract_fully_paid(redemption.contract):
        raise Conflict(_("Settlement is claimed after the contract is fully paid; it is not yet."))
    claim = SettlementClaim(
        redemption=redemption,
        programme_id=redemption.programme_id,
        claimant=claimant,
        note=(note or "").strip()[:5_000],
        submitted_by=actor,
    )
    stored = store_evidence(file=claim.evidence, upload=evidence)
    claim.evidence_sha256, claim.evidence_name = stored.sha256, stored.name
    try:
        with transaction.atomic():
            claim.save()
            audit_record(
                actor=actor,
                action="voucher_claim.submit",
                obj=claim,
                before={},
                after={"redemption": redemption.pk, "amount_fen": redemption.amount_fen},
            )
    except IntegrityError as error:
        claim.evidence.delete(save=False)
        raise Conflict(_("This redemption already has a settlement claim.")) from error
    return claim


def _move(claim: SettlementClaim, state: str) -> str:
    before = claim.state
    if state not in CLAIM_TRANSITIONS[before]:
        raise Conflict(_("This claim is already %(state)s.") % {"state": ClaimState(before).label})
    claim.state = state
    return before


def claim_approve(*, actor: User, claim: SettlementClaim, note: str = "") -> SettlementClaim:
    require_officer(actor=actor, programme=claim.programme)
    with transaction.atomic():
        claim = lock(SettlementClaim, claim.pk)
        before = _move(claim, ClaimState.APPROVED)
        claim.review_note = (note or "").strip()
        claim.reviewed_by = actor
        claim.reviewed_at = timezone.now()
        claim.save(update_fields=["state", "review_note", "reviewed_by", "reviewed_at"])
        audit_record(
            actor=actor,
            action="voucher_claim.approve",
            obj=claim,
            before={"state": before},
            after={"state": claim.state},
        )
    return claim


def claim_reject(*, actor: User, claim: SettlementClaim, reason: str) -> SettlementClaim:
    """A rejected claim may be made again, with better evidence."""
    require_officer(actor=actor, programme=claim.programme)
    reason = required_text(reason, "reason", _("Give the claimant a reason."))
    with transaction.atomic():
        claim = lock(SettlementClaim, claim.pk)
        before = _move(claim, ClaimState.REJECTED)
        claim.review_note = reason
        claim.reviewed_by = actor
        claim.reviewed_at = timezone.now()
        claim.save(update_fields=["state", "review_note", "reviewed_by", "reviewed_at"])
        audit_record(
            actor=actor,
            action="voucher_claim.reject",
            obj=claim,
            before={"state": before},
            after={"state": claim.state, "reason": reason},
        )
    return claim


def claim_disburse(
    *,
    actor: User,
    claim: SettlementClaim,
    transfer_number: str,
    transferred_on: datetime.date,
    today: datetime.date | None = None,
) -> SettlementClaim:
    """Record the transfer that paid an approved claim and write the redemption off."""
    today = today or timezone.localdate()
    require_officer(actor=actor, programme=claim.programme)
    transfer_number = required_text(transfer_number, "transfer_number", _("Give the transfer voucher number."))
    if len(transfer_number) > MAX_TRANSFER_NUMBER:
        raise ValidationError({"transfer_number": [_("A transfer number has at most 64 characters.")]})
    if transferred_on > today:
        raise ValidationError({"transferred_on": [_("The transfer date cannot be in the future.")]})
    with transaction.atomic():
        claim = lock(SettlementClaim, claim.pk)
        redemption = lock(Redemption, claim.redemption_id)
        before = _move(claim, ClaimState.SETTLED)
        if redemption.state != RedemptionState.CONFIRMED:
            raise Conflict(_("This redemption is already settled."))
        claim.transfer_number = transfer_number
        claim.transferred_on = transferred_on
        claim.settled_at = timezone.now()
        claim.save(update_fields=["state", "transfer_number", "transferred_on", "settled_at"])
        redemption.state = RedemptionState.SETTLED
        redemption.save(update_fields=["state"])
        ledger.move(
            programme_id=claim.programme_id,
            kind=TransactionKind.SETTLE,
            amount_fen=redemption.amount_fen,
            source=(Account.REDEEMED, redemption.voucher_id),
            target=(Account.SETTLED, None),
            actor=actor,
            voucher_id=redemption.voucher_id,
            redemption_id=redemption.pk,
            claim_id=claim.pk,
        )
        rollup_events.voucher_settled(claim, redemption)
        audit_record(
            actor=actor,
            action="voucher_claim.disburse",
            obj=claim,
            before={"state": before},
            after={"state": claim.state, "transfer_number": transfer_number, "transferred_on": transferred_on},
        )
    return claim
