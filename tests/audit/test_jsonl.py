"""Reading one line of the JSONL contract: nesting limit, lone surrogates and the plain
path without pydantic, exactly."""

from __future__ import annotations

import json

import pytest

from dmguard.audit.jsonl import (
    MAX_NESTING,
    LineError,
    _plain_input,
    dumps,
    parse_line,
    read_input,
    to_input,
)
from dmguard.audit.model import AuditInput, Context, Recipient


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


# read_input is parse_line + to_input without pydantic for plainly valid lines: it must
# give the same message or the same error for every line, whichever path a line takes.
def _variants() -> list[object]:
    values: list[object] = [None, "", "a", "Hi Amy", "manual", "MANUAL", 0, 1, -3, 2**63,
                            -(2**63), 2**70, 1.0,
                            True, False, [], {}, ["x"], {"a": 1}, "x" * 100_000,
                            "😊" * 100_000, "x" * 100_001, "\ud800"]
    lines: list[object] = []
    for value in values:
        lines.append({"text": value})
        lines.append({"text": "hello", "id": value})
        lines.append({"text": "hello", "platform": value})
        lines.append({"text": "hello", "recipient": value})
        lines.append({"text": "hello", "context": value})
        for field in ("id", "username", "name", "bio", "location", "lang", "last_message"):
            lines.append({"text": "hello", "recipient": {"id": "7", field: value}})
        for field in ("kind", "user_dmed_first", "step"):
            lines.append({"text": "hello", "context": {"kind": "welcome", field: value}})
    lines += [{}, {"id": "m1"}, {"text": "hi", "extra": [1, 2], "recipient": {"other": 1}},
              {"text": "hi", "context": {"step": -1}}, {"text": "hi", "id": True},
              {"text": "hi", "recipient": {"name": "Zoë"}, "context": {"user_dmed_first": 1}},
              [1], "text", 3]
    return lines


@pytest.mark.parametrize("data", _variants())
def test_read_input_gives_what_the_models_give(data: object) -> None:
    raw = json.dumps(data, ensure_ascii=False)
    try:
        expected: object = to_input(parse_line(raw, 4))
    except LineError as error:
        expected = (str(error), error.line, error.message_id)
    try:
        got: object = read_input(raw, 4)
    except LineError as error:
        got = (str(error), error.line, error.message_id)
    assert got == expected


def test_a_plainly_valid_line_is_read_without_the_models() -> None:
    # a line the models would reject goes to them; a plain one never does
    assert _plain_input({"text": "hi", "id": 3, "recipient": {"id": "9", "name": "Amy"},
                         "context": {"kind": "welcome", "step": 0, "user_dmed_first": True}}) \
        == AuditInput("hi", "3", None, Recipient(id="9", name="Amy"),
                      Context("welcome", True, 0))
    assert _plain_input({"text": "hi", "id": True}) is None
    assert _plain_input({"text": "hi", "context": {"step": -1}}) is None


@pytest.mark.parametrize("obj", [{"id": None, "text": "Zoë 😊 \"quoted\"\n", "span": [1, 2]},
                                 {"a": 1.5, "b": [True, None], "c": {"d": "\ud800"}}, {}])
def test_dumps_writes_what_json_dumps_writes(obj: dict[str, object]) -> None:
    assert dumps(obj) == json.dumps(obj, ensure_ascii=False, separators=(", ", ": "))


@pytest.mark.parametrize("end", ["", "\n", "\r\n"])
def test_a_line_cut_short_is_an_error_at_its_end_whatever_ends_it(end: str) -> None:
    with pytest.raises(LineError) as caught:
        parse_line('{"id":"g", "text": "x"' + end, 2)
    assert str(caught.value) == "line 2: not valid JSON (Expecting ',' delimiter at column 23)"


def test_json_errors_say_at_once() -> None:
    with pytest.raises(LineError) as caught:
        parse_line('{"text": "abc', 1)
    assert str(caught.value) == ("line 1: not valid JSON (Unterminated string starting at "
                                 "column 10)")


@pytest.mark.parametrize("read", [parse_line, read_input])
def test_raw_control_characters_in_strings_are_read_as_written(read: object) -> None:
    assert read('{"text": "a\tb\x1bc", "id": "t\x07"}', 1).text == "a\tb\x1bc"  # type: ignore[operator]


def test_a_byte_order_mark_starting_any_line_is_read() -> None:
    assert read_input('\ufeff{"text": "hi"}', 3).text == "hi"


@pytest.mark.parametrize("read", [parse_line, read_input])
@pytest.mark.parametrize(("raw", "error", "message_id"), [
    ('{"id": true, "text": "hi"}', "line 1: id: must be a string or an integer", None),
    ('{"id": 1.5, "text": "hi"}', "line 1: id: must be a string or an integer", None),
    ('{"id": 7, "text": 5}', "line 1: text: must be a string", "7"),
    ('{"id": "m", "recipient": "amy", "text": "hi"}', "line 1: recipient: must be an object",
     "m"),
    ('{"text": "hi", "context": {"user_dmed_first": 1}}',
     "line 1: context.user_dmed_first: must be true or false", None),
])
def test_field_errors_name_the_field_in_json_terms_and_the_id_as_results_do(
        read: object, raw: str, error: str, message_id: str | None) -> None:
    with pytest.raises(LineError) as caught:
        read(raw, 1)  # type: ignore[operator]
    assert (str(caught.value), caught.value.as_json()["id"]) == (error, message_id)


@pytest.mark.parametrize("kind", ["MANUAL", "banana", "", "Welcome"])
def test_a_context_kind_dmguard_does_not_know_is_an_error_naming_the_kinds(kind: str) -> None:
    with pytest.raises(LineError) as caught:
        read_input(json.dumps({"text": "hi", "context": {"kind": kind}}), 2)
    assert str(caught.value) == ("line 2: context.kind: must be 'welcome', 'campaign', 'reply', "
                                 "'manual' or 'confirmation'")


@pytest.mark.parametrize(("raw", "called"), [('["a"]', "an array"), ('"str"', "a string"),
                                             ("3.5", "a number"), ("false", "true or false"),
                                             ("null", "null")])
def test_a_value_that_is_not_an_object_is_named_in_json_words(raw: str, called: str) -> None:
    with pytest.raises(LineError, match=f"^line 1: expected a JSON object, got {called}$"):
        read_input(raw, 1)
