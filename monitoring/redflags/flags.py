"""One pure function per red flag: the facts of a tender (or a buyer) and the thresholds in, the
evidence out as a JSON-ready dict, or None when the flag does not fire.

The indicators follow the ideas of OCDS Cardinal (its indicator codes are in
`monitoring.redflags.models.RedFlag`), adapted to what this exchange records: lots, sealed bids
opened at the deadline, invalid bids at the opening, the committee's verdicts per evaluation round,
and awards. Thresholds are settings (portal/settings.py, "Red flags"), read when a computation
starts, never at import.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any

from marketplace.procedures import EvaluationMethod
from monitoring.redflags.facts import BidFacts, BuyerFacts, ExchangeTotals, LotFacts, TenderFacts

Evidence = dict[str, Any]
FULL_BP = 10_000
# Evaluation methods in which the price alone decides among qualified bids.
PRICE_ONLY_METHODS = frozenset({EvaluationMethod.LOWEST_EVALUATED_PRICE, EvaluationMethod.LOWEST_PRICE})


@dataclass(frozen=True)
class Thresholds:
    short_period_days: dict[str, int] = field(default_factory=dict)  # per procedure
    close_price_bp: int = 50
    discount_bp: int = 5_000
    buyer_factor: Decimal = Decimal(2)
    buyer_min_tenders: int = 5


def thresholds_from_settings() -> Thresholds:
    """The thresholds as configured now (see the "Red flags" block of portal/settings.py)."""
    from django.conf import settings

    return Thresholds(
        short_period_days=dict(settings.RED_FLAG_SHORT_PERIOD_DAYS),
        close_price_bp=int(settings.RED_FLAG_CLOSE_PRICE_BP),
        discount_bp=int(settings.RED_FLAG_DISCOUNT_BP),
        buyer_factor=Decimal(str(settings.RED_FLAG_BUYER_DISQUALIFICATION_FACTOR)),
        buyer_min_tenders=int(settings.RED_FLAG_BUYER_MIN_TENDERS),
    )


# --- evidence pieces ----------------------------------------------------------------------------


def _bid(bid: BidFacts) -> Evidence:
    return {
        "bid": bid.bid_id,
        "vendor": bid.vendor_name,
        "price_fen": bid.price_fen,
        "disqualified": bid.disqualified,
        "reasons": bid.reasons,
    }


def _lot(lot: LotFacts, **more: Any) -> Evidence:
    return {"lot": lot.number, "lot_title": lot.title, "budget_fen": lot.budget_fen, **more}


def _by_price(bids: tuple[BidFacts, ...] | list[BidFacts]) -> list[BidFacts]:
    return sorted(bids, key=lambda bid: (bid.price_fen, bid.bid_id))


def _lots_evidence(lots: list[Evidence], **more: Any) -> Evidence | None:
    return {"lots": lots, **more} if lots else None


# --- tender-level flags -------------------------------------------------------------------------


def short_submission_period(tender: TenderFacts, thresholds: Thresholds) -> Evidence | None:
    """The bid period (publication → deadline) is shorter than the procedure's threshold.

    Cardinal R003 compares the tender period with a minimum per procurement method. The exchange
    already refuses periods under the legal minimum, so the default thresholds sit a little above it:
    what this flags is a tender whose bidders had barely the legal minimum to prepare.
    """
    days = thresholds.short_period_days.get(tender.procedure)
    if tender.published_at is None or days is None:
        return None
    period = tender.deadline - tender.published_at
    if period >= timedelta(days=days):
        return None
    return {
        "procedure": tender.procedure,
        "published_at": tender.published_at.isoformat(),
        "deadline": tender.deadline.isoformat(),
        "period_hours": int(period.total_seconds() // 3600),
        "threshold_days": days,
    }


def single_bid(tender: TenderFacts, thresholds: Thresholds) -> Evidence | None:
    """A lot received exactly one bid (Cardinal R018): competition did not happen."""
    lots = [_lot(lot, bids=[_bid(lot.bids[0])]) for lot in tender.lots if len(lot.bids) == 1]
    return _lots_evidence(lots)


def identical_bid_prices(tender: TenderFacts, thresholds: Thresholds) -> Evidence | None:
    """Two or more bids on a lot offer exactly the same price (Cardinal R028): a sign of
    coordination between bidders."""
    found = []
    for lot in tender.lots:
        by_price: dict[int, list[BidFacts]] = defaultdict(list)
        for bid in lot.bids:
            by_price[bid.price_fen].append(bid)
        for price, bids in sorted(by_price.items()):
            if len(bids) > 1:
                found.append(_lot(lot, price_fen=price, bids=[_bid(bid) for bid in _by_price(bids)]))
    return _lots_evidence(found)


def _contenders(lot: LotFacts) -> tuple[BidFacts, list[BidFacts]] | None:
    """The winner and the other qualified bids, once the lot is judged and has a winner."""
    winner = lot.winner
    if winner is None or not lot.judged:
        return None
    return winner, [bid for bid in lot.bids if bid is not winner and not bid.disqualified]


def close_to_second_price(tender: TenderFacts, thresholds: Thresholds) -> Evidence | None:
    """The winning price is within `close_price_bp` of the next lowest qualified bid (Cardinal
    R024): losing bidders may have priced to lose (cover bids)."""
    found = []
    for lot in tender.lots:
        contenders = _contenders(lot)
        if contenders is None or not contenders[1] or contenders[0].price_fen == 0:
            continue
        winner, others = contenders
        following = _by_price(others)[0]
        difference = abs(following.price_fen - winner.price_fen)
        if difference * FULL_BP <= thresholds.close_price_bp * winner.price_fen:
            found.append(
                _lot(
                    lot,
                    winner=_bid(winner),
                    next=_bid(following),
                    difference_fen=difference,
                    difference_bp=difference * FULL_BP // winner.price_fen,
                )
            )
    return _lots_evidence(found, threshold_bp=thresholds.close_price_bp)


def heavily_discounted_winner(tender: TenderFacts, thresholds: Thresholds) -> Evidence | None:
    """The winning price is at least `discount_bp` below the lot's budget. Cardinal's R058 measures
    the discount against the second bid; the exchange has the buyer's own estimate (the lot budget),
    which says more about an abnormally low price that may be recovered later by changes."""
    found = []
    for lot in tender.lots:
        winner = lot.winner
        if winner is None or lot.budget_fen == 0:
            continue
        discount = lot.budget_fen - winner.price_fen
        if discount * FULL_BP >= thresholds.discount_bp * lot.budget_fen:
            found.append(_lot(lot, winner=_bid(winner), discount_bp=discount * FULL_BP // lot.budget_fen))
    return _lots_evidence(found, threshold_bp=thresholds.discount_bp)


def all_but_winner_disqualified(tender: TenderFacts, thresholds: Thresholds) -> Evidence | None:
    """Every bid on a lot but the winner's was invalid or disqualified (Cardinal R035)."""
    found = []
    for lot in tender.lots:
        contenders = _contenders(lot)
        if contenders is None or len(lot.bids) < 2 or contenders[1]:
            continue
        winner = contenders[0]
        found.append(
            _lot(lot, winner=_bid(winner), disqualified=[_bid(bid) for bid in _by_price(lot.bids) if bid is not winner])
        )
    return _lots_evidence(found)


def lowest_bid_disqualified(tender: TenderFacts, thresholds: Thresholds) -> Evidence | None:
    """Under price-only evaluation, a disqualified bid was cheaper than every qualified one
    (Cardinal R036): disqualification may have been used to pick a costlier winner. A comprehensive
    scoring with a price weight of 100 % counts as price-only."""
    if tender.evaluation_method not in PRICE_ONLY_METHODS and tender.price_weight_bp != FULL_BP:
        return None
    found = []
    for lot in tender.lots:
        if not lot.judged:
            continue
        qualified = _by_price([bid for bid in lot.bids if not bid.disqualified])
        if not qualified:
            continue
        cheaper = [bid for bid in _by_price(lot.bids) if bid.disqualified and bid.price_fen < qualified[0].price_fen]
        if cheaper:
            found.append(
                _lot(lot, lowest_qualified=_bid(qualified[0]), disqualified_lower=[_bid(bid) for bid in cheaper])
            )
    return _lots_evidence(found, evaluation_method=tender.evaluation_method)


# --- buyer-level flag ---------------------------------------------------------------------------


def buyer_disqualification_ratio(buyer: BuyerFacts, totals: ExchangeTotals, thresholds: Thresholds) -> Evidence | None:
    """The buyer disqualifies more than `buyer_factor` times the share of bids the rest of the
    exchange disqualifies (Cardinal R038, with a fixed factor instead of an outlier test), over at
    least `buyer_min_tenders` decided tenders. The norm excludes the buyer itself, so that one big
    buyer cannot set its own norm."""
    if buyer.tenders < thresholds.buyer_min_tenders or buyer.bids == 0 or buyer.disqualified == 0:
        return None
    other_bids = totals.bids - buyer.bids
    other_disqualified = totals.disqualified - buyer.disqualified
    if other_bids <= 0:
        return None  # no one else to compare with
    if buyer.disqualified * other_bids <= thresholds.buyer_factor * other_disqualified * buyer.bids:
        return None
    return {
        "tenders": buyer.tenders,
        "bids": buyer.bids,
        "disqualified": buyer.disqualified,
        "ratio_bp": buyer.disqualified * FULL_BP // buyer.bids,
        "norm_bp": other_disqualified * FULL_BP // other_bids,
        "factor": str(thresholds.buyer_factor),
        "min_tenders": thresholds.buyer_min_tenders,
    }
