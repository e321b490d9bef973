"""Reads of the evaluation committee: the draw as the buyer and auditors see it, and the experts' own seats."""

from __future__ import annotations

from django.db.models import (
    QuerySet,
)

from marketplace.models import (
    Bid,
    Committee,
    CommitteeDraw,
    CommitteeMember,
    MemberState,
    Tender,
)
from marketplace.selectors.trail import may_audit_tender
from portal.errors import NotFound
from portal.permissions import AnyUser

#
# The committee's make-up (who was drawn, the seeds, the candidates) is seen by the buyer's staff,
# operators and regulators whose scope covers the tender (may_audit_tender), and by its own
# members who have not declined; bidders never see who judges them. An expert sees their own seats.


def committee_visible_to(*, user: AnyUser, tender: Tender) -> Committee:
    """The tender's committee; NotFound when it has none or the user may not see it."""
    committee = Committee.objects.filter(tender=tender).select_related("tender", "formed_by").first()
    if committee is None:
        raise NotFound()
    sits = (
        user.is_authenticated
        and committee.members.filter(expert__person__user=user).exclude(state=MemberState.DECLINED).exists()
    )
    if not sits and not may_audit_tender(user=user, tender=tender):
        raise NotFound()
    return committee


def committee_members_of(*, committee: Committee) -> QuerySet[CommitteeMember]:
    """The members, declined ones included, by draw round."""
    return committee.members.select_related("expert__person", "draw").order_by("draw__round", "pk")


def committee_draws_of(*, committee: Committee) -> QuerySet[CommitteeDraw]:
    return committee.draws.select_related("drawn_by").order_by("round")


def committee_open_seats(*, committee: Committee) -> int:
    """Seats neither taken nor offered: declined and not yet refilled."""
    return committee.size - committee.members.exclude(state=MemberState.DECLINED).count()


def seats_of(*, user: AnyUser) -> QuerySet[CommitteeMember]:
    """The user's own committee seats (as an expert), newest tender first."""
    if not user.is_authenticated:
        return CommitteeMember.objects.none()
    return (
        CommitteeMember.objects.filter(expert__person__user=user)
        .select_related("committee__tender__buyer", "draw")
        .order_by("-committee__formed_at", "-pk")
    )


def seat_of(*, user: AnyUser, pk: int | str) -> CommitteeMember:
    """One of the user's own seats; anyone else's is NotFound."""
    seat = seats_of(user=user).filter(pk=pk).first()
    if seat is None:
        raise NotFound()
    return seat


def bidders_of(*, tender_ids: list[int]) -> dict[int, list[str]]:
    """The names of the organisations that bid on each tender (withdrawn bids included, as the
    committee's conflict check counts them), so an invited expert can judge their own conflicts."""
    names: dict[int, set[str]] = {}
    rows = Bid.objects.filter(tender_id__in=tender_ids).values_list("tender_id", "vendor__name").distinct()
    for tender_id, name in rows:
        names.setdefault(tender_id, set()).add(name)
    return {tender_id: sorted(found) for tender_id, found in names.items()}
