"""Each red flag, as a pure function: it fires on a crafted case with its evidence, stays silent on
a clean one, and honours its threshold at the boundary."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from marketplace.procedures import EvaluationMethod, Procedure
from monitoring.redflags import flags
from monitoring.redflags.facts import BidFacts, BuyerFacts, ExchangeTotals, LotFacts, TenderFacts

T = flags.Thresholds(
    short_period_days={Procedure.OPEN_TENDER: 22, Procedure.REQUEST_FOR_QUOTATION: 4},
    close_price_bp=50,
    discount_bp=5_000,
    buyer_factor=Decimal(2),
    buyer_min_tenders=5,
)
PUBLISHED = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)


def bid(bid_id: int, price: int, *, valid: bool = True, qualified: bool | None = True) -> BidFacts:
    return BidFacts(
        bid_id=bid_id,
        vendor_id=100 + bid_id,
        vendor_name=f"vendor {bid_id}",
        price_fen=price,
        valid_at_opening=valid,
        qualified=qualified if valid else None,
        reasons="" if valid and qualified is not False else "资格不符",
    )


def lot(*bids: BidFacts, winner: int | None = None, budget: int = 10_000_000) -> LotFacts:
    return LotFacts(lot_id=1, number=1, title="视频框选", budget_fen=budget, bids=bids, winner_bid_id=winner)


def tender(
    *lots: LotFacts,
    days: float = 25,
    procedure: str = Procedure.OPEN_TENDER,
    method: str = EvaluationMethod.COMPREHENSIVE_SCORING,
    price_weight_bp: int = 3_000,
) -> TenderFacts:
    return TenderFacts(
        tender_id=1,
        reference="ZB-1",
        buyer_id=1,
        region_id="510000",
        procedure=procedure,
        evaluation_method=method,
        price_weight_bp=price_weight_bp,
        published_at=PUBLISHED,
        deadline=PUBLISHED + timedelta(days=days),
        opened=True,
        lots=lots,
    )


# A competitive, cleanly evaluated lot: three qualified bids far apart, the cheapest winning at 80 %
# of the budget.
CLEAN = tender(lot(bid(1, 8_000_000), bid(2, 8_600_000), bid(3, 9_200_000), winner=1))


def test_a_clean_tender_raises_no_flag():
    for compute in (
        flags.short_submission_period,
        flags.single_bid,
        flags.identical_bid_prices,
        flags.close_to_second_price,
        flags.heavily_discounted_winner,
        flags.all_but_winner_disqualified,
        flags.lowest_bid_disqualified,
    ):
        assert compute(CLEAN, T) is None, compute.__name__


# --- short submission period --------------------------------------------------------------------


def test_short_submission_period_fires_below_the_procedures_threshold():
    evidence = flags.short_submission_period(tender(lot(), days=21.5), T)

    assert evidence == {
        "procedure": "open_tender",
        "published_at": PUBLISHED.isoformat(),
        "deadline": (PUBLISHED + timedelta(days=21.5)).isoformat(),
        "period_hours": 516,
        "threshold_days": 22,
    }


def test_short_submission_period_is_silent_at_the_threshold_and_per_procedure():
    assert flags.short_submission_period(tender(lot(), days=22), T) is None
    assert flags.short_submission_period(tender(lot(), days=5, procedure=Procedure.REQUEST_FOR_QUOTATION), T) is None
    # A procedure without a threshold is never flagged.
    assert flags.short_submission_period(tender(lot(), days=1, procedure=Procedure.COMPETITIVE_NEGOTIATION), T) is None


@given(hours=st.integers(min_value=0, max_value=60 * 24))
def test_short_submission_period_fires_exactly_below_the_threshold(hours):
    facts = tender(lot(), days=hours / 24)
    assert (flags.short_submission_period(facts, T) is not None) == (hours < 22 * 24)


# --- single bid ---------------------------------------------------------------------------------


def test_single_bid_fires_on_a_lot_with_one_bid():
    evidence = flags.single_bid(tender(lot(bid(1, 9_000_000), winner=1)), T)

    assert evidence is not None
    assert evidence["lots"][0]["bids"] == [
        {"bid": 1, "vendor": "vendor 1", "price_fen": 9_000_000, "disqualified": False, "reasons": ""}
    ]


def test_single_bid_is_silent_with_two_bids_or_none():
    assert flags.single_bid(tender(lot(bid(1, 9_000_000), bid(2, 9_500_000))), T) is None
    assert flags.single_bid(tender(lot()), T) is None


# --- identical bid prices -----------------------------------------------------------------------


def test_identical_bid_prices_fires_with_the_bids_at_the_same_price():
    evidence = flags.identical_bid_prices(
        tender(lot(bid(1, 8_000_000), bid(2, 9_100_000), bid(3, 9_100_000), winner=1)), T
    )

    assert evidence is not None
    [found] = evidence["lots"]
    assert found["price_fen"] == 9_100_000
    assert [b["bid"] for b in found["bids"]] == [2, 3]


@given(prices=st.lists(st.integers(min_value=1, max_value=10**9), min_size=1, max_size=8))
def test_identical_bid_prices_fires_exactly_when_a_price_repeats(prices):
    facts = tender(lot(*(bid(i, price) for i, price in enumerate(prices, start=1))))
    assert (flags.identical_bid_prices(facts, T) is not None) == (len(set(prices)) < len(prices))


# --- winning price close to the next ------------------------------------------------------------


def test_close_to_second_price_fires_within_the_threshold():
    # 0.4 % apart: under the 0.5 % threshold.
    evidence = flags.close_to_second_price(tender(lot(bid(1, 10_000_000), bid(2, 10_040_000), winner=1)), T)

    assert evidence is not None
    [found] = evidence["lots"]
    assert (found["winner"]["bid"], found["next"]["bid"]) == (1, 2)
    assert (found["difference_fen"], found["difference_bp"], evidence["threshold_bp"]) == (40_000, 40, 50)


def test_close_to_second_price_ignores_disqualified_bids_and_undecided_lots():
    # The close bid is disqualified: the next qualified one is 10 % away.
    disqualified_close = lot(bid(1, 10_000_000), bid(2, 10_010_000, qualified=False), bid(3, 11_000_000), winner=1)
    assert flags.close_to_second_price(tender(disqualified_close), T) is None
    # No winner yet.
    assert flags.close_to_second_price(tender(lot(bid(1, 10_000_000), bid(2, 10_010_000))), T) is None


@given(
    winner=st.integers(min_value=1, max_value=10**9),
    gap=st.integers(min_value=0, max_value=10**8),
)
def test_close_to_second_price_boundary(winner, gap):
    facts = tender(lot(bid(1, winner), bid(2, winner + gap), winner=1))
    assert (flags.close_to_second_price(facts, T) is not None) == (gap * 10_000 <= 50 * winner)


# --- heavily discounted winner ------------------------------------------------------------------


def test_heavily_discounted_winner_fires_at_half_the_budget():
    evidence = flags.heavily_discounted_winner(tender(lot(bid(1, 4_000_000), bid(2, 9_000_000), winner=1)), T)

    assert evidence is not None
    assert evidence["lots"][0]["discount_bp"] == 6_000
    assert evidence["lots"][0]["winner"]["price_fen"] == 4_000_000


def test_heavily_discounted_winner_is_silent_above_the_threshold_or_without_winner():
    assert flags.heavily_discounted_winner(tender(lot(bid(1, 5_000_001), winner=1)), T) is None
    assert flags.heavily_discounted_winner(tender(lot(bid(1, 5_000_000), winner=1)), T) is not None
    assert flags.heavily_discounted_winner(tender(lot(bid(1, 1_000), budget=10_000_000)), T) is None


# --- all but the winner disqualified ------------------------------------------------------------


def test_all_but_winner_disqualified_fires_when_every_other_bid_is_out():
    facts = tender(lot(bid(1, 9_000_000), bid(2, 8_000_000, valid=False), bid(3, 8_500_000, qualified=False), winner=1))

    evidence = flags.all_but_winner_disqualified(facts, T)

    assert evidence is not None
    assert [b["bid"] for b in evidence["lots"][0]["disqualified"]] == [2, 3]


def test_all_but_winner_disqualified_is_silent_when_another_bid_qualified_or_alone():
    one_other_qualified = lot(bid(1, 9_000_000), bid(2, 8_000_000, valid=False), bid(3, 9_500_000), winner=1)
    assert flags.all_but_winner_disqualified(tender(one_other_qualified), T) is None
    assert flags.all_but_winner_disqualified(tender(lot(bid(1, 9_000_000), winner=1)), T) is None


# --- lowest bid disqualified under price-only evaluation ----------------------------------------

UNDERCUT = lot(bid(1, 7_000_000, qualified=False), bid(2, 9_000_000), bid(3, 9_500_000), winner=2)


def test_lowest_bid_disqualified_fires_under_price_only_evaluation():
    evidence = flags.lowest_bid_disqualified(tender(UNDERCUT, method=EvaluationMethod.LOWEST_EVALUATED_PRICE), T)

    assert evidence is not None
    [found] = evidence["lots"]
    assert found["lowest_qualified"]["bid"] == 2
    assert [b["bid"] for b in found["disqualified_lower"]] == [1]
    # A comprehensive scoring that weighs only the price counts as price-only.
    assert flags.lowest_bid_disqualified(tender(UNDERCUT, price_weight_bp=10_000), T) is not None


def test_lowest_bid_disqualified_is_silent_under_comprehensive_scoring_or_when_the_lowest_qualified():
    assert flags.lowest_bid_disqualified(tender(UNDERCUT), T) is None
    lowest_qualified = lot(bid(1, 7_000_000), bid(2, 9_000_000, qualified=False), winner=1)
    assert flags.lowest_bid_disqualified(tender(lowest_qualified, method=EvaluationMethod.LOWEST_PRICE), T) is None
    # Not yet judged by the committee: no verdict to question.
    unjudged = lot(bid(1, 7_000_000, valid=False), bid(2, 9_000_000, qualified=None))
    assert flags.lowest_bid_disqualified(tender(unjudged, method=EvaluationMethod.LOWEST_PRICE), T) is None


# --- buyer disqualification ratio ---------------------------------------------------------------


def buyer(*, tenders: int = 6, bids: int = 30, disqualified: int = 15) -> BuyerFacts:
    return BuyerFacts(
        buyer_id=1, buyer_name="某市数据局", region_id="510000", tenders=tenders, bids=bids, disqualified=disqualified
    )


def test_buyer_disqualification_ratio_fires_far_above_the_rest_of_the_exchange():
    # The buyer: 15 of 30 (50 %); everyone else: 10 of 100 (10 %).
    evidence = flags.buyer_disqualification_ratio(buyer(), ExchangeTotals(bids=130, disqualified=25), T)

    assert evidence == {
        "tenders": 6,
        "bids": 30,
        "disqualified": 15,
        "ratio_bp": 5_000,
        "norm_bp": 1_000,
        "factor": "2",
        "min_tenders": 5,
    }


def test_buyer_disqualification_ratio_is_silent_near_the_norm_or_on_few_tenders():
    # 6 of 30 (20 %) against 10 %: exactly twice, not above.
    assert flags.buyer_disqualification_ratio(buyer(disqualified=6), ExchangeTotals(130, 16), T) is None
    assert flags.buyer_disqualification_ratio(buyer(tenders=4), ExchangeTotals(130, 25), T) is None
    # Alone on the exchange: no norm to compare with.
    assert flags.buyer_disqualification_ratio(buyer(), ExchangeTotals(30, 15), T) is None


@given(
    mine=st.tuples(st.integers(1, 500), st.integers(0, 500)).map(lambda t: (t[0] + t[1], t[1])),
    others=st.tuples(st.integers(1, 500), st.integers(0, 500)).map(lambda t: (t[0] + t[1], t[1])),
)
def test_buyer_disqualification_ratio_matches_the_rational_comparison(mine, others):
    bids, disqualified = mine
    other_bids, other_disqualified = others
    facts = buyer(bids=bids, disqualified=disqualified)
    fired = flags.buyer_disqualification_ratio(
        facts, ExchangeTotals(bids + other_bids, disqualified + other_disqualified), T
    )
    expected = disqualified > 0 and Fraction(disqualified, bids) > 2 * Fraction(other_disqualified, other_bids)
    assert (fired is not None) == expected
