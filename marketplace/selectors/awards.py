"""Reads of publicity, challenges, awards and contracts: what each party and the public see."""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from django.db.models import (
    BooleanField,
    Case,
    CharField,
    F,
    Q,
    QuerySet,
    Value,
    When,
)
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.models import (
    Award,
    Bid,
    BidResult,
    Challenge,
    ChallengeState,
    Contract,
    ContractState,
    LotState,
    Tender,
)
from marketplace.selectors.tenders import buyer_organisations_of, tender_detail, vendor_organisations_of
from marketplace.services.publicity import CANDIDATES_PER_LOT
from marketplace.states import TenderState
from portal.errors import NotFound
from portal.permissions import AnyUser
from registry.models import Organisation

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
