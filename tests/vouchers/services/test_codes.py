"""Voucher codes: 100 random bits in Crockford's base32, typed back forgivingly."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vouchers.codes import ALPHABET, LENGTH, display_code, new_code, normalise_code

CODE = "0123456789ABCDEFGHJK"


def test_a_new_code_is_twenty_characters_of_the_unambiguous_alphabet():
    codes = {new_code() for _ in range(200)}
    assert len(codes) == 200  # 100 random bits: no two alike
    for code in codes:
        assert len(code) == LENGTH == 20
        assert set(code) <= set(ALPHABET)
        assert not set(code) & set("ILOU")


def test_a_code_is_shown_in_groups_of_four():
    assert display_code(CODE) == "0123-4567-89AB-CDEF-GHJK"


def test_dashes_spaces_and_case_do_not_matter():
    assert normalise_code("0123-4567-89ab-cdef-ghjk") == CODE
    assert normalise_code(" 0123 4567\t89AB cdef GHJK\n") == CODE
    assert normalise_code(display_code(CODE).lower()) == CODE


def test_i_l_and_o_read_as_one_one_and_zero():
    assert normalise_code("O123-4567-89AB-CDEF-GHJK") == CODE
    assert normalise_code("0I23-4567-89AB-CDEF-GHJK") == CODE
    assert normalise_code("0L23-4567-89AB-CDEF-GHJK") == CODE
    assert normalise_code("olIL" + CODE[4:]) == "0111" + CODE[4:]


@pytest.mark.parametrize(
    "text",
    [
        "",
        None,
        CODE[:-1],  # one short
        CODE + "0",  # one long
        CODE[:-1] + "U",  # U is not in the alphabet
        CODE[:-1] + "*",
        CODE[:-1] + "码",
        "0123_4567_89AB_CDEF_GHJK",  # only dashes and spaces are separators
    ],
)
def test_a_wrong_length_or_character_is_not_a_code(text):
    assert normalise_code(text) is None


@given(st.lists(st.sampled_from(ALPHABET), min_size=LENGTH, max_size=LENGTH).map("".join))
def test_a_displayed_code_reads_back_to_itself(code):
    assert normalise_code(display_code(code)) == code
    assert normalise_code(display_code(code).lower()) == code
