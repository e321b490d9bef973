"""JSON text for open data: amounts are Decimal and must come out as exact JSON numbers, never
through a float (the standard library encoder can only turn a Decimal into a float or a string)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from typing import Any

_string = json.JSONEncoder(ensure_ascii=False).encode


def dumps(value: Any) -> str:
    return "".join(_chunks(value))


def _chunks(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        yield "{"
        for index, (key, item) in enumerate(value.items()):
            if index:
                yield ","
            yield _string(str(key))
            yield ":"
            yield from _chunks(item)
        yield "}"
    elif isinstance(value, list | tuple):
        yield "["
        for index, item in enumerate(value):
            if index:
                yield ","
            yield from _chunks(item)
        yield "]"
    elif isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError("open data amounts must be finite")
        yield format(value, "f")
    elif value is None or isinstance(value, bool | int | str):
        yield _string(value)
    else:
        raise TypeError(f"{type(value).__name__} is not an open-data JSON value")


def loads(text: str) -> Any:
    """Parse published JSON back, keeping amounts exact."""
    return json.loads(text, parse_float=Decimal)


def yuan(fen: int) -> Decimal:
    """An amount in fen as the yuan figure OCDS `value.amount` carries (12345 -> 123.45)."""
    return Decimal(fen).scaleb(-2)


def date_time(moment: datetime) -> str:
    """An aware datetime as an OCDS date-time (ISO 8601 with an offset; UTC written as Z)."""
    return moment.isoformat().replace("+00:00", "Z")
