"""Reads of tenders: the search, a tender and its documents, the opening list, bids,
clarifications, the buyer's and vendor's own lists, and saved searches.

Sealed bids: nothing here reads `Bid.sealed` except `bid_sealed_content_for_bidder`, which
answers only the bidding organisation's own staff.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import (
    Count,
    Exists,
    OuterRef,
    Q,
    QuerySet,
    Sum,
)
from django.utils import timezone

from marketplace.models import (
    Bid,
    BidState,
    CatalogueEntry,
    Clarification,
    Lot,
    SavedSearch,
    Tender,
    TenderDocument,
)
from marketplace.search import tender_text_q
from marketplace.services.bids import SealedContent, bid_unseal
from marketplace.states import PUBLIC_STATES, TenderAction, TenderState, allowed_actions
from portal.errors import NotFound
from portal.permissions import AnyUser, with_perm
from registry.models import Membership, Organisation, Region
from registry.roles import Role, managing_role
from registry.selectors import region_subtree_q


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
