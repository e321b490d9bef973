"""Reads the facts the red flags need, for many tenders at once: five queries per batch of tenders
(tenders, lots, opened bids, the current round's verdicts, awards) and one aggregate for the buyers,
whatever the number of tenders. Only opened bids are read (their prices exist from the opening on;
a sealed bid is never touched)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet

from marketplace.models import Award, Bid, BidResult, BidState, Lot, LotState, Tender
from marketplace.states import TenderState
from monitoring.redflags.facts import BidFacts, BuyerFacts, ExchangeTotals, LotFacts, TenderFacts

OPENED_BID_STATES = (BidState.VALID, BidState.INVALID)
# A tender's bid period is final once bidding closed: the flags look at tenders past that point.
UNFLAGGED_STATES = (TenderState.DRAFT, TenderState.OPEN)
# The candidates are public (or the tender ended): the first candidate of a lot is its winner.
CANDIDATES_PUBLISHED: tuple[str, ...] = (TenderState.PUBLICITY, TenderState.AWARDED)
# Tenders whose every opened bid has its final verdict: the buyer-level counts read these.
DECIDED_STATES = (TenderState.PUBLICITY, TenderState.AWARDED, TenderState.FAILED)
BATCH = 500


def tender_ids_to_flag(*, tender_ids: Iterable[int] | None = None) -> Iterator[list[int]]:
    """The ids of the tenders the flags look at (published, bidding closed), in batches."""
    tenders = Tender.objects.filter(published_at__isnull=False).exclude(state__in=UNFLAGGED_STATES)
    if tender_ids is not None:
        tenders = tenders.filter(pk__in=list(tender_ids))
    ids = list(tenders.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), BATCH):
        yield ids[start : start + BATCH]


def tender_facts(*, tender_ids: list[int]) -> list[TenderFacts]:
    """The facts of these tenders, in id order."""
    tenders = list(
        Tender.objects.filter(pk__in=tender_ids)
        .order_by("pk")
        .values(
            "pk",
            "reference",
            "buyer_id",
            "region_id",
            "procedure",
            "evaluation_method",
            "price_weight_bp",
            "published_at",
            "deadline",
            "opened_at",
            "state",
        )
    )
    lots = list(
        Lot.objects.filter(tender_id__in=tender_ids)
        .order_by("tender_id", "number")
        .values("pk", "tender_id", "number", "title", "budget_fen", "state")
    )
    bids = list(
        Bid.objects.filter(tender_id__in=tender_ids, state__in=OPENED_BID_STATES, tender__opened_at__isnull=False)
        .order_by("lot_id", "pk")
        .values("pk", "lot_id", "vendor_id", "vendor__name", "price_fen", "state", "invalid_reason")
    )
    verdicts = {
        row["bid_id"]: row
        for row in BidResult.objects.filter(tender_id__in=tender_ids, round=F("tender__evaluation_round")).values(
            "bid_id", "lot_id", "qualified", "rank", "disqualification_reasons"
        )
    }
    awarded = dict(Award.objects.filter(tender_id__in=tender_ids).values_list("lot_id", "bid_id"))

    state_of = {row["pk"]: row["state"] for row in tenders}
    first_candidate = {
        row["lot_id"]: bid_id for bid_id, row in verdicts.items() if row["rank"] == 1 and row["qualified"]
    }
    bids_of: dict[int, list[BidFacts]] = defaultdict(list)
    for row in bids:
        verdict = verdicts.get(row["pk"])
        valid = row["state"] == BidState.VALID
        reasons = row["invalid_reason"] if not valid else (verdict["disqualification_reasons"] if verdict else "")
        bids_of[row["lot_id"]].append(
            BidFacts(
                bid_id=row["pk"],
                vendor_id=row["vendor_id"],
                vendor_name=row["vendor__name"],
                price_fen=row["price_fen"] or 0,
                valid_at_opening=valid,
                qualified=verdict["qualified"] if verdict is not None and valid else None,
                reasons=_distinct_lines(reasons or ""),
            )
        )
    lots_of: dict[int, list[LotFacts]] = defaultdict(list)
    for lot in lots:
        winner = awarded.get(lot["pk"])
        if winner is None and state_of[lot["tender_id"]] in CANDIDATES_PUBLISHED and lot["state"] == LotState.ACTIVE:
            winner = first_candidate.get(lot["pk"])
        lots_of[lot["tender_id"]].append(
            LotFacts(
                lot_id=lot["pk"],
                number=lot["number"],
                title=lot["title"],
                budget_fen=lot["budget_fen"],
                bids=tuple(bids_of.get(lot["pk"], ())),
                winner_bid_id=winner,
            )
        )
    return [
        TenderFacts(
            tender_id=row["pk"],
            reference=row["reference"] or "",
            buyer_id=row["buyer_id"],
            region_id=row["region_id"],
            procedure=row["procedure"],
            evaluation_method=row["evaluation_method"],
            price_weight_bp=row["price_weight_bp"],
            published_at=row["published_at"],
            deadline=row["deadline"],
            opened=row["opened_at"] is not None,
            lots=tuple(lots_of.get(row["pk"], ())),
        )
        for row in tenders
    ]


def _distinct_lines(text: str) -> str:
    """The committee's reasons once each (every member who disqualified a bid gave one)."""
    return "\n".join(dict.fromkeys(line.strip() for line in text.splitlines() if line.strip()))


def _decided_bids() -> QuerySet[Bid]:
    """Opened bids on decided tenders, each with whether it ended disqualified."""
    disqualified_by_committee = BidResult.objects.filter(
        bid_id=OuterRef("pk"), round=OuterRef("tender__evaluation_round"), qualified=False
    )
    return Bid.objects.filter(
        state__in=OPENED_BID_STATES, tender__state__in=DECIDED_STATES, tender__opened_at__isnull=False
    ).alias(committee_out=Exists(disqualified_by_committee))


DISQUALIFIED = Q(state=BidState.INVALID) | Q(committee_out=True)


def buyer_facts() -> tuple[list[BuyerFacts], ExchangeTotals]:
    """Per buyer: its decided tenders, their opened bids and how many were disqualified; and the
    totals over the exchange. One aggregate query."""
    rows = list(
        _decided_bids()
        .values("tender__buyer_id", "tender__buyer__name", "tender__buyer__region_id")
        .annotate(
            tenders=Count("tender_id", distinct=True),
            bids=Count("pk"),
            disqualified=Count("pk", filter=DISQUALIFIED),
        )
        .order_by("tender__buyer_id")
    )
    buyers = [
        BuyerFacts(
            buyer_id=row["tender__buyer_id"],
            buyer_name=row["tender__buyer__name"],
            region_id=row["tender__buyer__region_id"],
            tenders=row["tenders"],
            bids=row["bids"],
            disqualified=row["disqualified"],
        )
        for row in rows
    ]
    totals = ExchangeTotals(bids=sum(b.bids for b in buyers), disqualified=sum(b.disqualified for b in buyers))
    return buyers, totals


def buyer_tender_breakdown(*, buyer_ids: list[int], limit: int = 20) -> dict[int, list[dict[str, object]]]:
    """For the evidence of the buyer-level flag: each buyer's decided tenders with the most
    disqualified bids first (at most `limit` per buyer), one query."""
    rows = (
        _decided_bids()
        .filter(tender__buyer_id__in=buyer_ids)
        .values("tender_id", "tender__reference", "tender__title", "tender__buyer_id")
        .annotate(bids=Count("pk"), disqualified=Count("pk", filter=DISQUALIFIED))
        .order_by("tender__buyer_id", "-disqualified", "tender_id")
    )
    breakdown: dict[int, list[dict[str, object]]] = defaultdict(list)
    for row in rows:
        tenders = breakdown[row["tender__buyer_id"]]
        if len(tenders) < limit:
            tenders.append(
                {
                    "tender": row["tender_id"],
                    "reference": row["tender__reference"] or "",
                    "title": row["tender__title"],
                    "bids": row["bids"],
                    "disqualified": row["disqualified"],
                }
            )
    return dict(breakdown)
