import pytest
from hypothesis import given
from hypothesis import strategies as st

from gongyi.orgs.creditcode import CHARS, CreditCodeError, check_character, normalise, validate

GOOD = ["91440300708461136T", "914403001922038216"]
# GB 32100-2015 as written in the domain notes, kept here apart from the module under test.
SPEC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
SPEC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def spec_check(body: str) -> str:
    total = sum(SPEC_CHARS.index(c) * w for c, w in zip(body, SPEC_WEIGHTS))
    return SPEC_CHARS[(31 - total % 31) % 31]


def test_the_spec_weights_are_powers_of_three_modulo_31():
    assert SPEC_WEIGHTS == tuple(pow(3, i, 31) for i in range(17))
    assert SPEC_CHARS == CHARS


# Bodies with a non-zero character at every position, so that each of the 17 weights matters.
BODIES = ["52440305MJL12345X", "53330212ABCDEFGHJ", "5144030987654321Y", "12345678912345678", "YXWUTRQPNMLKJHGFE"]


@pytest.mark.parametrize("body", BODIES)
def test_codes_checked_by_the_spec_pass_and_any_other_check_character_fails(body):
    code = body + spec_check(body)
    assert validate(code) == code
    for wrong in SPEC_CHARS.replace(code[-1], ""):
        with pytest.raises(CreditCodeError):
            validate(body + wrong)


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
def test_check_character_agrees_with_the_spec(first17):
    assert check_character(first17) == spec_check(first17)
