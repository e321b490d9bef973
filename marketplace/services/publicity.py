"""Publicity of the candidates (中标候选人公示) and challenges (质疑).

The agency publishes the first candidates of each lot for at least 3 days. Any bidder may
challenge within that window; while a challenge is unanswered the tender is paused (it cannot be
awarded). The agency answers every challenge, and the answer is published. Upholding one sends the
tender back to the committee for a new evaluation round; rejecting it lets the award proceed once
the window is over.
"""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.models import (
    Bid,
    BidResult,
    Challenge,
    ChallengeState,
    CommitteeMember,
    LotState,
    MemberState,
    Tender,
)
from marketplace.services._common import lock, require_buyer_staff, require_vendor_staff, required_text, staff_of
from marketplace.services.tenders import _transition
from marketplace.states import TenderAction, TenderState
from portal.accounts.models import User
from portal.audit.services import audit_chains_lock, audit_record
from portal.errors import Conflict, PermissionDenied
from portal.notifications.services import notify
from registry.models import Organisation

MIN_PUBLICITY_DAYS = 3
MAX_PUBLICITY_DAYS = 30
# How many ranked bids of each lot the candidate notice names (中标候选人, usually 3).
CANDIDATES_PER_LOT = 3


def _opened_bidders(tender: Tender) -> list[Organisation]:
    """Every organisation whose bid was opened (valid or invalid)."""
    vendor_ids = Bid.objects.filter(tender=tender, opened_at__isnull=False).values_list("vendor_id", flat=True)
    return list(Organisation.objects.filter(pk__in=vendor_ids).order_by("pk"))


def tender_publicise(*, actor: User, tender: Tender, days: int = MIN_PUBLICITY_DAYS) -> Tender:
    """Publish the candidates of the concluded evaluation round for `days` days."""
    if not isinstance(days, int) or not MIN_PUBLICITY_DAYS <= days <= MAX_PUBLICITY_DAYS:
        raise ValidationError(
            {
                "days": [
                    _("Candidates are published for %(min)d to %(max)d days.")
                    % {"min": MIN_PUBLICITY_DAYS, "max": MAX_PUBLICITY_DAYS}
                ]
            }
        )
    require_buyer_staff(actor=actor, buyer=tender.buyer)
    with transaction.atomic():
        tender = lock(Tender, tender.pk)
        if tender.state != TenderState.EVALUATION:
            raise Conflict(_("Only a tender under evaluation can publish its candidates."))
        if not BidResult.objects.filter(
            tender=tender, round=tender.evaluation_round, rank__isnull=False, lot__state=LotState.ACTIVE
        ).exists():
            raise Conflict(_("The committee has not concluded its evaluation yet."))
        now = timezone.now()
        tender.publicity_started_at = now
        tender.publicity_ends_at = now + timedelta(days=days)
        _transition(actor=actor, tender=tender, action=TenderAction.PUBLICISE, tags=["award"])
        notify(
            users=staff_of(*_opened_bidders(tender)),
            kind="publicity.started",
            params={
                "reference": tender.reference,
                "until": timezone.localtime(tender.publicity_ends_at).strftime("%Y-%m-%d %H:%M"),
            },
            url=reverse("marketplace:tender-candidates", args=[tender.pk]),
            key=f"publicity.started:{tender.pk}:{tender.evaluation_round}",
        )
    return tender


def challenge_submit(*, actor: User, tender: Tender, vendor: Organisation, grounds: str) -> Challenge:
    """A bidder challenges the candidates while the publicity window is open."""
    grounds = required_text(grounds, "grounds", _("State the grounds of the challenge."))
    require_vendor_staff(actor=actor, vendor=vendor)
    with transaction.atomic():
        tender = lock(Tender, tender.pk)
        if not Bid.objects.filter(tender=tender, vendor=vendor, opened_at__isnull=False).exists():
            raise PermissionDenied(_("Only a bidder of this tender can challenge its candidates."))
        now = timezone.now()
        if tender.state != TenderState.PUBLICITY or tender.publicity_ends_at is None or now >= tender.publicity_ends_at:
            raise Conflict(_("Challenges are taken only while the candidates are in publicity."))
        paused = Challenge.objects.filter(tender=tender, state=ChallengeState.PENDING).exists()
        challenge = Challenge.objects.create(
            tender=tender,
            vendor=vendor,
            submitted_by=actor,
            round=tender.evaluation_round,
            grounds=grounds,
            submitted_at=now,
        )
        audit_chains_lock([tender, challenge])  # two audit chains: taken in a fixed order
        audit_record(
            actor=actor,
            action="challenge.submit",
            obj=challenge,
            before={},
            after={"tender": tender.pk, "vendor": vendor.pk, "round": challenge.round, "grounds": grounds},
        )
        if not paused:
            audit_record(actor=actor, action="tender.pause", obj=tender, before={}, after={"challenge": challenge.pk})
        notify(
            users=staff_of(tender.buyer),
            kind="challenge.submitted",
            params={"reference": tender.reference},
            url=reverse("marketplace:tender-challenges", args=[tender.pk]),
            key=f"challenge.submitted:{challenge.pk}",
        )
    return challenge


def challenge_answer(*, actor: User, challenge: Challenge, answer: str, upheld: bool) -> Challenge:
    """Publish the answer. An upheld challenge reopens the evaluation (a new round)."""
    answer = required_text(answer, "answer", _("Write the answer."))
    require_buyer_staff(actor=actor, buyer=challenge.tender.buyer)
    with transaction.atomic():
        tender = lock(Tender, challenge.tender_id)
        challenge = lock(Challenge, challenge.pk)
        if challenge.state != ChallengeState.PENDING:
            raise Conflict(_("This challenge has already been answered."))
        audit_chains_lock([tender, challenge])
        challenge.state = ChallengeState.UPHELD if upheld else ChallengeState.REJECTED
        challenge.answer = answer
        challenge.answered_by = actor
        challenge.answered_at = timezone.now()
        challenge.save()
        audit_record(
            actor=actor,
            action="challenge.answer",
            obj=challenge,
            before={"state": ChallengeState.PENDING},
            after={"state": challenge.state, "answer": answer},
        )
        if upheld and tender.state == TenderState.PUBLICITY and challenge.round == tender.evaluation_round:
            _reevaluate(actor=actor, tender=tender)
        elif (
            tender.state == TenderState.PUBLICITY
            and not Challenge.objects.filter(tender=tender, state=ChallengeState.PENDING).exists()
        ):
            audit_record(actor=actor, action="tender.resume", obj=tender, before={}, after={"challenge": challenge.pk})
        notify(
            users=staff_of(challenge.vendor),
            kind="challenge.upheld" if upheld else "challenge.rejected",
            params={"reference": tender.reference},
            url=reverse("marketplace:tender-challenges", args=[tender.pk]),
            key=f"challenge.answered:{challenge.pk}",
        )
    return challenge


def _reevaluate(*, actor: User, tender: Tender) -> None:
    """Back to the committee: a new round, in which lots that the last round left short compete
    again (lots short since the opening stay unsuccessful)."""
    previous = tender.evaluation_round
    tender.lots.filter(state=LotState.UNSUCCESSFUL, bid_results__round=previous).update(state=LotState.ACTIVE)
    tender.evaluation_round = previous + 1
    tender.publicity_started_at = None
    tender.publicity_ends_at = None
    _transition(actor=actor, tender=tender, action=TenderAction.REEVALUATE, tags=["awardUpdate"])
    members = CommitteeMember.objects.filter(committee__tender=tender, state=MemberState.ACCEPTED).select_related(
        "expert__person__user"
    )
    notify(
        users=[member.expert.person.user for member in members if member.expert.person.user],
        kind="evaluation.reopened",
        params={"reference": tender.reference},
        url=reverse("marketplace:score-sheet", args=[tender.pk]),
        key=f"evaluation.reopened:{tender.pk}:{tender.evaluation_round}",
    )
