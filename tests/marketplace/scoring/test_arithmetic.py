"""The evaluation's arithmetic (marketplace.scoring) against exact rational arithmetic: integers
only, each part rounded once half up, so no float drift however large the prices."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from marketplace import scoring
from marketplace.scoring import BidInput, Judgement, Weights

MAX_FEN = 10**12  # ten billion yuan
T0 = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)


def half_up(value: Fraction) -> int:
    """The reference rounding: the nearest integer, halves up (every value here is >= 0)."""
    floor = value.numerator // value.denominator
    return floor + 1 if value - floor >= Fraction(1, 2) else floor


def exact_price_points(lowest: int, price: int, weight_bp: int) -> int:
    # weight_bp basis points of 100 points = weight_bp hundredths of a point
    return half_up(Fraction(lowest, price) * weight_bp)


def exact_criterion_points(scores: list[int], weight_bp: int) -> int:
    mean = Fraction(sum(scores), len(scores))  # hundredths of a score out of 100.00
    return half_up(mean / 10_000 * weight_bp)


prices = st.integers(min_value=1, max_value=MAX_FEN)
weights = st.integers(min_value=0, max_value=10_000)
scores = st.integers(min_value=0, max_value=10_000)


@given(a=prices, b=prices, weight_bp=weights)
def test_price_points_equal_exact_fraction_arithmetic(a, b, weight_bp):
    lowest, price = min(a, b), max(a, b)
    points = scoring.price_points(lowest_fen=lowest, price_fen=price, weight_bp=weight_bp)
    assert isinstance(points, int)
    assert points == exact_price_points(lowest, price, weight_bp)
    assert 0 <= points <= weight_bp


@given(price=prices, weight_bp=weights)
def test_the_lowest_price_earns_the_whole_price_weight(price, weight_bp):
    assert scoring.price_points(lowest_fen=price, price_fen=price, weight_bp=weight_bp) == weight_bp


@given(member_scores=st.lists(scores, min_size=1, max_size=25), weight_bp=weights)
def test_criterion_points_equal_exact_fraction_arithmetic(member_scores, weight_bp):
    points = scoring.criterion_points(scores=member_scores, weight_bp=weight_bp)
    assert isinstance(points, int)
    assert points == exact_criterion_points(member_scores, weight_bp)
    assert 0 <= points <= weight_bp


def _bid(bid_id, price, *, technical=8_000, business=8_000, members=5, qualified=True, at=None):
    judgement = Judgement(qualified=qualified, technical=technical, business=business, reason="" if qualified else "x")
    return BidInput(
        bid_id=bid_id,
        price_fen=price,
        received_at=at or T0 + timedelta(minutes=bid_id),
        judgements=[judgement] * members,
    )


@st.composite
def lots(draw):
    price_bp = draw(st.integers(min_value=1_000, max_value=10_000))
    technical_bp = draw(st.integers(min_value=0, max_value=10_000 - price_bp))
    weights = Weights(price_bp=price_bp, technical_bp=technical_bp, business_bp=10_000 - price_bp - technical_bp)
    size = draw(st.sampled_from([5, 7, 9]))
    bids = []
    for bid_id in range(1, draw(st.integers(min_value=1, max_value=40)) + 1):
        judgements = [
            Judgement(qualified=True, technical=draw(scores), business=draw(scores)) for _member in range(size)
        ]
        bids.append(BidInput(bid_id=bid_id, price_fen=draw(prices), received_at=T0, judgements=judgements))
    return weights, bids


@given(lot=lots())
def test_totals_of_many_bids_are_the_exact_parts_summed_and_ranked(lot):
    weights, bids = lot
    outcomes = {o.bid_id: o for o in scoring.evaluate_lot(bids, weights)}
    lowest = min(bid.price_fen for bid in bids)
    for bid in bids:
        outcome = outcomes[bid.bid_id]
        parts = (
            exact_price_points(lowest, bid.price_fen, weights.price_bp),
            exact_criterion_points([j.technical for j in bid.judgements], weights.technical_bp),
            exact_criterion_points([j.business for j in bid.judgements], weights.business_bp),
        )
        assert (outcome.price_points, outcome.technical_points, outcome.business_points) == parts
        assert outcome.total_points == sum(parts) <= 10_000
    ranked = sorted(outcomes.values(), key=lambda o: o.rank)
    assert [o.rank for o in ranked] == list(range(1, len(bids) + 1))
    prices = {bid.bid_id: bid.price_fen for bid in bids}
    keys = [(-o.total_points, prices[o.bid_id], o.bid_id) for o in ranked]
    assert keys == sorted(keys)


def test_worked_example_thirty_percent_price_weight():
    # lowest 400,000.00 yuan, bid 450,000.00 yuan, weight 30 %: 400,000 / 450,000 × 30 = 26.666… → 26.67
    assert scoring.price_points(lowest_fen=40_000_000, price_fen=45_000_000, weight_bp=3_000) == 2_667
    # the lowest itself: 30.00
    assert scoring.price_points(lowest_fen=40_000_000, price_fen=40_000_000, weight_bp=3_000) == 3_000
    # 400,000 / 480,000 × 30 = 25.00 exactly
    assert scoring.price_points(lowest_fen=40_000_000, price_fen=48_000_000, weight_bp=3_000) == 2_500


def test_worked_example_half_rounds_up_once():
    # 1 / 8 × 0.20 points = 0.025 points = 2.5 hundredths → 3 (half up), not 2 (half even)
    assert scoring.price_points(lowest_fen=1, price_fen=8, weight_bp=20) == 3
    # mean of 85.50, 80.00, 90.25 = 85.25; × 60 % = 51.15 points
    assert scoring.criterion_points(scores=[8_550, 8_000, 9_025], weight_bp=6_000) == 5_115
    # mean of 80.01 and 80.02 = 80.015; × 10 % = 8.0015 → 8.00
    assert scoring.criterion_points(scores=[8_001, 8_002], weight_bp=1_000) == 800


def test_worked_example_prices_near_ten_billion_yuan_keep_every_fen():
    # 999,999,999,999 / 1,000,000,000,000 × 30 % = 29.99999999997 points → 30.00
    assert scoring.price_points(lowest_fen=MAX_FEN - 1, price_fen=MAX_FEN, weight_bp=3_000) == 3_000
    # a float would lose this: 1 / 3 × 100 % = 33.333… → 33.33
    assert scoring.price_points(lowest_fen=MAX_FEN // 3, price_fen=MAX_FEN, weight_bp=10_000) == 3_333


def test_worked_example_of_a_whole_lot():
    weights = Weights(price_bp=3_000, technical_bp=6_000, business_bp=1_000)
    bids = [
        _bid(1, 45_000_000, technical=9_000, business=9_000),
        _bid(2, 40_000_000, technical=8_000, business=8_000),
        _bid(3, 48_000_000, technical=7_000, business=10_000),
    ]
    outcomes = scoring.evaluate_lot(bids, weights)
    summary = [
        (o.bid_id, o.price_points, o.technical_points, o.business_points, o.total_points, o.rank) for o in outcomes
    ]
    assert summary == [
        # 26.67 + 54.00 + 9.00 = 89.67
        (1, 2_667, 5_400, 900, 8_967, 1),
        # 30.00 + 48.00 + 8.00 = 86.00
        (2, 3_000, 4_800, 800, 8_600, 2),
        # 25.00 + 42.00 + 10.00 = 77.00
        (3, 2_500, 4_200, 1_000, 7_700, 3),
    ]


def test_equal_totals_rank_the_lower_price_first():
    weights = Weights(price_bp=3_000, technical_bp=6_000, business_bp=1_000)
    cheap = _bid(1, 40_000_000, technical=9_000, business=9_000, at=T0 + timedelta(hours=1))
    # 400,000.00 / 400,000.01 × 30 = 29.99999925 → 30.00: the same points as the cheaper bid
    dear = _bid(2, 40_000_001, technical=9_000, business=9_000, at=T0)
    outcomes = scoring.evaluate_lot([dear, cheap], weights)
    assert outcomes[0].total_points == outcomes[1].total_points
    assert [o.bid_id for o in outcomes] == [1, 2]


def test_equal_totals_and_prices_rank_the_earlier_bid_first():
    weights = Weights(price_bp=3_000, technical_bp=6_000, business_bp=1_000)
    late = _bid(1, 40_000_000, at=T0 + timedelta(hours=2))
    early = _bid(2, 40_000_000, at=T0 + timedelta(hours=1))
    outcomes = scoring.evaluate_lot([late, early], weights)
    assert [(o.bid_id, o.rank) for o in outcomes] == [(2, 1), (1, 2)]


def test_a_bid_is_qualified_when_a_majority_says_so():
    yes, no = Judgement(qualified=True, technical=0, business=0), Judgement(False, 0, 0, "资质不符")
    assert scoring.qualified_by_majority([yes, yes, yes, no, no])
    assert not scoring.qualified_by_majority([yes, yes, no, no, no])
    assert not scoring.qualified_by_majority([yes, no])  # a tie is no majority
    assert not scoring.qualified_by_majority([])


def test_disqualified_bids_get_no_points_no_rank_and_carry_the_reasons():
    weights = Weights(price_bp=3_000, technical_bp=6_000, business_bp=1_000)
    yes = Judgement(qualified=True, technical=8_000, business=8_000)
    bids = [
        BidInput(1, 30_000_000, T0, [Judgement(False, 0, 0, "营业执照过期"), Judgement(False, 0, 0, "无资质"), yes]),
        _bid(2, 40_000_000, members=3),
    ]
    first, second = scoring.evaluate_lot(bids, weights)
    assert (first.bid_id, first.rank, first.price_points) == (2, 1, 3_000)  # the disqualified price is not the lowest
    assert (second.bid_id, second.qualified, second.rank, second.total_points) == (1, False, None, 0)
    assert second.reasons == ("营业执照过期", "无资质")


def test_a_dissenting_member_does_not_drag_down_a_qualified_bid():
    weights = Weights(price_bp=3_000, technical_bp=6_000, business_bp=1_000)
    yes = Judgement(qualified=True, technical=9_000, business=9_000)
    dissent = Judgement(qualified=False, technical=0, business=0, reason="报价低于成本")
    (outcome,) = scoring.evaluate_lot([BidInput(1, 40_000_000, T0, [yes, yes, yes, yes, dissent])], weights)
    # the mean of the four members who found it qualified: 90.00
    assert (outcome.technical_points, outcome.business_points) == (5_400, 900)


def test_a_price_only_method_ranks_by_price_alone():
    weights = Weights(price_bp=10_000, technical_bp=0, business_bp=0)
    bids = [_bid(1, 52_000_000, technical=10_000), _bid(2, 40_000_000, technical=0), _bid(3, 45_000_000)]
    outcomes = scoring.evaluate_lot(bids, weights)
    assert [(o.bid_id, o.total_points) for o in outcomes] == [(2, 10_000), (3, 8_889), (1, 7_692)]


@given(price_list=st.lists(prices, min_size=1, max_size=30, unique=True))
def test_under_a_price_only_method_the_rank_follows_the_price(price_list):
    weights = Weights(price_bp=10_000, technical_bp=0, business_bp=0)
    bids = [_bid(index + 1, price, technical=10_000 - index) for index, price in enumerate(price_list)]
    outcomes = scoring.evaluate_lot(bids, weights)
    prices = {bid.bid_id: bid.price_fen for bid in bids}
    assert [prices[o.bid_id] for o in outcomes] == sorted(price_list)
