from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from portal.money import MAX_HUNDREDTHS, format_fen, hundredths, hundredths_text


@given(st.integers(min_value=0, max_value=MAX_HUNDREDTHS))
def test_text_and_hundredths_round_trip(value):
    assert hundredths(hundredths_text(value)) == value
    assert hundredths(format_fen(value)) == value


@pytest.mark.parametrize(
    ("typed", "fen"),
    [
        ("1234.5", 123450),
        ("1,234.50", 123450),
        ("¥1，234", 123400),
        ("12元", 1200),
        ("0.01", 1),
        (Decimal("3.1"), 310),
        (7, 700),
    ],
)
def test_what_people_type_becomes_integer_hundredths(typed, fen):
    assert hundredths(typed) == fen


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("-1", "negative"),
        ("1.001", "decimals"),
        ("1e3", "invalid"),
        ("NaN", "invalid"),
        ("", "invalid"),
        (True, "invalid"),
        ("9" * 30, "too_large"),
    ],
)
def test_bad_amounts_are_refused_with_a_reason(typed, code):
    with pytest.raises(ValidationError) as error:
        hundredths(typed)
    assert error.value.code == code


def test_formatting_for_readers():
    assert format_fen(123456789) == "1,234,567.89"
    assert format_fen(5) == "0.05"
    assert format_fen(None) == ""
    assert hundredths_text(1505) == "15.05"
