"""What the red flags look at, as plain frozen data (no Django): built by `loading`, read by `flags`.

Bids are those opened (valid or invalid at the opening): a sealed bid's price is never read, and a
withdrawn bid is not an offer. A bid is disqualified when the opening found it invalid or the
committee's verdict in the tender's current evaluation round says so; before that verdict a valid
bid's `qualified` is None.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class BidFacts:
    bid_id: int
    vendor_id: int
    vendor_name: str
    price_fen: int
    valid_at_opening: bool
    qualified: bool | None  # the committee's verdict in the current round; None before it
    reasons: str = ""  # why it was invalid or disqualified

    @property
    def disqualified(self) -> bool:
        return not self.valid_at_opening or self.qualified is False


@dataclass(frozen=True)
class LotFacts:
    lot_id: int
    number: int
    title: str
    budget_fen: int
    bids: tuple[BidFacts, ...]
    # The awarded bid, else the first candidate once the candidates are in publicity; None before.
    winner_bid_id: int | None = None

    @property
    def judged(self) -> bool:
        """Every opened bid has its verdict: invalid at the opening, or judged by the committee."""
        return bool(self.bids) and all(not bid.valid_at_opening or bid.qualified is not None for bid in self.bids)

    @property
    def winner(self) -> BidFacts | None:
        return next((bid for bid in self.bids if bid.bid_id == self.winner_bid_id), None)


@dataclass(frozen=True)
class TenderFacts:
    tender_id: int
    reference: str
    buyer_id: int
    region_id: str
    procedure: str
    evaluation_method: str
    price_weight_bp: int
    published_at: datetime | None
    deadline: datetime
    opened: bool
    lots: tuple[LotFacts, ...] = ()


@dataclass(frozen=True)
class BuyerFacts:
    """A buyer's opened bids on its decided tenders (candidates published, awarded or failed) and
    how many of them were disqualified; `tenders` counts those tenders."""

    buyer_id: int
    buyer_name: str
    region_id: str
    tenders: int
    bids: int
    disqualified: int


@dataclass(frozen=True)
class ExchangeTotals:
    """The same counts over every buyer: the norm a buyer is measured against."""

    bids: int
    disqualified: int
