import pytest
from hypothesis import given
from hypothesis import strategies as st

from gongyi.orgs.creditcode import CHARS, CreditCodeError, check_character, normalise, validate

GOOD = ["91440300708461136T", "914403001922038216"]


@pytest.mark.parametrize("code", GOOD)
def test_known_codes_pass(code):
    assert validate(code) == code


def test_full_width_and_lower_case_are_normalised():
    full = "９１４４０３００７０８４６１１３６ｔ"
    assert validate(f"  {full} ") == "91440300708461136T"
    assert normalise(" 9144 0300 ") == "91440300"


def test_wrong_check_character_names_the_expected_one():
    with pytest.raises(CreditCodeError) as info:
        validate("91440300708461136A")
    assert "应为 T" in str(info.value)
    assert info.value.field == "credit_code"


@pytest.mark.parametrize("bad,fragment", [("9144030070846113", "18位"), ("9144030070846113IT", "I"), ("", "18位")])
def test_bad_length_and_forbidden_characters(bad, fragment):
    with pytest.raises(CreditCodeError, match=fragment):
        validate(bad)


body = st.text(alphabet=CHARS, min_size=17, max_size=17)


@given(body)
def test_check_character_makes_any_body_valid(first17):
    assert validate(first17 + check_character(first17)) == first17 + check_character(first17)


@given(body, st.integers(0, 16), st.sampled_from(CHARS))
def test_any_single_substitution_is_caught(first17, pos, char):
    code = first17 + check_character(first17)
    mutated = code[:pos] + char + code[pos + 1:]
    if mutated != code:
        # Weights are powers of 3 modulo the prime 31, so a single change always moves the sum.
        with pytest.raises(CreditCodeError):
            validate(mutated)


@given(body)
def test_weighted_sum_with_check_is_zero_mod_31(first17):
    from gongyi.orgs.creditcode import WEIGHTS

    code = first17 + check_character(first17)
    total = sum(CHARS.index(c) * w for c, w in zip(code[:17], WEIGHTS)) + CHARS.index(code[17])
    assert total % 31 == 0
