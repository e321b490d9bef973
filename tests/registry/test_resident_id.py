import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from registry.identity import identify
from registry.resident_id import check_character, mask, mask_name, validate_resident_id

first17 = st.text(alphabet="0123456789", min_size=17, max_size=17)


@given(first17)
def test_a_number_with_its_computed_check_character_is_valid(body):
    validate_resident_id(body + check_character(body))


@given(first17, st.integers(min_value=0, max_value=16), st.sampled_from("0123456789"))
def test_a_single_wrong_digit_is_detected(body, position, digit):
    number = body + check_character(body)
    corrupted = number[:position] + digit + number[position + 1 :]
    if corrupted != number:
        with pytest.raises(ValidationError):
            validate_resident_id(corrupted)


def test_the_published_example_and_its_mask():
    validate_resident_id("11010519491231002X")
    assert mask("11010519491231002X") == "110***********002X"
    assert len(mask("11010519491231002X")) == 18


@pytest.mark.parametrize(
    "bad", ["", "1101051949123100", "11010519491231002Y", "110105194912310021", "X1010519491231002X"]
)
def test_malformed_numbers_are_refused_without_echoing_them(bad):
    with pytest.raises(ValidationError) as error:
        identify(bad, field="id_number")
    messages = error.value.message_dict["id_number"]
    assert all(bad not in message or not bad for message in messages)


def test_identify_gives_a_stable_keyed_hash_and_a_mask(settings):
    one = identify(" 11010519491231002x ", field="id_number")
    assert one == identify("11010519491231002X", field="id_number")
    assert one.masked == "110***********002X"
    assert len(one.hash) == 64
    assert "11010519491231002X" not in one.hash
    settings.PERSON_ID_HASH_KEY = "another key"
    assert identify("11010519491231002X", field="id_number").hash != one.hash


@pytest.mark.parametrize(("name", "masked"), [("张三", "张*"), ("欧阳娜娜", "欧***"), ("李", "李*"), ("", "")])
def test_names_are_masked_to_their_first_character(name, masked):
    assert mask_name(name) == masked
