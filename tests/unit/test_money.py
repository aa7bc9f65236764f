import pytest
from hypothesis import given
from hypothesis import strategies as st

from gongyi.money import MoneyError, fen_to_str, format_fen, parse_yuan


@pytest.mark.parametrize("text,fen", [("0", 0), ("1", 100), ("1.5", 150), ("1,000.05", 100005), ("￥12.30", 1230)])
def test_parse(text, fen):
    assert parse_yuan(text) == fen


@pytest.mark.parametrize("text,message", [("-1", "负数"), ("1.005", "两位小数"), ("abc", "格式"), ("", "填写"), ("1e3", "格式"), ("nan", "格式"), ("Infinity", "格式"), ("-inf", "负数"), ("1" * 16, "过大")])
def test_refused(text, message):
    with pytest.raises(MoneyError, match=message):
        parse_yuan(text)


@given(st.integers(0, 10**13))
def test_round_trip(fen):
    assert parse_yuan(fen_to_str(fen)) == fen
    assert parse_yuan(format_fen(fen)) == fen
