"""Growth arithmetic (monitoring.growth): exact figures on hand-computed cases, properties with
hypothesis, and the edges (zero base, one year, decline, gaps)."""

from __future__ import annotations

from decimal import Decimal, localcontext

import pytest
from hypothesis import given
from hypothesis import strategies as st

from monitoring import growth
from monitoring.growth import (
    GrowthError,
    cagr,
    compound,
    growth_against_target,
    projection,
    quarterly_growth,
    quarters_to_years,
    target_gap,
)

D = Decimal


# --- cagr ---------------------------------------------------------------------------------------


def test_cagr_of_a_doubling_in_one_year_is_one():
    assert cagr(100, 200, 1) == D("1.0000000000")


def test_cagr_of_20_percent_compounded_over_three_years_is_exactly_the_target():
    # 1,000,000 fen * 1.2^3 = 1,728,000 fen
    assert cagr(1_000_000, 1_728_000, 3) == D("0.2")


def test_cagr_over_two_years_is_the_square_root_rounded_half_even_to_ten_places():
    # sqrt(2) - 1 = 0.41421356237309504880…
    assert cagr(100, 200, 2) == D("0.4142135624")


def test_cagr_of_a_decline_is_negative():
    # 100 -> 81 in two years: 0.9 a year
    assert cagr(100, 81, 2) == D("-0.1")


def test_cagr_over_a_fractional_span_counted_in_quarters():
    # 10,000 -> 12,100 in 8 quarters is 10 % a year; in 6 quarters 1.21^(2/3) - 1
    assert cagr(10_000, 12_100, quarters_to_years(8)) == D("0.1")
    # 1.21^(2/3) = 1.1^(4/3) = e^(4/3 ln 1.1) = 1.1355081270020…
    assert cagr(10_000, 12_100, quarters_to_years(6)) == D("0.1355081270")


def test_cagr_to_nothing_is_minus_one():
    assert cagr(500, 0, 3) == D(-1)


@pytest.mark.parametrize("base", [0, -1, D("-0.5")])
def test_cagr_from_a_zero_or_negative_base_is_refused(base):
    with pytest.raises(GrowthError, match="base must be positive"):
        cagr(base, 100, 2)


@pytest.mark.parametrize("years", [0, -1, D("0"), D("-0.25")])
def test_cagr_over_a_non_positive_span_is_refused(years):
    with pytest.raises(GrowthError, match="years must be positive"):
        cagr(100, 120, years)


def test_cagr_refuses_floats_and_a_negative_last_value():
    with pytest.raises(GrowthError, match="int or a Decimal"):
        cagr(100.0, 120, 1)  # type: ignore[arg-type]
    with pytest.raises(GrowthError, match="int or a Decimal"):
        cagr(100, 120, 1.5)  # type: ignore[arg-type]
    with pytest.raises(GrowthError, match="not be negative"):
        cagr(100, -1, 1)


# --- projection ---------------------------------------------------------------------------------


def test_projection_to_2027_at_20_percent():
    # 2024 -> 2027: 1.2^3 = 1.728
    assert projection(1_000_000, D("0.20"), 2024) == 1_728_000
    assert projection(1_000_000, D("0.20"), 2024, 2027) == 1_728_000


def test_projection_rounds_fen_half_even():
    # 5 * 1.1 = 5.5 -> 6 (even); 15 * 1.1 = 16.5 -> 16 (even); 25 * 1.1 = 27.5 -> 28
    assert projection(5, D("0.1"), 2026, 2027) == 6
    assert projection(15, D("0.1"), 2026, 2027) == 16
    assert projection(25, D("0.1"), 2026, 2027) == 28


def test_projection_of_the_same_year_is_the_value_and_backwards_is_refused():
    assert projection(12_345, D("0.3"), 2027, 2027) == 12_345
    with pytest.raises(GrowthError, match="backwards"):
        projection(12_345, D("0.3"), 2027, 2026)


def test_projection_at_a_loss_and_at_minus_100_percent():
    assert projection(1_000, D("-0.5"), 2024, 2026) == 250
    assert projection(1_000, D(-1), 2024, 2026) == 0
    with pytest.raises(GrowthError, match="below -100"):
        projection(1_000, D("-1.5"), 2024, 2026)


def test_compound_over_a_fractional_span():
    # 1.21^(1/2) = 1.1 exactly
    assert compound(1_000, D("0.21"), D("0.5")) == 1_100
    assert compound(1_000, D("0.21"), 0) == 1_000


# --- target gap ---------------------------------------------------------------------------------


def test_target_gap_is_the_signed_distance_to_the_target():
    assert target_gap(D("0.25")) == D("0.05")
    assert target_gap(D("0.15")) == D("-0.05")
    assert target_gap(D("0.2")) == 0
    assert target_gap(D("0.1"), D("0.12")) == D("-0.02")


# --- quarterly growth ---------------------------------------------------------------------------


def test_quarterly_growth_of_a_full_series():
    series = [(2024, q, 100 * q) for q in range(1, 5)] + [(2025, 1, 500), (2025, 2, 400)]
    rows = quarterly_growth(reversed(series))  # any order in, period order out

    assert [row.period for row in rows] == ["2024Q1", "2024Q2", "2024Q3", "2024Q4", "2025Q1", "2025Q2"]
    assert [row.quarter_on_quarter for row in rows] == [None, D(1), D("0.5"), D("0.3333333333"), D("0.25"), D("-0.2")]
    assert [row.year_on_year for row in rows] == [None, None, None, None, D(4), D(1)]
    assert rows[0].previous_missing
    assert rows[0].year_ago_missing
    assert not rows[4].previous_missing
    assert not rows[4].year_ago_missing


def test_a_gap_is_never_bridged_by_an_older_quarter():
    rows = {row.period: row for row in quarterly_growth([(2024, 1, 100), (2024, 3, 150), (2025, 1, 130)])}

    assert rows["2024Q3"].quarter_on_quarter is None
    assert rows["2024Q3"].previous_missing
    assert rows["2025Q1"].quarter_on_quarter is None
    assert rows["2025Q1"].previous_missing
    assert rows["2025Q1"].year_on_year == D("0.3")
    assert not rows["2025Q1"].year_ago_missing


def test_a_zero_quarter_is_no_base_but_no_gap_either():
    rows = quarterly_growth([(2024, 4, 0), (2025, 1, 50)])

    assert rows[1].quarter_on_quarter is None
    assert rows[1].previous_missing is False
    assert rows[0].quarter_on_quarter is None


@pytest.mark.parametrize(
    ("series", "message"),
    [
        ([(2024, 1, 1), (2024, 1, 2)], "given twice"),
        ([(2024, 5, 1)], "quarter is 1, 2, 3 or 4"),
        ([(2024, 1, -1)], "non-negative"),
        ([(2024, 1, 1.5)], "non-negative int"),
    ],
)
def test_quarterly_growth_refuses_bad_series(series, message):
    with pytest.raises(GrowthError, match=message):
        quarterly_growth(series)


def test_quarterly_growth_of_nothing_is_empty():
    assert quarterly_growth([]) == []


# --- against the target -------------------------------------------------------------------------


def test_growth_against_target_with_the_settings(settings):
    settings.MONITORING_BASE_YEAR = 2024
    settings.MONITORING_GROWTH_TARGET_BP = 2000

    # 2024: 1,000,000 fen; the four quarters to 2025 Q4 (the year 2025): 1,250,000 -> 25 % in one year
    result = growth_against_target(base_value=1_000_000, latest_value=1_250_000, latest_year=2025)

    assert result.years == 1
    assert result.cagr == D("0.25")
    assert result.target == D("0.2")
    assert result.gap == D("0.05")
    assert result.meets_target
    assert result.projected_at_cagr == 1_953_125  # 1,250,000 * 1.25^2
    assert result.projected_at_target == 1_800_000  # 1,250,000 * 1.2^2


def test_growth_against_target_reads_the_settings_when_called(settings):
    settings.MONITORING_BASE_YEAR = 2023
    settings.MONITORING_GROWTH_TARGET_BP = 3000

    result = growth_against_target(base_value=100, latest_value=169, latest_year=2025)

    assert result.base_year == 2023
    assert result.cagr == D("0.3")
    assert result.target == D("0.3")
    assert result.gap == 0
    assert result.meets_target
    assert growth.base_year() == 2023
    assert growth.growth_target() == D("0.3")


def test_growth_against_target_from_the_latest_four_quarters():
    # base 2024; the four quarters to 2026 Q3 end 1.75 years after 2024 ends; 1.25 years to the end of 2027
    result = growth_against_target(
        base_value=10_000, latest_value=11_000, latest_year=2026, latest_quarter=3, base=2024, target=D("0.2")
    )

    assert result.years == D("1.75")
    assert result.cagr == cagr(10_000, 11_000, D("1.75"))
    assert result.cagr < D("0.2")
    assert not result.meets_target
    assert result.projected_at_target == compound(11_000, D("0.2"), D("1.25"))
    assert result.projected_at_cagr == compound(11_000, result.cagr, D("1.25"))


def test_growth_against_target_needs_a_period_after_the_base_year_and_not_after_the_horizon():
    with pytest.raises(GrowthError, match="after the base year"):
        growth_against_target(base_value=1, latest_value=2, latest_year=2024, base=2024, target=D("0.2"))
    with pytest.raises(GrowthError, match="after the horizon"):
        growth_against_target(base_value=1, latest_value=2, latest_year=2028, base=2024, target=D("0.2"))
    with pytest.raises(GrowthError, match="base must be positive"):
        growth_against_target(base_value=0, latest_value=2, latest_year=2025, base=2024, target=D("0.2"))


def test_the_result_is_frozen():
    result = growth_against_target(base_value=1, latest_value=2, latest_year=2025, base=2024, target=D("0.2"))
    with pytest.raises(AttributeError):
        result.cagr = D(0)  # type: ignore[misc]


# --- properties ---------------------------------------------------------------------------------

values = st.integers(min_value=1, max_value=10**12)
spans = st.one_of(st.integers(min_value=1, max_value=10), st.integers(min_value=1, max_value=40).map(quarters_to_years))


def _power(base: Decimal, years: Decimal) -> Decimal:
    with localcontext() as context:
        context.prec = 50
        return max(base, D(0)) ** years if base > 0 else D(0)


@given(first=values, last=values, years=spans)
def test_projection_at_the_cagr_reproduces_the_last_value_within_rounding(first, last, years):
    rate = cagr(first, last, years)

    projected = compound(first, rate, years)

    # The rate is within half a unit of RATE_PLACES of the true one; the projection is off by at
    # most what that half unit moves first * (1 + rate) ** years, plus the half fen of rounding.
    half = growth.RATE_PLACES / 2
    slack = first * (_power(1 + rate + half, D(years)) - _power(1 + rate - half, D(years)))
    assert abs(projected - last) <= slack + 1


@given(value=values, years=spans)
def test_the_cagr_of_a_constant_series_is_zero(value, years):
    assert cagr(value, value, years) == 0
    assert compound(value, D(0), years) == value


@given(first=values, a=values, b=values, years=spans)
def test_the_cagr_grows_with_the_last_value(first, a, b, years):
    low, high = sorted((a, b))
    assert cagr(first, low, years) <= cagr(first, high, years)


@given(
    value=values,
    low=st.decimals(min_value=-1, max_value=2, places=4),
    high=st.decimals(min_value=-1, max_value=2, places=4),
    years=spans,
)
def test_projection_grows_with_the_rate(value, low, high, years):
    low, high = sorted((low, high))
    assert compound(value, low, years) <= compound(value, high, years)


@given(
    value=values,
    rate=st.decimals(min_value=0, max_value=1, places=4),
    start=st.integers(2000, 2030),
    extra=st.integers(0, 5),
)
def test_growing_projections_grow_with_the_horizon(value, rate, start, extra):
    assert projection(value, rate, start, start + extra) <= projection(value, rate, start, start + extra + 1)


@given(
    series=st.dictionaries(st.tuples(st.integers(2020, 2027), st.integers(1, 4)), st.integers(0, 10**9), max_size=20)
)
def test_quarterly_growth_compares_only_with_the_quarters_present(series):
    rows = quarterly_growth([(y, q, v) for (y, q), v in series.items()])

    assert [(row.year, row.quarter) for row in rows] == sorted(series)
    for row in rows:
        previous = (row.year, row.quarter - 1) if row.quarter > 1 else (row.year - 1, 4)
        assert row.previous_missing == (previous not in series)
        assert row.year_ago_missing == ((row.year - 1, row.quarter) not in series)
        if row.quarter_on_quarter is not None:
            assert series[previous] > 0
            assert row.quarter_on_quarter == (D(row.value) / D(series[previous]) - 1).quantize(growth.RATE_PLACES)
