"""Reading a spreadsheet's text a line at a time gives exactly the text read whole."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gongyi.textfiles import decode_text, text_encoding, text_lines

TEXT = st.text(alphabet=st.sampled_from("ab,\"\n\r 社区长者项目０１€"), max_size=60)


@given(TEXT, st.sampled_from(["utf-8", "utf-8-sig", "gb18030"]))
def test_lines_read_one_at_a_time_join_to_the_whole_text(text, codec) -> None:
    data = text.encode(codec)
    lines = list(text_lines(data, text_encoding(data)))
    assert "".join(lines) == decode_text(data)
    assert all(line.endswith("\n") for line in lines[:-1]) and all(line.count("\n") <= 1 for line in lines)


def test_gb18030_is_read_as_gb18030() -> None:
    data = "社区,长者\n".encode("gb18030")
    assert text_encoding(data) == "gb18030" and list(text_lines(data, "gb18030")) == ["社区,长者\n"]


def test_bytes_that_are_no_text_are_refused() -> None:
    with pytest.raises(UnicodeDecodeError):
        text_encoding(b"\xff\xfe\x00\xd8")


@given(st.text(max_size=40), st.sampled_from(["utf-8", "utf-8-sig", "gb18030"]))
def test_a_text_said_to_hold_no_control_character_holds_none(text, codec) -> None:
    from gongyi.numbers import has_control_characters
    from gongyi.textfiles import may_hold_control_characters

    try:
        data = text.encode(codec)
    except UnicodeEncodeError:  # a lone surrogate: no file holds one
        return
    if not may_hold_control_characters(data, text_encoding(data)):
        assert not has_control_characters(text)
    if codec != "gb18030" and has_control_characters(text):
        assert may_hold_control_characters(data, text_encoding(data))
