"""Reads with rules: what each user may see of the exchange, and the searches.

Sealed bids: nothing here reads `Bid.sealed` except `bid_sealed_content_for_bidder`, which
answers only the bidding organisation's own staff.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import cast

from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Count,
    Exists,
    F,
    Model,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.models import (
    Award,
    Bid,
    BidResult,
    BidState,
    CatalogueEntry,
    Challenge,
    ChallengeState,
    Clarification,
    Committee,
    CommitteeDraw,
    CommitteeMember,
    Contract,
    ContractState,
    Lot,
    LotState,
    MemberState,
    SavedSearch,
    Score,
    ScoreSheet,
    Tender,
    TenderDocument,
)
from marketplace.procedures import rules_of
from marketplace.search import tender_text_q
from marketplace.services.bids import SealedContent, bid_unseal
from marketplace.services.evaluation import bids_under_evaluation
from marketplace.services.publicity import CANDIDATES_PER_LOT
from marketplace.states import PUBLIC_STATES, TenderAction, TenderState, allowed_actions
from portal.audit.models import AuditEntry
from portal.errors import Conflict, NotFound
from portal.permissions import AnyUser, is_operator, with_perm
from registry.models import Membership, Organisation, Region
from registry.roles import Role, managing_role
from registry.selectors import region_subtree_q, regulator_scope_q


def catalogue_entries(
    *, text: str = "", sector: str = "", modality: str = "", openness: str = "", agency: Organisation | None = None
) -> QuerySet[CatalogueEntry]:
    entries = CatalogueEntry.objects.select_related("agency")
    if text:
        entries = entries.filter(Q(dataset__icontains=text) | Q(annotation_needs__icontains=text))
    if sector:
        entries = entries.filter(sector=sector)
    if modality:
        entries = entries.filter(modality=modality)
    if openness:
        entries = entries.filter(openness=openness)
    if agency is not None:
        entries = entries.filter(agency=agency)
    return entries


def tenders_visible_to(*, user: AnyUser) -> QuerySet[Tender]:
    """Published tenders for everyone; drafts for the buyer's members (and operators)."""
    tenders = Tender.objects.select_related("buyer", "region")
    public = tenders.filter(state__in=PUBLIC_STATES)
    if not user.is_authenticated:
        return public
    own = with_perm(user=user, perm="marketplace.view_tender", queryset=Tender.objects.filter(state=TenderState.DRAFT))
    return tenders.filter(Q(state__in=PUBLIC_STATES) | Q(pk__in=own.values("pk")))


@dataclass(frozen=True)
class TenderFilters:
    text: str = ""
    region: Region | None = None
    sector: str = ""
    modality: str = ""
    budget_min_fen: int | None = None
    budget_max_fen: int | None = None
    states: tuple[str, ...] = field(default_factory=tuple)
    deadline_after: datetime | None = None
    deadline_before: datetime | None = None
    buyer: Organisation | None = None


def tender_search(*, user: AnyUser, filters: TenderFilters) -> QuerySet[Tender]:
    tenders = tenders_visible_to(user=user)
    f = filters
    if f.text:
        tenders = tenders.filter(tender_text_q(f.text))
    if f.region is not None:
        tenders = tenders.filter(region_subtree_q(f.region))
    if f.sector:
        tenders = tenders.filter(sector=f.sector)
    if f.modality:
        tenders = tenders.filter(Exists(Lot.objects.filter(tender=OuterRef("pk"), modality=f.modality)))
    if f.budget_min_fen is not None:
        tenders = tenders.filter(budget_fen__gte=f.budget_min_fen)
    if f.budget_max_fen is not None:
        tenders = tenders.filter(budget_fen__lte=f.budget_max_fen)
    if f.states:
        tenders = tenders.filter(state__in=f.states)
    if f.deadline_after is not None:
        tenders = tenders.filter(deadline__gte=f.deadline_after)
    if f.deadline_before is not None:
        tenders = tenders.filter(deadline__lte=f.deadline_before)
    if f.buyer is not None:
        tenders = tenders.filter(buyer=f.buyer)
    return tenders.order_by("-published_at", "-pk")


def tender_detail(*, user: AnyUser, pk: int | str) -> Tender:
    tender = tenders_visible_to(user=user).filter(pk=pk).first()
    if tender is None:
        raise NotFound()
    return tender


def buyer_organisations_of(*, user: AnyUser) -> list[Organisation]:
    """Organisations the user buys for (agency staff, enterprise buyers), verified or not."""
    if not user.is_authenticated:
        return []
    memberships = Membership.objects.filter(user=user).select_related("organisation__region")
    return [
        m.organisation
        for m in memberships
        if m.role == managing_role(m.organisation.kind) and m.role in (Role.AGENCY_STAFF, Role.ENTERPRISE_BUYER)
    ]


def vendor_organisations_of(*, user: AnyUser) -> list[Organisation]:
    """Organisations the user may bid for: vendor staff memberships."""
    if not user.is_authenticated:
        return []
    memberships = Membership.objects.filter(user=user, role=Role.VENDOR_STAFF).select_related("organisation__region")
    return [m.organisation for m in memberships]


def tenders_of_buyer(*, user: AnyUser) -> QuerySet[Tender]:
    """Every tender, drafts included, of the organisations the user buys for."""
    buyers = buyer_organisations_of(user=user)
    return Tender.objects.filter(buyer__in=buyers).select_related("buyer", "region").order_by("-created_at", "-pk")


def opportunities_for(*, vendor: Organisation) -> QuerySet[Tender]:
    """Tenders open for bids in the vendor's modalities or sectors (all open ones when it has
    declared neither), soonest deadline first."""
    tenders = Tender.objects.filter(state=TenderState.OPEN).select_related("buyer", "region")
    modalities = list(vendor.capabilities.values_list("modality", flat=True))
    sectors = list(vendor.sectors.values_list("sector", flat=True))
    if modalities or sectors:
        tenders = tenders.filter(
            Q(sector__in=sectors) | Exists(Lot.objects.filter(tender=OuterRef("pk"), modality__in=modalities))
        )
    return tenders.exclude(buyer=vendor).order_by("deadline", "pk")


def bids_of(*, user: AnyUser) -> QuerySet[Bid]:
    """The bids of the organisations the user bids for (their receipts; never the sealed content)."""
    return (
        with_perm(user=user, perm="marketplace.view_bid", queryset=Bid.objects.all())
        .filter(vendor__in=vendor_organisations_of(user=user))
        .select_related("tender", "lot", "vendor")
        .defer("sealed")
        .order_by("-received_at", "-pk")
    )


def bid_sealed_content_for_bidder(*, user: AnyUser, bid: Bid) -> SealedContent:
    """The bidder's own view of what it sealed. Anyone else, operators included, gets NotFound."""
    if bid.vendor not in vendor_organisations_of(user=user):
        raise NotFound()
    return bid_unseal(Bid.objects.get(pk=bid.pk))


def opening_list(*, tender: Tender) -> QuerySet[Bid]:
    """The opening record (bidder, lot, price, valid or not): public once the tender is opened,
    empty before."""
    if not tender.opened:
        return Bid.objects.none()
    return (
        Bid.objects.filter(tender=tender, state__in=(BidState.VALID, BidState.INVALID))
        .select_related("vendor", "lot")
        .defer("sealed")
        .order_by("lot__number", "price_fen", "pk")
    )


def clarifications_visible_to(*, user: AnyUser, tender: Tender) -> QuerySet[Clarification]:
    """Answered questions are public (without the asker); an unanswered one is seen by the buyer
    and the asking organisation."""
    clarifications = Clarification.objects.filter(tender=tender)
    answered = clarifications.filter(answered_at__isnull=False)
    if not user.is_authenticated:
        return answered
    own = with_perm(user=user, perm="marketplace.view_clarification", queryset=clarifications)
    return clarifications.filter(Q(answered_at__isnull=False) | Q(pk__in=own.values("pk")))


def clarification_for(*, user: AnyUser, pk: int | str) -> Clarification:
    """One clarification the user may see (of a tender the user may see); NotFound otherwise."""
    tender_id = Clarification.objects.filter(pk=pk).values_list("tender_id", flat=True).first()
    if tender_id is None:
        raise NotFound()
    tender = tender_detail(user=user, pk=tender_id)
    clarification = clarifications_visible_to(user=user, tender=tender).filter(pk=pk).first()
    if clarification is None:
        raise NotFound()
    return clarification


def current_documents(*, tender: Tender) -> QuerySet[TenderDocument]:
    return tender.documents.filter(superseded_at=None)


def tender_document_for(*, user: AnyUser, tender_pk: int | str, document_pk: int | str) -> TenderDocument:
    tender = tender_detail(user=user, pk=tender_pk)
    document = tender.documents.filter(pk=document_pk).first()
    if document is None:
        raise NotFound()
    return document


@dataclass(frozen=True)
class ExchangeSummary:
    open_tenders: int
    open_budget_fen: int
    catalogue_entries: int


def exchange_summary() -> ExchangeSummary:
    """The home page's figures: tenders open for bids, their total budget, catalogue entries."""
    open_tenders = Tender.objects.filter(state=TenderState.OPEN).aggregate(n=Count("pk"), budget=Sum("budget_fen"))
    return ExchangeSummary(
        open_tenders=open_tenders["n"],
        open_budget_fen=open_tenders["budget"] or 0,
        catalogue_entries=CatalogueEntry.objects.count(),
    )


# What the buyer's staff do to a tender besides the transitions people drive (publish, cancel):
# edit a draft, amend a tender taking bids, re-tender a failed one.
_BUYER_STEPS = {TenderState.DRAFT: "update", TenderState.OPEN: "amend", TenderState.FAILED: "retender"}
_PEOPLE_TRANSITIONS = (TenderAction.PUBLISH, TenderAction.CANCEL)


def tender_actions_for(*, user: AnyUser, tender: Tender) -> list[str]:
    """What the user may do next to the tender, named as the API's actions: the buyer's staff
    publish, update, amend, cancel and re-tender; a verified vendor's staff bid and ask while bids
    are taken. It says what to offer; the services still check each request."""
    taking_bids = tender.state == TenderState.OPEN and timezone.now() < tender.deadline
    actions: list[str] = []
    if any(organisation.pk == tender.buyer_id for organisation in buyer_organisations_of(user=user)):
        actions += [str(action) for action in allowed_actions(tender.state) if action in _PEOPLE_TRANSITIONS]
        step = _BUYER_STEPS.get(TenderState(tender.state))
        if step == "amend" and not taking_bids:
            step = None
        if step == "retender" and tender.retenders.exists():
            step = None
        if step is not None:
            actions.append(step)
    vendors = vendor_organisations_of(user=user)
    if taking_bids and any(vendor.verified and vendor.pk != tender.buyer_id for vendor in vendors):
        actions += ["bid", "ask"]
    return actions


def saved_searches_of(*, user: AnyUser) -> QuerySet[SavedSearch]:
    """The user's own saved searches (nobody sees anyone else's), by name."""
    if not user.is_authenticated:
        return SavedSearch.objects.none()
    return SavedSearch.objects.filter(user=user).select_related("region").order_by("name", "pk")


# --- audit trail ----------------------------------------------------------------------------------


def may_audit_tender(*, user: AnyUser, tender: Tender) -> bool:
    """The buyer's staff, operators and regulators whose scope covers the tender's region."""
    if any(organisation.pk == tender.buyer_id for organisation in buyer_organisations_of(user=user)):
        return True
    scope = regulator_scope_q(user=user)
    return scope is not None and Tender.objects.filter(scope, pk=tender.pk).exists()


def tender_audit_trail(*, user: AnyUser, tender: Tender) -> QuerySet[AuditEntry]:
    """Every audited step of the tender and of what hangs off it (bids, committee, seats, score
    sheets, challenges, awards, contracts), oldest first; NotFound for anyone else.

    Left out while they would leak: bid rows before the opening (who bid is confidential until
    then), score sheets of a round not yet concluded (scores are hidden until every member has
    submitted), and clarifications (the asker is never named, not even to the buyer).
    """
    if not may_audit_tender(user=user, tender=tender):
        raise NotFound()
    objects: list[tuple[type[Model], list[int]]] = [(Tender, [tender.pk])]
    if tender.opened:
        objects.append((Bid, list(tender.bids.values_list("pk", flat=True))))
    objects += [
        (Committee, list(Committee.objects.filter(tender=tender).values_list("pk", flat=True))),
        (CommitteeMember, list(CommitteeMember.objects.filter(committee__tender=tender).values_list("pk", flat=True))),
        (
            ScoreSheet,
            list(
                ScoreSheet.objects.filter(
                    tender=tender, round__in=BidResult.objects.filter(tender=tender).values("round")
                ).values_list("pk", flat=True)
            ),
        ),
        (Challenge, list(tender.challenges.values_list("pk", flat=True))),
        (Award, list(tender.awards.values_list("pk", flat=True))),
        (Contract, list(tender.contracts.values_list("pk", flat=True))),
    ]
    condition = Q(pk__in=[])
    for model, pks in objects:
        if pks:
            condition |= Q(object_type=model._meta.label_lower, object_id__in=[str(pk) for pk in pks])
    return AuditEntry.objects.filter(condition).order_by("created_at", "pk")


# --- publicity, award and contracts -------------------------------------------------------------
# The candidate notice (中标候选人公示), challenges (质疑), award notices and contracts. Which rows
# a person may see is decided here; the pages and the API only present them.

# The candidates are public from their publicity on (and stay so after the award).
CANDIDATE_NOTICE_STATES = (TenderState.PUBLICITY, TenderState.AWARDED)


@dataclass(frozen=True)
class CandidateRow:
    """One candidate of the notice: the committee's totals only, never an expert's own scores."""

    lot_id: int
    lot_number: int
    lot_title: str
    rank: int
    bid_id: int
    vendor_id: int
    bidder: str
    price_fen: int
    total_points: int


def candidates_of(*, tender: Tender) -> list[CandidateRow]:
    """The first ranked bids of each active lot in the tender's current evaluation round (bidder,
    price, total points), by lot and rank; nothing before the candidates are in publicity."""
    if tender.state not in CANDIDATE_NOTICE_STATES:
        return []
    rows = (
        BidResult.objects.filter(
            tender=tender,
            round=tender.evaluation_round,
            rank__isnull=False,
            rank__lte=CANDIDATES_PER_LOT,
            lot__state=LotState.ACTIVE,
        )
        .order_by("lot__number", "rank", "bid_id")
        .values(
            "lot_id",
            "lot__number",
            "lot__title",
            "rank",
            "bid_id",
            "bid__vendor_id",
            "bid__vendor__name",
            "bid__price_fen",
            "total_points",
        )
    )
    return [
        CandidateRow(
            lot_id=row["lot_id"],
            lot_number=row["lot__number"],
            lot_title=row["lot__title"],
            rank=cast(int, row["rank"]),  # ranked rows only
            bid_id=row["bid_id"],
            vendor_id=row["bid__vendor_id"],
            bidder=row["bid__vendor__name"],
            price_fen=cast(int, row["bid__price_fen"]),  # an evaluated bid was opened: it has its price
            total_points=row["total_points"],
        )
        for row in rows
    ]


def evaluation_concluded(*, tender: Tender) -> bool:
    """The committee has ranked the bids of the current round (the candidates can be published)."""
    return BidResult.objects.filter(
        tender=tender, round=tender.evaluation_round, rank__isnull=False, lot__state=LotState.ACTIVE
    ).exists()


def challenges_visible_to(*, user: AnyUser, tender: Tender) -> QuerySet[Challenge]:
    """Answered challenges are public, without the challenger's name (like clarifications); the
    challenging organisation also sees its own pending ones, and the buyer's staff see all of them
    with names. Each row carries `challenger_name` ("" when the reader may not know it) and `own`
    (lodged by one of the reader's organisations); read the name only from `challenger_name`."""
    challenges = Challenge.objects.filter(tender=tender).order_by("submitted_at", "pk")
    own_ids = [vendor.pk for vendor in vendor_organisations_of(user=user)]
    own = Case(When(vendor_id__in=own_ids, then=Value(True)), default=Value(False), output_field=BooleanField())
    if any(organisation.pk == tender.buyer_id for organisation in buyer_organisations_of(user=user)):
        return challenges.annotate(challenger_name=F("vendor__name"), own=own)
    return challenges.filter(~Q(state=ChallengeState.PENDING) | Q(vendor_id__in=own_ids)).annotate(
        challenger_name=Case(
            When(vendor_id__in=own_ids, then=F("vendor__name")), default=Value(""), output_field=CharField()
        ),
        own=own,
    )


def challenge_for(*, user: AnyUser, pk: int | str) -> Challenge:
    """One challenge the user may see (of a tender the user may see); NotFound otherwise."""
    tender_id = Challenge.objects.filter(pk=pk).values_list("tender_id", flat=True).first()
    if tender_id is None:
        raise NotFound()
    tender = tender_detail(user=user, pk=tender_id)
    challenge = challenges_visible_to(user=user, tender=tender).filter(pk=pk).select_related("tender").first()
    if challenge is None:
        raise NotFound()
    return challenge


def challenges_of(*, user: AnyUser) -> QuerySet[Challenge]:
    """The challenges lodged by the organisations the user bids for, newest first."""
    return (
        Challenge.objects.filter(vendor__in=vendor_organisations_of(user=user))
        .select_related("tender", "vendor")
        .order_by("-submitted_at", "-pk")
    )


def challengers_for(*, user: AnyUser, tender: Tender) -> list[Organisation]:
    """The user's verified vendor organisations that may challenge now: bidders of the tender (bid
    opened) while its candidates are in publicity and the window is open."""
    if tender.state != TenderState.PUBLICITY or not publicity_window_open(tender=tender):
        return []
    vendors = [vendor for vendor in vendor_organisations_of(user=user) if vendor.verified]
    bidders = set(
        Bid.objects.filter(tender=tender, opened_at__isnull=False, vendor__in=vendors).values_list(
            "vendor_id", flat=True
        )
    )
    return [vendor for vendor in vendors if vendor.pk in bidders]


def publicity_window_open(*, tender: Tender) -> bool:
    return tender.publicity_ends_at is not None and timezone.now() < tender.publicity_ends_at


def tender_paused(*, tender: Tender) -> bool:
    """A challenge awaits its answer: the tender cannot be awarded."""
    return Challenge.objects.filter(tender=tender, state=ChallengeState.PENDING).exists()


def award_blocker(*, tender: Tender) -> str:
    """Why the tender cannot be awarded now ("" when it can): the checks of `tender_award`, to
    say so on the page instead of offering a button that fails."""
    if tender.state != TenderState.PUBLICITY:
        return _("A tender is awarded after its candidates' publicity.")
    if publicity_window_open(tender=tender):
        return _("The candidates are in publicity until %(until)s; the award comes after.") % {
            "until": timezone.localtime(tender.publicity_ends_at).strftime("%Y-%m-%d %H:%M")
        }
    if tender_paused(tender=tender):
        return _("The tender is paused: answer every challenge before the award.")
    return ""


def notices(*, kind: str) -> QuerySet[Tender]:
    """Public notices, newest first: `candidates` (tenders whose candidates are in publicity) or
    `awards` (awarded tenders)."""
    tenders = Tender.objects.select_related("buyer", "region")
    if kind == "awards":
        return tenders.filter(state=TenderState.AWARDED).order_by("-state_changed_at", "-pk")
    return tenders.filter(state=TenderState.PUBLICITY).order_by("-publicity_started_at", "-pk")


def awards_of(*, tender: Tender) -> QuerySet[Award]:
    """The award notice's rows (public once the tender is awarded), by lot, with their contracts."""
    if tender.state != TenderState.AWARDED:
        return Award.objects.none()
    return Award.objects.filter(tender=tender).select_related("lot", "supplier", "contract").order_by("lot__number")


def contracts_visible_to(*, user: AnyUser) -> QuerySet[Contract]:
    """Every contract: public in its OCDS summary (reference, parties, value, state, milestones).
    Only the parties act on one (`contract_actions_for`)."""
    return Contract.objects.select_related("buyer", "supplier", "tender", "award__lot").order_by("-created_at", "-pk")


def contracts_of(*, user: AnyUser) -> QuerySet[Contract]:
    """The contracts of the user's organisations, as the buyer or as the supplier."""
    buyers = [organisation.pk for organisation in buyer_organisations_of(user=user)]
    suppliers = [organisation.pk for organisation in vendor_organisations_of(user=user)]
    return contracts_visible_to(user=user).filter(Q(buyer_id__in=buyers) | Q(supplier_id__in=suppliers))


def contract_detail(*, user: AnyUser, pk: int | str) -> Contract:
    contract = contracts_visible_to(user=user).filter(pk=pk).first()
    if contract is None:
        raise NotFound()
    return contract


@dataclass(frozen=True)
class ContractParties:
    """The organisations the user acts for on contracts: as the buyer's staff, and as a verified
    supplier's staff. Computed once for a whole list of contracts."""

    buyer_ids: frozenset[int]
    supplier_ids: frozenset[int]

    def side(self, contract: Contract) -> str:
        """The user's side: "buyer", "supplier" or "" (not a party)."""
        if contract.buyer_id in self.buyer_ids:
            return "buyer"
        if contract.supplier_id in self.supplier_ids:
            return "supplier"
        return ""


def contract_parties_of(*, user: AnyUser) -> ContractParties:
    return ContractParties(
        buyer_ids=frozenset(organisation.pk for organisation in buyer_organisations_of(user=user)),
        supplier_ids=frozenset(o.pk for o in vendor_organisations_of(user=user) if o.verified),
    )


def contract_side_of(*, user: AnyUser, contract: Contract) -> str:
    return contract_parties_of(user=user).side(contract)


def contract_actions(*, contract: Contract, side: str) -> list[str]:
    """What a party may do to the contract next: `sign` (its side has not signed a pending
    contract), and the buyer's staff `milestones` (before anyone signs), `meet` (an active
    contract's milestones) and `terminate`. The services still check each request."""
    if not side:
        return []
    pending = contract.state == ContractState.PENDING
    actions = []
    if pending and getattr(contract, f"{side}_signed_at") is None:
        actions.append("sign")
    if side == "buyer":
        if pending and contract.buyer_signed_at is None and contract.supplier_signed_at is None:
            actions.append("milestones")
        if contract.state == ContractState.ACTIVE:
            actions.append("meet")
        if contract.state in (ContractState.PENDING, ContractState.ACTIVE):
            actions.append("terminate")
    return actions


def contract_actions_for(*, user: AnyUser, contract: Contract) -> list[str]:
    return contract_actions(contract=contract, side=contract_side_of(user=user, contract=contract))


# --- evaluation: the expert's score sheet, the progress of a round, the committee report -------
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


# --- committee: the draw seen by the buyer and auditors, the experts' own seats -----------------
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
