"""Money and other two-decimal quantities (DESIGN §3): integer fen, basis points, never a float.

People type yuan and percentages with at most two decimals; the portal keeps integer hundredths
(fen, basis points). This module is the one place that parses and formats them.
"""

from __future__ import annotations

import re
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# The largest amount a PostgreSQL bigint column holds.
MAX_HUNDREDTHS = 2**63 - 1

_PLAIN_DECIMAL = re.compile(r"^\+?\d+(?:\.\d*)?$")
_DECORATION = str.maketrans("", "", ",，¥￥元% \u00a0")


def hundredths(value: str | int | Decimal) -> int:
    """`"1,234.5"` -> 123450: yuan to fen, or a percentage to basis points.

    Decimal arithmetic only; at most two decimals; no negatives. Thousands separators (also the
    full-width ，), a ¥ sign, a trailing 元 or % are accepted; exponents, NaN and infinities are not.
    """
    if isinstance(value, bool):
        raise ValidationError(_("Enter a number, such as 1234.56."), code="invalid")
    text = str(value).strip()
    if text.startswith("-"):
        raise ValidationError(_("This cannot be negative."), code="negative")
    text = text.translate(_DECORATION)
    if not _PLAIN_DECIMAL.match(text):
        raise ValidationError(_("Enter a number, such as 1234.56."), code="invalid")
    amount = Decimal(text) * 100
    if amount != amount.to_integral_value():
        raise ValidationError(_("Give at most two decimals."), code="decimals")
    if amount > MAX_HUNDREDTHS:
        raise ValidationError(_("This amount is too large."), code="too_large")
    return int(amount)


def hundredths_text(value: int) -> str:
    """123405 -> "1234.05": what a form shows back, and what the API returns for yuan."""
    sign = "-" if value < 0 else ""
    return f"{sign}{abs(value) // 100}.{abs(value) % 100:02d}"


def format_fen(fen: int | None) -> str:
    """123450 -> "1,234.50" (yuan, thousands separated) for reading; None -> ""."""
    if fen is None:
        return ""
    whole, cents = divmod(abs(fen), 100)
    return f"{'-' if fen < 0 else ''}{whole:,}.{cents:02d}"


def divide_half_up(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded to the nearest integer, halves away from zero: the one
    rounding rule for amounts and points, in integer arithmetic (no float drift)."""
    if denominator <= 0:
        raise ValueError("the denominator must be positive")
    quotient, remainder = divmod(abs(numerator), denominator)
    if 2 * remainder >= denominator:
        quotient += 1
    return quotient if numerator >= 0 else -quotient


def split_by_shares(total: int, shares_bp: list[int]) -> list[int]:
    """Split `total` (fen) by shares in basis points that sum to 10,000 (see `split_in_proportion`)."""
    if sum(shares_bp) != 10_000 or any(share <= 0 for share in shares_bp):
        raise ValueError("shares must be positive and sum to 10,000 basis points")
    return split_in_proportion(total, shares_bp)


def split_in_proportion(total: int, weights: list[int]) -> list[int]:
    """Split `total` (fen) in proportion to positive integer `weights` so that the parts sum to
    `total` exactly: each part is rounded down, and the fen left over go one each to the parts with
    the largest remainders (the earlier part first on a tie)."""
    whole = sum(weights)
    if whole <= 0 or any(weight <= 0 for weight in weights):
        raise ValueError("weights must be positive")
    parts = [divmod(total * weight, whole) for weight in weights]
    amounts = [part for part, _rest in parts]
    left = total - sum(amounts)
    by_remainder = sorted(range(len(parts)), key=lambda index: (-parts[index][1], index))
    for index in by_remainder[:left]:
        amounts[index] += 1
    return amounts
