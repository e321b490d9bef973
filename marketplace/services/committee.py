"""The evaluation committee (评标委员会): drawn at random from the expert pool after the opening.

Eligible: approved, available experts with a portal account whose specialties match a lot's
modality or the tender's sector, and who are free of conflict with the buyer and every bidder
(registry.talent.selectors.experts_free_of_conflict: employment, directorships, holdings and
declared relations in the last 3 years, and related parties). The agency chooses the size (odd, at
least 5) and nothing else: the server draws the seed, the candidates are the whole eligible pool,
and a tender has one committee, so a draw cannot be repeated until it suits. An expert who
declares a conflict when invited declines the seat, and a replacement is drawn the same way from
the experts not yet drawn.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace import committee_draw
from marketplace.models import (
    MIN_COMMITTEE_SIZE,
    Bid,
    Committee,
    CommitteeDraw,
    CommitteeMember,
    MemberState,
    ScoreSheet,
    Tender,
)
from marketplace.services._common import lock, require_buyer_staff, required_text, staff_of
from marketplace.states import TenderState
from portal.accounts.models import User
from portal.audit.services import audit_chains_lock, audit_record
from portal.errors import Conflict, PermissionDenied
from portal.notifications.services import notify
from registry.models import Organisation
from registry.talent.selectors import experts_free_of_conflict

MAX_COMMITTEE_SIZE = 25


def committee_conflict_organisations(tender: Tender) -> list[Organisation]:
    """The buyer and every organisation that bid on the tender (withdrawn bids included)."""
    vendor_ids = Bid.objects.filter(tender=tender).values_list("vendor_id", flat=True).distinct()
    return [tender.buyer, *Organisation.objects.filter(pk__in=vendor_ids).order_by("pk")]


def committee_candidates(tender: Tender, *, exclude: set[int] = frozenset()) -> list[int]:  # type: ignore[assignment]
    """The ids of the experts eligible for the tender's committee, ascending."""
    experts = experts_free_of_conflict(
        organisations=committee_conflict_organisations(tender),
        modalities=set(tender.lots.values_list("modality", flat=True)),
        sectors=[tender.sector],
    ).filter(person__user__isnull=False, person__user__is_active=True)
    return sorted(pk for pk in experts.values_list("pk", flat=True).distinct() if pk not in exclude)


def _check_size(size: int) -> None:
    if size < MIN_COMMITTEE_SIZE or size % 2 == 0 or size > MAX_COMMITTEE_SIZE:
        raise ValidationError(
            {
                "size": [
                    _("A committee has an odd number of members, from %(min)d to %(max)d.")
                    % {"min": MIN_COMMITTEE_SIZE, "max": MAX_COMMITTEE_SIZE}
                ]
            }
        )


def _draw(*, committee: Committee, tender: Tender, seats: int, actor: User | None) -> CommitteeDraw | None:
    """Draw `seats` experts not yet on the committee, record the draw and invite them. None when
    fewer than `seats` eligible experts remain (nothing is recorded then)."""
    already = set(committee.members.values_list("expert_id", flat=True))
    candidates = committee_candidates(tender, exclude=already)
    if len(candidates) < seats:
        return None
    round_number = (committee.draws.order_by("-round").values_list("round", flat=True).first() or 0) + 1
    seed = committee_draw.new_seed()
    drawn = committee_draw.draw(seed=seed, candidates=candidates, seats=seats, round_number=round_number)
    digest = committee_draw.digest(
        tender_id=tender.pk, round_number=round_number, seed=seed, candidates=candidates, seats=seats, drawn=drawn
    )
    record = CommitteeDraw.objects.create(
        committee=committee,
        round=round_number,
        seed=seed,
        candidates=candidates,
        seats=seats,
        drawn=drawn,
        digest=digest,
        drawn_by=actor,
        drawn_at=timezone.now(),
    )
    for pk in drawn:
        CommitteeMember.objects.create(committee=committee, expert_id=pk, draw=record)
    audit_record(
        actor=actor,
        action="committee.draw",
        obj=committee,
        before={},
        after={"round": round_number, "seats": seats, "candidates": len(candidates), "drawn": drawn, "digest": digest},
    )
    invited = User.objects.filter(person__expert__pk__in=drawn)  # every candidate has an account
    notify(
        users=list(invited),
        kind="committee.invited",
        params={"reference": tender.reference, "title": tender.title},
        url=reverse("marketplace:expert-invitations"),
        key=f"committee.invited:{committee.pk}:{round_number}",
    )
    return record


def committee_form(*, actor: User, tender: Tender, size: int) -> Committee:
    """Form the committee of an opened tender: record a draw of `size` experts and invite them."""
    require_buyer_staff(actor=actor, buyer=tender.buyer)
    _check_size(size)
    with transaction.atomic():
        tender = lock(Tender, tender.pk)
        if tender.state != TenderState.EVALUATION:
            raise Conflict(_("A committee is formed once the bids are opened and the tender is under evaluation."))
        if Committee.objects.filter(tender=tender).exists():
            raise Conflict(_("This tender already has its committee; declined seats are refilled by new draws."))
        committee = Committee.objects.create(tender=tender, size=size, formed_by=actor)
        audit_record(
            actor=actor, action="committee.form", obj=committee, before={}, after={"tender": tender.pk, "size": size}
        )
        if _draw(committee=committee, tender=tender, seats=size, actor=actor) is None:
            available = len(committee_candidates(tender))
            raise Conflict(
                _(
                    "Only %(available)d eligible experts are free of conflict for this tender: "
                    "a committee of %(size)d cannot be drawn."
                )
                % {"available": available, "size": size}
            )
    return committee


def _open_seats(committee: Committee) -> int:
    return committee.size - committee.members.exclude(state=MemberState.DECLINED).count()


def committee_refill(*, actor: User | None, committee: Committee) -> CommitteeDraw | None:
    """Draw replacements for every declined seat not yet refilled. Called when an expert declines;
    the agency calls it again when the pool has grown after a refill found nobody."""
    if actor is not None:
        require_buyer_staff(actor=actor, buyer=committee.tender.buyer)
    with transaction.atomic():
        tender = lock(Tender, committee.tender_id)
        committee = lock(Committee, committee.pk)
        if tender.state != TenderState.EVALUATION:
            raise Conflict(_("Seats are refilled only while the tender is under evaluation."))
        seats = _open_seats(committee)
        if seats == 0:
            return None
        record = _draw(committee=committee, tender=tender, seats=seats, actor=actor)
        if record is None:
            notify(
                users=staff_of(tender.buyer),
                kind="committee.short",
                params={"reference": tender.reference},
                url=reverse("marketplace:tender-committee", args=[tender.pk]),
                # Once per declined seat left empty: asking again finds nobody and says nothing new.
                key=f"committee.short:{committee.pk}:{committee.members.filter(state=MemberState.DECLINED).count()}",
            )
        else:
            notify(
                users=staff_of(tender.buyer),
                kind="committee.replacement",
                params={"reference": tender.reference},
                url=reverse("marketplace:tender-committee", args=[tender.pk]),
                key=f"committee.replacement:{committee.pk}:{record.round}",
            )
    return record


def _locked_own_seat(*, actor: User, member: CommitteeMember) -> tuple[Tender, CommitteeMember]:
    tender = lock(Tender, member.committee.tender_id)
    member = lock(CommitteeMember, member.pk)
    if member.expert.person.user_id != actor.pk:
        raise PermissionDenied(_("Only the invited expert can answer this invitation."))
    if tender.state != TenderState.EVALUATION:
        raise Conflict(_("The evaluation of this tender is over."))
    return tender, member


def committee_member_accept(*, actor: User, member: CommitteeMember) -> CommitteeMember:
    """The expert accepts the seat, declaring no conflict of interest with the buyer or any bidder."""
    with transaction.atomic():
        tender, member = _locked_own_seat(actor=actor, member=member)
        if member.state != MemberState.INVITED:
            raise Conflict(_("You have already answered this invitation."))
        member.state = MemberState.ACCEPTED
        member.responded_at = timezone.now()
        member.save(update_fields=["state", "responded_at"])
        audit_record(
            actor=actor,
            action="committee_member.accept",
            obj=member,
            before={"state": "invited"},
            after={"state": "accepted"},
        )
        committee = member.committee
        if committee.members.filter(state=MemberState.ACCEPTED).count() == committee.size:
            notify(
                users=staff_of(tender.buyer),
                kind="committee.complete",
                params={"reference": tender.reference},
                url=reverse("marketplace:tender-committee", args=[tender.pk]),
                # Complete again after a replacement: a new draw, a new notification.
                key=f"committee.complete:{committee.pk}:{committee.draws.count()}",
            )
    return member


def committee_member_decline(*, actor: User, member: CommitteeMember, declaration: str) -> CommitteeMember:
    """The expert declares a conflict of interest and leaves the seat; a replacement is drawn.
    An accepted expert may still withdraw this way until their score sheet is submitted."""
    declaration = required_text(declaration, "declaration", _("Describe the conflict of interest."))
    with transaction.atomic():
        _tender, member = _locked_own_seat(actor=actor, member=member)
        if member.state == MemberState.DECLINED:
            raise Conflict(_("You have already declined this seat."))
        if ScoreSheet.objects.filter(member=member, submitted_at__isnull=False).exists():
            raise Conflict(_("You have submitted your scores; the seat can no longer be declined."))
        before = {"state": member.state}
        committee = member.committee
        audit_chains_lock([member, committee])  # the decline's row and the replacement draw's row
        ScoreSheet.objects.filter(member=member).delete()  # an unsubmitted draft goes with the seat
        member.state = MemberState.DECLINED
        member.declaration = declaration
        member.responded_at = timezone.now()
        member.save(update_fields=["state", "declaration", "responded_at"])
        audit_record(
            actor=actor,
            action="committee_member.decline",
            obj=member,
            before=before,
            after={"state": "declined", "declaration": declaration},
        )
        committee_refill(actor=None, committee=committee)
    return member
