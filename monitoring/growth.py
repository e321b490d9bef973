"""Growth arithmetic for the industry dashboards (DESIGN §8): compound annual growth rate since
the base year against the policy's target (over 20 % a year to 2027), projections, and quarterly
growth. Pure Python on `int` fen and `Decimal`, never a float.

Conventions:
- A rate is a Decimal fraction (0.2 is 20 % a year), rounded to `RATE_PLACES` (10 decimal
  places, half-even): one ten-millionth of a basis point, far below anything shown.
- Spans are in years, an `int` or a `Decimal`; a span counted in quarters is `quarters_to_years`
  (quarters / 4, exact). Powers with a fractional exponent are computed with `PRECISION` digits
  beyond the whole part before the one rounding.
- Money projected is integer fen, rounded once at the end, half-even (banker's rounding, so a
  series of projections has no upward bias).
- Time points are the ends of periods: the calendar year Y ends at Y, the four quarters to
  (Y, q) end at Y - 1 + q/4. So a base year's annual figure and the latest four quarters'
  figure to 2026 Q3 are 1.75 years apart when the base year is 2024.

Bad input (a zero or negative base, a non-positive span, a rate below -100 %) raises
`GrowthError`, a ValueError with a message saying which.

The base year and the target are settings (`MONITORING_BASE_YEAR`, `MONITORING_GROWTH_TARGET_BP`),
read when `base_year()` and `growth_target()` are called, never at import.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, localcontext

from django.conf import settings

RATE_PLACES = Decimal("1E-10")
PRECISION = 40
HORIZON_YEAR = 2027  # the policy's horizon: growth over 20 % a year to 2027
BASIS_POINTS = 10_000

Number = int | Decimal


class GrowthError(ValueError):
    """Growth asked of numbers it is not defined for."""


def base_year() -> int:
    """The year growth is measured from (`MONITORING_BASE_YEAR`, the policy's year by default)."""
    return int(settings.MONITORING_BASE_YEAR)


def growth_target() -> Decimal:
    """The target annual growth as a fraction (`MONITORING_GROWTH_TARGET_BP` / 10,000)."""
    return Decimal(int(settings.MONITORING_GROWTH_TARGET_BP)) / BASIS_POINTS


def quarters_to_years(quarters: int) -> Decimal:
    """A span of whole quarters in years, exactly (5 quarters -> 1.25)."""
    return Decimal(quarters) / 4


def _digits(magnitude: Decimal) -> int:
    """The working precision for a result of about 10 ** `magnitude`: `PRECISION` significant
    digits after the decimal point, whatever the size of the whole part."""
    return PRECISION + max(0, int(magnitude) + 1)


def _rate(value: Decimal) -> Decimal:
    with localcontext() as context:
        context.prec = _digits(Decimal(value.adjusted()))
        return value.quantize(RATE_PLACES, rounding=ROUND_HALF_EVEN)


def _span(years: Number, *, what: str = "years") -> Decimal:
    if isinstance(years, bool) or not isinstance(years, (int, Decimal)):
        raise GrowthError(f"{what} must be an int or a Decimal, not {type(years).__name__}")
    span = Decimal(years)
    if not span.is_finite() or span <= 0:
        raise GrowthError(f"{what} must be positive (got {years})")
    return span


def _amount(value: Number, *, what: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
        raise GrowthError(f"{what} must be an int or a Decimal, not {type(value).__name__}")
    amount = Decimal(value)
    if not amount.is_finite():
        raise GrowthError(f"{what} must be finite (got {value})")
    return amount


def cagr(first_value: Number, last_value: Number, years: Number) -> Decimal:
    """The compound annual growth rate taking `first_value` to `last_value` in `years`:
    (last / first) ** (1 / years) - 1, rounded to `RATE_PLACES` half-even.

    The base must be positive (growth from nothing has no rate), the last value not negative (0
    gives -1: everything lost), the span positive (a fraction of a year is allowed: quarters / 4).
    """
    first = _amount(first_value, what="the first value")
    last = _amount(last_value, what="the last value")
    span = _span(years)
    if first <= 0:
        raise GrowthError(f"growth is not defined from a base of {first_value}: the base must be positive")
    if last < 0:
        raise GrowthError(f"the last value must not be negative (got {last_value})")
    if last == 0:
        return _rate(Decimal(-1))
    with localcontext() as context:
        context.prec = _digits(Decimal(max(last.adjusted() - first.adjusted() + 1, 0)) / span)
        ratio = last / first
        growth = ratio if span == 1 else ratio ** (1 / span)
        return _rate(growth - 1)


def compound(value: Number, rate: Decimal, years: Number) -> int:
    """`value` (fen) grown at `rate` a year for `years` (may be fractional): integer fen, rounded
    half-even once at the end. A span of 0 gives the value back."""
    amount = _amount(value, what="the value")
    if amount < 0:
        raise GrowthError(f"the value must not be negative (got {value})")
    if not isinstance(rate, Decimal) or not rate.is_finite():
        raise GrowthError(f"the rate must be a finite Decimal (got {rate!r})")
    if rate < -1:
        raise GrowthError(f"a rate below -100 % is not a growth rate (got {rate})")
    if isinstance(years, bool) or not isinstance(years, (int, Decimal)) or Decimal(years) < 0:
        raise GrowthError(f"years must be an int or a Decimal, not negative (got {years!r})")
    span = Decimal(years)
    with localcontext() as context:
        context.prec = _digits(max(amount.adjusted(), 0) + max((1 + rate).adjusted() + 1, 0) * span)
        if span == 0:
            grown = amount
        elif rate == -1:
            grown = Decimal(0)
        else:
            grown = amount * (1 + rate) ** span
        return int(grown.quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


def projection(value: Number, rate: Decimal, from_year: int, to_year: int = HORIZON_YEAR) -> int:
    """`value` of `from_year` projected to `to_year` (2027 by default) at `rate` a year, compounded:
    integer fen, half-even. `to_year` before `from_year` is an error; the same year gives the value."""
    for name, year in (("from_year", from_year), ("to_year", to_year)):
        if isinstance(year, bool) or not isinstance(year, int):
            raise GrowthError(f"{name} must be an int (got {year!r})")
    if to_year < from_year:
        raise GrowthError(f"cannot project backwards, from {from_year} to {to_year}")
    return compound(value, rate, to_year - from_year)


def target_gap(actual_rate: Decimal, target_rate: Decimal = Decimal("0.20")) -> Decimal:
    """How far the actual rate is above (positive) or below (negative) the target, as a fraction
    (0.05 = five percentage points), rounded to `RATE_PLACES`."""
    for name, rate in (("actual_rate", actual_rate), ("target_rate", target_rate)):
        if not isinstance(rate, Decimal) or not rate.is_finite():
            raise GrowthError(f"{name} must be a finite Decimal (got {rate!r})")
    return _rate(actual_rate - target_rate)


# --- Quarterly series ----------------------------------------------------------------------------


@dataclass(frozen=True)
class QuarterGrowth:
    """One quarter of a series with its growth. `quarter_on_quarter` compares with the quarter just
    before, `year_on_year` with the same quarter a year before; each is None when that quarter is
    missing from the series (a gap: never compared with an older quarter instead) or its value is
    0 (no base). `previous_missing` / `year_ago_missing` say which None is a gap."""

    year: int
    quarter: int
    value: int
    quarter_on_quarter: Decimal | None
    year_on_year: Decimal | None
    previous_missing: bool
    year_ago_missing: bool

    @property
    def period(self) -> str:
        return f"{self.year}Q{self.quarter}"


def _previous(year: int, quarter: int) -> tuple[int, int]:
    return (year, quarter - 1) if quarter > 1 else (year - 1, 4)


def _growth(before: int | None, now: int) -> Decimal | None:
    if before is None or before == 0:
        return None
    with localcontext() as context:
        context.prec = _digits(Decimal(len(str(now))))
        return _rate(Decimal(now) / Decimal(before) - 1)


def quarterly_growth(series: Iterable[tuple[int, int, int]]) -> list[QuarterGrowth]:
    """Quarter-on-quarter and year-on-year growth of a series of (year, quarter, value), in
    period order whatever the input order. Values are non-negative integers; a period given twice
    or a quarter outside 1–4 is an error. Quarters absent from the series are gaps: the quarter
    after a gap has no quarter-on-quarter growth, and the one a year after has no year-on-year."""
    values: dict[tuple[int, int], int] = {}
    for year, quarter, value in series:
        if isinstance(year, bool) or not isinstance(year, int):
            raise GrowthError(f"the year must be an int (got {year!r})")
        if isinstance(quarter, bool) or not isinstance(quarter, int) or not 1 <= quarter <= 4:
            raise GrowthError(f"the quarter is 1, 2, 3 or 4 (got {quarter!r})")
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise GrowthError(f"{year}Q{quarter}: the value must be a non-negative int (got {value!r})")
        if (year, quarter) in values:
            raise GrowthError(f"{year}Q{quarter} is given twice")
        values[(year, quarter)] = value
    result = []
    for (year, quarter), value in sorted(values.items()):
        previous = values.get(_previous(year, quarter))
        year_ago = values.get((year - 1, quarter))
        result.append(
            QuarterGrowth(
                year=year,
                quarter=quarter,
                value=value,
                quarter_on_quarter=_growth(previous, value),
                year_on_year=_growth(year_ago, value),
                previous_missing=previous is None,
                year_ago_missing=year_ago is None,
            )
        )
    return result


# --- Growth against the target -------------------------------------------------------------------


def period_end(year: int, quarter: int = 4) -> Decimal:
    """Where a period ends on the time line of spans: the year (or the four quarters to the
    quarter) `year` ends at year - 1 + quarter / 4."""
    if isinstance(quarter, bool) or not isinstance(quarter, int) or not 1 <= quarter <= 4:
        raise GrowthError(f"the quarter is 1, 2, 3 or 4 (got {quarter!r})")
    return Decimal(year - 1) + quarters_to_years(quarter)


@dataclass(frozen=True)
class GrowthAgainstTarget:
    """Growth since the base year against the target, and where each rate leads by the horizon.

    `base_value` is the base year's annual figure, `latest_value` the latest four quarters' (to
    `latest_year` Q`latest_quarter`; Q4 is the calendar year); `years` the span between them.
    The projections carry the latest value to the end of `horizon_year` at the CAGR and at the
    target. `gap` is cagr - target (negative: behind)."""

    base_year: int
    base_value: int
    latest_year: int
    latest_quarter: int
    latest_value: int
    years: Decimal
    cagr: Decimal
    target: Decimal
    gap: Decimal
    horizon_year: int
    projected_at_cagr: int
    projected_at_target: int

    @property
    def meets_target(self) -> bool:
        return self.gap >= 0


def growth_against_target(
    *,
    base_value: int,
    latest_value: int,
    latest_year: int,
    latest_quarter: int = 4,
    base: int | None = None,
    target: Decimal | None = None,
    horizon_year: int = HORIZON_YEAR,
) -> GrowthAgainstTarget:
    """The CAGR from the base year's figure (`base`, default `base_year()`) to the latest four
    quarters', the gap to the target (default `growth_target()`), and the latest figure projected
    to the end of `horizon_year` at both rates. The latest period must end after the base year
    and no later than the horizon."""
    first_year = base_year() if base is None else base
    rate_target = growth_target() if target is None else target
    start, latest = period_end(first_year), period_end(latest_year, latest_quarter)
    horizon = period_end(horizon_year)
    if latest > horizon:
        raise GrowthError(f"the latest period ends after the horizon year {horizon_year}")
    years = latest - start
    if years <= 0:
        raise GrowthError(f"the latest period must end after the base year {first_year}")
    rate = cagr(base_value, latest_value, years)
    ahead = horizon - latest
    return GrowthAgainstTarget(
        base_year=first_year,
        base_value=base_value,
        latest_year=latest_year,
        latest_quarter=latest_quarter,
        latest_value=latest_value,
        years=years,
        cagr=rate,
        target=rate_target,
        gap=target_gap(rate, rate_target),
        horizon_year=horizon_year,
        projected_at_cagr=compound(latest_value, rate, ahead),
        projected_at_target=compound(latest_value, rate_target, ahead),
    )
