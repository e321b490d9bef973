"""Reads of the scoring: an expert's own sheet, the progress of a round, the committee report.

Scores stay hidden until every member of the round has submitted."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from django.db.models import (
    Count,
    F,
    Q,
)
from django.utils.translation import gettext as _

from marketplace.models import (
    Bid,
    BidResult,
    Committee,
    CommitteeMember,
    Lot,
    MemberState,
    Score,
    ScoreSheet,
    Tender,
)
from marketplace.procedures import rules_of
from marketplace.selectors.tenders import buyer_organisations_of, vendor_organisations_of
from marketplace.selectors.trail import may_audit_tender
from marketplace.services.bids import BidDocumentInput, bid_unseal
from marketplace.services.evaluation import bids_under_evaluation
from marketplace.states import TenderState
from portal.errors import Conflict, NotFound
from portal.permissions import AnyUser, is_operator

#
# Individual scores stay hidden until every member has submitted: before that a member sees only
# their own sheet (score_sheet_for), and the buyer's staff, members and operators only who has
# submitted (evaluation_progress). Once the round is concluded (its results exist) the committee
# report shows every member's scores to the members, the buyer's staff, operators and regulators
# whose scope covers the tender; asked for earlier, it answers Conflict to those people (the page
# shows the progress instead), and NotFound to everyone else, as always.


def _accepted_seat(*, user: AnyUser, tender: Tender) -> CommitteeMember | None:
    if not user.is_authenticated:
        return None
    return (
        CommitteeMember.objects.filter(committee__tender=tender, expert__person__user=user, state=MemberState.ACCEPTED)
        .select_related("committee")
        .first()
    )


def _round_concluded(tender: Tender, round_number: int) -> bool:
    return BidResult.objects.filter(tender=tender, round=round_number).exists()


@dataclass(frozen=True)
class SheetLot:
    lot: Lot
    bids: list[Bid]


@dataclass(frozen=True)
class ExpertSheet:
    """A member's own sheet for the tender's current round, and the bids to judge, by lot."""

    tender: Tender
    member: CommitteeMember
    round: int
    sheet: ScoreSheet | None  # None until the member first saves
    scores: dict[int, Score]  # the member's own, by bid id
    lots: list[SheetLot]
    committee_complete: bool
    concluded: bool
    submitted: int
    size: int

    @property
    def final(self) -> bool:
        return self.sheet is not None and self.sheet.submitted_at is not None

    @property
    def closed_reason(self) -> str:
        """Why the service would refuse the sheet now ("" when it takes it; it checks again)."""
        if self.final:
            return _("Your scores for this round are submitted and can no longer change.")
        if self.concluded:
            return _("This evaluation round is concluded.")
        if self.tender.state != TenderState.EVALUATION:
            return _("Scores are taken only while the tender is under evaluation.")
        if not self.committee_complete:
            return _("Scoring starts when every seat of the committee is accepted.")
        return ""

    @property
    def editable(self) -> bool:
        return not self.closed_reason

    @property
    def bids(self) -> list[Bid]:
        return [bid for lot in self.lots for bid in lot.bids]

    @property
    def judged_lots(self) -> list[tuple[Lot, list[tuple[Bid, Score | None]]]]:
        """Each lot's bids with the member's own judgement of each (None: not judged yet)."""
        return [(part.lot, [(bid, self.scores.get(bid.pk)) for bid in part.bids]) for part in self.lots]


def score_sheet_for(*, user: AnyUser, tender: Tender) -> ExpertSheet:
    """The user's own sheet for the current round: NotFound unless the user holds a seat on the
    tender's committee, Conflict while the invitation is not yet accepted."""
    seat = (
        CommitteeMember.objects.filter(committee__tender=tender, expert__person__user=user)
        .exclude(state=MemberState.DECLINED)
        .select_related("committee")
        .first()
        if user.is_authenticated
        else None
    )
    if seat is None:
        raise NotFound()
    if seat.state != MemberState.ACCEPTED:
        raise Conflict(_("Accept the invitation, declaring that you have no conflict of interest, before scoring."))
    round_number = tender.evaluation_round
    concluded = _round_concluded(tender, round_number)
    if concluded:  # the bids the round judged, whatever became of their lots since
        bids = list(
            Bid.objects.filter(results__tender=tender, results__round=round_number)
            .select_related("lot", "vendor")
            .defer("sealed")
            .order_by("lot__number", "received_at", "pk")
        )
    else:
        bids = bids_under_evaluation(tender)
    lots: dict[int, SheetLot] = {}
    for bid in bids:
        lots.setdefault(bid.lot_id, SheetLot(lot=bid.lot, bids=[])).bids.append(bid)
    sheet = ScoreSheet.objects.filter(member=seat, round=round_number).first()
    scores = {score.bid_id: score for score in sheet.scores.all()} if sheet is not None else {}
    counts = CommitteeMember.objects.filter(committee=seat.committee_id, state=MemberState.ACCEPTED).aggregate(
        accepted=Count("pk", distinct=True),
        submitted=Count("sheets", filter=Q(sheets__round=round_number, sheets__submitted_at__isnull=False)),
    )
    return ExpertSheet(
        tender=tender,
        member=seat,
        round=round_number,
        sheet=sheet,
        scores=scores,
        lots=list(lots.values()),
        committee_complete=counts["accepted"] >= seat.committee.size,
        concluded=concluded,
        submitted=counts["submitted"],
        size=seat.committee.size,
    )


@dataclass(frozen=True)
class MemberProgress:
    name: str
    submitted_at: datetime | None


@dataclass(frozen=True)
class EvaluationProgress:
    """Who has submitted in the current round; never a score."""

    round: int
    size: int
    members: list[MemberProgress]
    concluded: bool

    @property
    def submitted(self) -> int:
        return sum(1 for member in self.members if member.submitted_at is not None)


def evaluation_progress(*, user: AnyUser, tender: Tender) -> EvaluationProgress:
    """For the buyer's staff, the accepted members and operators; NotFound for anyone else."""
    if not (
        is_operator(user)
        or any(organisation.pk == tender.buyer_id for organisation in buyer_organisations_of(user=user))
        or _accepted_seat(user=user, tender=tender) is not None
    ):
        raise NotFound()
    round_number = tender.evaluation_round
    committee = Committee.objects.filter(tender=tender).first()
    members = []
    if committee is not None:
        submitted = dict(
            ScoreSheet.objects.filter(
                member__committee=committee, round=round_number, submitted_at__isnull=False
            ).values_list("member_id", "submitted_at")
        )
        members = [
            MemberProgress(name=member.expert.person.name, submitted_at=submitted.get(member.pk))
            for member in committee.members.filter(state=MemberState.ACCEPTED)
            .select_related("expert__person")
            .order_by("pk")
        ]
    return EvaluationProgress(
        round=round_number,
        size=committee.size if committee is not None else 0,
        members=members,
        concluded=_round_concluded(tender, round_number),
    )


@dataclass(frozen=True)
class ReportRow:
    """One bid's result, and each member's judgement of it (in `CommitteeReport.members` order)."""

    result: BidResult
    scores: list[Score | None]

    @property
    def reasons(self) -> list[str]:
        return [reason for reason in self.result.disqualification_reasons.split("\n") if reason]


@dataclass(frozen=True)
class ReportLot:
    lot: Lot
    rows: list[ReportRow]  # ranked bids first (rank 1 is the first candidate), then the disqualified
    qualified: int
    needed: int

    @property
    def unsuccessful(self) -> bool:
        """Fewer qualified bids than the procedure needs: the round left the lot unsuccessful."""
        return self.qualified < self.needed


@dataclass(frozen=True)
class CommitteeReport:
    tender: Tender
    round: int
    rounds: list[int]  # every concluded round, ascending
    sheets: list[ScoreSheet]  # the submitted sheets that made the round, in seat order
    lots: list[ReportLot]

    @property
    def members(self) -> list[CommitteeMember]:
        return [sheet.member for sheet in self.sheets]

    @property
    def weighs_technical(self) -> bool:
        return self.tender.technical_weight_bp > 0

    @property
    def weighs_business(self) -> bool:
        return self.tender.business_weight_bp > 0


def committee_report(*, user: AnyUser, tender: Tender, round: int | None = None) -> CommitteeReport:
    """Every member's scores and the results of a concluded round (the latest one by default).

    NotFound for anyone but the accepted members, the buyer's staff, operators and regulators
    whose scope covers the tender, and for a round that never was; Conflict to them while the
    round is under way (its scores are still hidden)."""
    if _accepted_seat(user=user, tender=tender) is None and not may_audit_tender(user=user, tender=tender):
        raise NotFound()
    rounds = sorted(BidResult.objects.filter(tender=tender).order_by().values_list("round", flat=True).distinct())
    if round is None:
        round = rounds[-1] if rounds else tender.evaluation_round
    if round not in rounds:
        if round != tender.evaluation_round:
            raise NotFound()
        raise Conflict(
            _(
                "The committee has not concluded evaluation round %(round)d: its scores stay hidden, and the "
                "report appears, once every member has submitted."
            )
            % {"round": round}
        )
    sheets = list(
        ScoreSheet.objects.filter(tender=tender, round=round, submitted_at__isnull=False)
        .select_related("member__expert__person")
        .order_by("member_id")
    )
    position = {sheet.pk: index for index, sheet in enumerate(sheets)}
    matrix: dict[int, list[Score | None]] = {}
    for score in Score.objects.filter(sheet__in=list(position)):
        score.sheet = sheets[position[score.sheet_id]]  # already at hand: no query per score
        matrix.setdefault(score.bid_id, [None] * len(sheets))[position[score.sheet_id]] = score
    results = (
        BidResult.objects.filter(tender=tender, round=round)
        .select_related("bid__vendor", "lot")
        .defer("bid__sealed")
        .order_by("lot__number", F("rank").asc(nulls_last=True), "bid__received_at", "bid_id")
    )
    needed = rules_of(tender.procedure).min_valid_bids
    lots: dict[int, list[ReportRow]] = {}
    lot_of: dict[int, Lot] = {}
    for result in results:
        lot_of[result.lot_id] = result.lot
        row = ReportRow(result=result, scores=matrix.get(result.bid_id, [None] * len(sheets)))
        lots.setdefault(result.lot_id, []).append(row)
    return CommitteeReport(
        tender=tender,
        round=round,
        rounds=rounds,
        sheets=sheets,
        lots=[
            ReportLot(
                lot=lot_of[lot_id], rows=rows, qualified=sum(1 for row in rows if row.result.qualified), needed=needed
            )
            for lot_id, rows in lots.items()
        ],
    )


def opened_bid_document_for(*, user: AnyUser, bid_id: int, index: int) -> BidDocumentInput:
    """One document of an opened bid, decrypted for those who must read it: the committee's
    accepted members and the buyer's staff (to evaluate and to contract), and the bidder's own
    staff. NotFound for anyone else, before the opening, and for a withdrawn bid (never opened).

    The document is taken from the sealed bid itself and checked against the SHA-256 the opening
    recorded, so what is read is what was sealed."""
    bid = Bid.objects.select_related("tender").filter(pk=bid_id, opened_at__isnull=False).first()
    if bid is None or not 0 <= index < len(bid.documents):
        raise NotFound()
    tender = bid.tender
    allowed = (
        _accepted_seat(user=user, tender=tender) is not None
        or any(organisation.pk == tender.buyer_id for organisation in buyer_organisations_of(user=user))
        or any(organisation.pk == bid.vendor_id for organisation in vendor_organisations_of(user=user))
    )
    if not allowed:
        raise NotFound()
    document = bid_unseal(bid).documents[index]
    if hashlib.sha256(document.content).hexdigest() != bid.documents[index]["sha256"]:
        raise NotFound()
    return document
