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
