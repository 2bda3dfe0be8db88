"""Reading one line of the JSONL contract: nesting limit and lone surrogates, exactly."""

from __future__ import annotations

import pytest

from dmguard.audit.jsonl import MAX_NESTING, LineError, parse_line


def nested(levels: int) -> str:
    """A message whose extra field holds a value ``levels`` deep (the message is level 1)."""
    return '{"text": "hi", "extra": ' + "[" * (levels - 2) + "1" + "]" * (levels - 2) + "}"


def test_the_deepest_allowed_line_is_read_and_one_more_level_is_an_error() -> None:
    assert parse_line(nested(MAX_NESTING), 1).text == "hi"
    with pytest.raises(LineError, match=f"nested deeper than {MAX_NESTING} levels"):
        parse_line(nested(MAX_NESTING + 1), 1)


def test_brackets_inside_strings_do_not_make_a_line_too_deep() -> None:
    assert parse_line('{"text": "' + "[" * 100 + '"}', 1).text == "[" * 100


@pytest.mark.parametrize("raw", ['{"text": "a\\ud800b"}', '{"text": "a\ud800b"}',
                                 '{"text": "ok", "recipient": {"name": "\\udc00x"}}'])
def test_lone_surrogates_become_replacement_characters(raw: str) -> None:
    message = parse_line(raw, 1)
    assert "\ud800" not in message.text and "\udc00" not in str(message.recipient)
    assert "\ufffd" in message.text + str(message.recipient)
