"""Scoring by the committee and the evaluation result.

Each accepted member fills one score sheet per evaluation round: for every valid bid of every
active lot, qualified or not (a reason when not), and the technical and business scores out of
100 when the tender weighs them. A submitted sheet is final. When the last member submits, the
results are computed (marketplace.scoring) in the same transaction: lots left with fewer qualified
bids than the procedure needs become unsuccessful, and a tender with no lot left fails.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace import scoring
from marketplace.models import (
    FULL_MARKS,
    Bid,
    BidResult,
    BidState,
    Committee,
    CommitteeMember,
    LotState,
    MemberState,
    Score,
    ScoreSheet,
    Tender,
)
from marketplace.procedures import rules_of
from marketplace.services._common import MAX_TEXT, lock, staff_of
from marketplace.services.tenders import _transition
from marketplace.states import TenderAction, TenderState
from portal.accounts.models import User
from portal.audit.services import audit_chains_lock, audit_record
from portal.errors import Conflict, NotFound
from portal.notifications.services import notify


@dataclass(frozen=True)
class ScoreInput:
    bid_id: int
    qualified: bool
    technical: int = 0  # hundredths, 0..10,000
    business: int = 0
    reason: str = ""


def bids_under_evaluation(tender: Tender) -> list[Bid]:
    """The bids the committee judges: valid at the opening, on lots still active."""
    return list(
        Bid.objects.filter(tender=tender, state=BidState.VALID, lot__state=LotState.ACTIVE)
        .select_related("lot", "vendor")
        .defer("sealed")
        .order_by("lot__number", "received_at", "pk")
    )


def _seat_of(*, actor: User, tender: Tender) -> CommitteeMember:
    member = (
        CommitteeMember.objects.select_related("committee")
        .filter(committee__tender=tender, expert__person__user=actor)
        .exclude(state=MemberState.DECLINED)
        .first()
    )
    if member is None:
        raise NotFound()
    if member.state != MemberState.ACCEPTED:
        raise Conflict(_("Accept the invitation, declaring that you have no conflict of interest, before scoring."))
    return member


def _check_scores(tender: Tender, scores: Sequence[ScoreInput], *, complete: bool) -> None:
    expected = {bid.pk for bid in bids_under_evaluation(tender)}
    errors: list[str] = []
    seen: set[int] = set()
    for item in scores:
        if item.bid_id not in expected:
            errors.append(_("Bid %(bid)s is not one the committee evaluates.") % {"bid": item.bid_id})
            continue
        if item.bid_id in seen:
            errors.append(_("Bid %(bid)s is scored twice.") % {"bid": item.bid_id})
        seen.add(item.bid_id)
        for value in (item.technical, item.business):
            if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= FULL_MARKS:
                errors.append(_("Scores are from 0 to 100 with at most two decimals."))
        if not item.qualified and not item.reason.strip():
            errors.append(_("Give the reason for disqualifying a bid."))
        if len(item.reason) > MAX_TEXT:
            errors.append(_("Keep it under %(n)d characters.") % {"n": MAX_TEXT})
    if complete and seen != expected:
        errors.append(_("Score every bid before submitting."))
    if errors:
        raise ValidationError({"scores": list(dict.fromkeys(errors))})


def score_sheet_save(*, actor: User, tender: Tender, scores: Sequence[ScoreInput], submit: bool) -> ScoreSheet:
    """Save the member's sheet for the current round; `submit` makes it final (every bid scored).
    Scores the tender does not weigh are stored as 0."""
    with transaction.atomic():
        tender = lock(Tender, tender.pk)
        member = _seat_of(actor=actor, tender=tender)
        if tender.state != TenderState.EVALUATION:
            raise Conflict(_("Scores are taken only while the tender is under evaluation."))
        committee = lock(Committee, member.committee_id)
        if committee.members.filter(state=MemberState.ACCEPTED).count() < committee.size:
            raise Conflict(_("Scoring starts when every seat of the committee is accepted."))
        if BidResult.objects.filter(tender=tender, round=tender.evaluation_round).exists():
            raise Conflict(_("This evaluation round is concluded."))
        sheet = (
            ScoreSheet.objects.select_for_update(of=("self",))
            .filter(member=member, round=tender.evaluation_round)
            .first()
        )
        if sheet is not None and sheet.submitted_at is not None:
            raise Conflict(_("Your scores for this round are submitted and can no longer change."))
        _check_scores(tender, scores, complete=submit)
        if sheet is None:
            sheet = ScoreSheet.objects.create(member=member, tender=tender, round=tender.evaluation_round)
        sheet.scores.all().delete()
        Score.objects.bulk_create(
            Score(
                sheet=sheet,
                bid_id=item.bid_id,
                qualified=item.qualified,
                disqualification_reason="" if item.qualified else item.reason.strip(),
                technical=item.technical if tender.technical_weight_bp else 0,
                business=item.business if tender.business_weight_bp else 0,
            )
            for item in scores
        )
        if submit:
            sheet.submitted_at = timezone.now()
            sheet.save(update_fields=["submitted_at", "updated_at"])
            # The last sheet also audits the tender (_conclude): take both chains in a fixed order.
            audit_chains_lock([sheet, tender])
            audit_record(
                actor=actor,
                action="score_sheet.submit",
                obj=sheet,
                before={},
                after={
                    "round": sheet.round,
                    "scores": [
                        [s.bid_id, s.qualified, s.technical, s.business, s.disqualification_reason]
                        for s in sheet.scores.order_by("bid_id")
                    ],
                },
            )
            submitted = ScoreSheet.objects.filter(
                tender=tender,
                round=tender.evaluation_round,
                submitted_at__isnull=False,
                member__state=MemberState.ACCEPTED,
            ).count()
            if submitted == committee.size:
                _conclude(tender)
        else:
            sheet.save(update_fields=["updated_at"])
    return sheet


def _conclude(tender: Tender) -> None:
    """Compute and store the round's results; fail the lots (and the tender) left short."""
    round_number = tender.evaluation_round
    judgements: dict[int, list[scoring.Judgement]] = {}
    for score in Score.objects.filter(
        sheet__tender=tender, sheet__round=round_number, sheet__submitted_at__isnull=False
    ).order_by("sheet__member_id", "bid_id"):
        judgements.setdefault(score.bid_id, []).append(
            scoring.Judgement(
                qualified=score.qualified,
                technical=score.technical,
                business=score.business,
                reason=score.disqualification_reason,
            )
        )
    weights = scoring.Weights(
        price_bp=tender.price_weight_bp, technical_bp=tender.technical_weight_bp, business_bp=tender.business_weight_bp
    )
    needed = rules_of(tender.procedure).min_valid_bids
    by_lot: dict[int, list[Bid]] = {}
    for bid in bids_under_evaluation(tender):
        by_lot.setdefault(bid.lot_id, []).append(bid)
    short_lots = []
    for lot_id, bids in by_lot.items():
        outcomes = scoring.evaluate_lot(
            [
                scoring.BidInput(
                    bid_id=bid.pk,
                    price_fen=bid.price_fen or 0,
                    received_at=bid.received_at,
                    judgements=judgements[bid.pk],
                )
                for bid in bids
            ],
            weights,
        )
        BidResult.objects.bulk_create(
            BidResult(
                bid_id=outcome.bid_id,
                tender=tender,
                lot_id=lot_id,
                round=round_number,
                qualified=outcome.qualified,
                disqualification_reasons="\n".join(outcome.reasons),
                price_points=outcome.price_points,
                technical_points=outcome.technical_points,
                business_points=outcome.business_points,
                total_points=outcome.total_points,
                rank=outcome.rank,
            )
            for outcome in outcomes
        )
        if sum(1 for outcome in outcomes if outcome.qualified) < needed:
            short_lots.append(lot_id)
    tender.lots.filter(pk__in=short_lots).update(state=LotState.UNSUCCESSFUL)
    audit_record(
        actor=None,
        action="tender.evaluate",
        obj=tender,
        before={},
        after={
            "round": round_number,
            "results": [
                [r.bid_id, r.qualified, r.total_points, r.rank]
                for r in BidResult.objects.filter(tender=tender, round=round_number).order_by("bid_id")
            ],
            "unsuccessful_lots": sorted(short_lots),
        },
    )
    if not tender.lots.filter(state=LotState.ACTIVE).exists():
        _transition(actor=None, tender=tender, action=TenderAction.FAIL, tags=["tenderUpdate"])
    notify(
        users=staff_of(tender.buyer),
        kind="evaluation.completed",
        params={"reference": tender.reference},
        url=reverse("marketplace:committee-report", args=[tender.pk]),
        key=f"evaluation.completed:{tender.pk}:{round_number}",
    )
