"""The arithmetic of evaluation (DESIGN §4), in integers: points are hundredths of a point out of
100, weights are basis points, prices fen. Each weighted part is rounded once, half up
(portal.money.divide_half_up), so the same bids always give the same points.

- price points = lowest qualified price / bid price × price weight;
- technical (business) points = the mean technical (business) score × its weight, the mean taken
  over the members who found the bid qualified (a member who disqualifies a bid does not score it);
- total = the sum; qualified bids rank by total (highest first), then price (lowest first), then
  the time the bid was received.

Under a price-only method (weight 100 % on price) this ranks by price alone: the lowest price
earns the full 100 points. A bid is qualified when a majority of the members who scored it say so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from portal.money import divide_half_up

FULL_BP = 10_000


@dataclass(frozen=True)
class Weights:
    price_bp: int
    technical_bp: int
    business_bp: int


@dataclass(frozen=True)
class Judgement:
    """One member's view of one bid."""

    qualified: bool
    technical: int  # 0..10,000 (100.00)
    business: int
    reason: str = ""


@dataclass(frozen=True)
class BidInput:
    bid_id: int
    price_fen: int
    received_at: datetime
    judgements: Sequence[Judgement]


@dataclass(frozen=True)
class Outcome:
    bid_id: int
    qualified: bool
    reasons: tuple[str, ...]
    price_points: int
    technical_points: int
    business_points: int
    total_points: int
    rank: int | None


def price_points(*, lowest_fen: int, price_fen: int, weight_bp: int) -> int:
    """lowest / price × weight, in hundredths of a point (a weight of 3,000 bp is 30.00 points)."""
    if price_fen <= 0 or lowest_fen <= 0 or lowest_fen > price_fen:
        raise ValueError("prices must be positive and the lowest no higher than the price")
    return divide_half_up(lowest_fen * weight_bp, price_fen)


def criterion_points(*, scores: Sequence[int], weight_bp: int) -> int:
    """The mean score (hundredths, out of 10,000) × weight, in hundredths of a point."""
    if not scores:
        return 0
    return divide_half_up(sum(scores) * weight_bp, len(scores) * FULL_BP)


def qualified_by_majority(judgements: Sequence[Judgement]) -> bool:
    votes = sum(1 for judgement in judgements if judgement.qualified)
    return 2 * votes > len(judgements)


def evaluate_lot(bids: Sequence[BidInput], weights: Weights) -> list[Outcome]:
    """The outcome of every bid of one lot, ranked bids first (rank 1 is the first candidate)."""
    qualified = [bid for bid in bids if qualified_by_majority(bid.judgements)]
    lowest = min((bid.price_fen for bid in qualified), default=0)
    scored = []
    for bid in qualified:
        scorers = [j for j in bid.judgements if j.qualified]
        parts = (
            price_points(lowest_fen=lowest, price_fen=bid.price_fen, weight_bp=weights.price_bp),
            criterion_points(scores=[j.technical for j in scorers], weight_bp=weights.technical_bp),
            criterion_points(scores=[j.business for j in scorers], weight_bp=weights.business_bp),
        )
        scored.append((bid, parts))
    scored.sort(key=lambda pair: (-sum(pair[1]), pair[0].price_fen, pair[0].received_at, pair[0].bid_id))
    outcomes = [
        Outcome(
            bid_id=bid.bid_id,
            qualified=True,
            reasons=(),
            price_points=parts[0],
            technical_points=parts[1],
            business_points=parts[2],
            total_points=sum(parts),
            rank=rank,
        )
        for rank, (bid, parts) in enumerate(scored, start=1)
    ]
    outcomes += [
        Outcome(
            bid_id=bid.bid_id,
            qualified=False,
            reasons=tuple(j.reason for j in bid.judgements if not j.qualified and j.reason),
            price_points=0,
            technical_points=0,
            business_points=0,
            total_points=0,
            rank=None,
        )
        for bid in bids
        if not qualified_by_majority(bid.judgements)
    ]
    return outcomes
