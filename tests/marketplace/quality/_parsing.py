"""Shared helpers of the format tests: parse bytes, catch the error."""

from __future__ import annotations

import io
from collections.abc import Collection
from typing import Any

import pytest

from marketplace.quality import QualityInputError
from marketplace.quality.formats import parse


def parse_bytes(data: bytes, kind: str, fmt: str, *, label_set: Collection[str] | None = None) -> Any:
    return parse(io.BytesIO(data), kind=kind, fmt=fmt, label_set=label_set)


def error_of(data: bytes, kind: str, fmt: str, *, label_set: Collection[str] | None = None) -> QualityInputError:
    with pytest.raises(QualityInputError) as caught:
        parse_bytes(data, kind, fmt, label_set=label_set)
    return caught.value


def where(error: QualityInputError) -> tuple[str, int | None, str | None, dict[str, Any]]:
    """What a test asserts of an error: its code, place and params."""
    return error.code, error.line, error.field, error.params
