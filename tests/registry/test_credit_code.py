import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from registry.credit_code import ALPHABET, check_character, normalise, validate_credit_code

first17 = st.text(alphabet=ALPHABET, min_size=17, max_size=17)


@given(first17)
def test_a_code_with_its_computed_check_character_is_valid(body):
    validate_credit_code(body + check_character(body))


@given(first17, st.integers(min_value=0, max_value=17), st.sampled_from(ALPHABET))
def test_every_single_character_substitution_is_detected(body, position, replacement):
    code = body + check_character(body)
    corrupted = code[:position] + replacement + code[position + 1 :]
    if corrupted == code:
        return
    with pytest.raises(ValidationError) as error:
        validate_credit_code(corrupted)
    assert error.value.code == "credit_code_check"


def test_every_single_corruption_of_a_published_example_is_detected():
    code = "91350100M000100Y43"  # the worked example of GB 32100-2015
    validate_credit_code(code)
    for position in range(18):
        for char in ALPHABET:
            corrupted = code[:position] + char + code[position + 1 :]
            if corrupted != code:
                with pytest.raises(ValidationError):
                    validate_credit_code(corrupted)


@pytest.mark.parametrize(
    ("value", "code", "fragment"),
    [
        ("91350100M000100Y4", "credit_code_length", "18"),
        ("91350100M000100Y433", "credit_code_length", "19"),
        ("91350100M000100I43", "credit_code_character", "16"),
        ("91350100M000100Y44", "credit_code_check", "check character"),
    ],
)
def test_bad_codes_are_refused_with_a_message_that_says_why(value, code, fragment):
    with translation.override("en"), pytest.raises(ValidationError) as error:
        validate_credit_code(value)
    assert error.value.code == code
    with translation.override("en"):
        assert fragment in error.value.messages[0]


def test_typed_codes_are_normalised_before_checking():
    assert normalise("  91350100m000100y43 ") == "91350100M000100Y43"
