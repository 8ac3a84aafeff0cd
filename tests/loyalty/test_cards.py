"""Card numbers: 13 digits, EAN-13 check digit, configurable prefix."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from loyalty.cards import check_digit, is_valid_card_number, new_card_number


def test_the_check_digit_is_ean_13():
    # GS1's own examples
    assert check_digit("400638133393") == "1"
    assert check_digit("978030640615") == "7"
    assert is_valid_card_number("4006381333931")
    assert not is_valid_card_number("4006381333932")


def test_new_cards_carry_the_prefix_and_a_valid_check_digit(settings):
    settings.LOYALTY_CARD_PREFIX = "2990"
    numbers = {new_card_number() for _ in range(200)}
    assert len(numbers) == 200  # random, not a sequence
    for number in numbers:
        assert len(number) == 13 and number.startswith("2990") and is_valid_card_number(number)


@pytest.mark.parametrize("bad", ["", "123", "29000000000000", "290000000000a", "2900000000001 "])
def test_malformed_numbers_are_not_cards(bad):
    assert not is_valid_card_number(bad)


@given(st.text(alphabet="0123456789", min_size=12, max_size=12), st.integers(0, 12), st.integers(1, 9))
def test_any_single_wrong_digit_is_caught(body, position, shift):
    number = body + check_digit(body)
    assert is_valid_card_number(number)
    wrong = number[:position] + str((int(number[position]) + shift) % 10) + number[position + 1 :]
    assert not is_valid_card_number(wrong)
