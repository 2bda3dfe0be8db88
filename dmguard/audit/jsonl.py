"""The ``dmguard audit`` JSON Lines contract: parse input lines, name what is wrong.

Unknown fields are ignored, so callers can send more than dmguard reads; every
field but ``text`` is optional.
"""

from __future__ import annotations

import json
import re
import sys
from typing import TYPE_CHECKING, Any, TextIO

from dmguard.audit.model import CONTEXT_KINDS, MAX_TEXT, AuditInput, Context, Recipient
from dmguard.utf8 import bad_bytes

if TYPE_CHECKING:
    from pydantic import ValidationError

    from dmguard.audit.jsonl_models import MessageIn

_SURROGATE = re.compile("[\ud800-\udfff]")


def open_lines(source: str) -> TextIO:
    """The lines of ``source`` (a path, or ``-`` for standard input) as text: UTF-8, with
    the byte order mark Windows editors write at the start dropped. A byte that is not
    UTF-8 is kept as U+DC80..U+DCFF, for its line's error to name (:func:`not_utf8`).

    Raises :class:`OSError` when the file cannot be opened."""
    if source != "-":
        return open(source, encoding="utf-8-sig", errors="surrogateescape")
    stream = sys.stdin
    if hasattr(stream, "reconfigure"):
        stream.reconfigure(encoding="utf-8-sig", errors="surrogateescape")
    return stream


_DECODER = json.JSONDecoder(strict=False)
"""Reads raw control characters inside strings, a tab above all: a line cannot hold a
raw newline, and the same characters escaped (``\\t``) are read anyway."""

def not_utf8(raw: str, line: int) -> str | None:
    """The error naming the bytes of ``raw`` that were not UTF-8 (see :func:`open_lines`)
    and their columns, or None when it has none."""
    found = bad_bytes(raw)
    return None if found is None else f"line {line}: not UTF-8: {found}"


def id_text(value: Any) -> str | None:
    """An ``id`` as results show it (an integer as its digits), or None for no usable id."""
    if type(value) is int:
        return str(value)
    if type(value) is str:
        return _SURROGATE.sub("\ufffd", value)
    return None


def _written_id(raw: str) -> str | None:
    """The ``id`` a line that cannot be audited names, if it can be read at all."""
    try:
        data = _DECODER.decode(raw)
    except (ValueError, RecursionError):
        return None
    return id_text(data.get("id")) if isinstance(data, dict) else None


JSON_LINES_HINT = 'the input is JSON Lines: one {"text": "..."} object per line'
AUDIT_HINT = JSON_LINES_HINT + " (plain text, a message per line, is read with --input text)"
"""Said once, on the first line that cannot be a JSON object (see :func:`starts_plain`)."""


JSON_NAMES = {list: "an array", str: "a string", int: "a number", float: "a number",
              bool: "true or false", type(None): "null"}
"""What a JSON value that is not an object is called in JSON's own words (not Python's)."""


def starts_plain(raw: str) -> bool:
    """Whether a non-blank line cannot be a JSON object: it does not start with ``{``."""
    return raw[:1] != "{" and raw.lstrip(" \t\r\n\ufeff")[:1] != "{"


class LineError(Exception):
    def __init__(self, line: int, message: str, message_id: str | None = None) -> None:
        super().__init__(message)
        self.line = line
        self.message_id = message_id

    def with_hint(self, hint: str) -> LineError:
        return LineError(self.line, f"{self}; {hint}", self.message_id)

    def as_json(self) -> dict[str, Any]:
        return {"id": self.message_id, "line": self.line, "error": str(self)}


def _scrub(value: Any) -> Any:
    """Replace lone UTF-16 surrogates (valid JSON, invalid text) with U+FFFD."""
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value)
    if isinstance(value, dict):
        return {key: _scrub(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_scrub(item) for item in value]
    return value


#: Deeper than any message object needs; deeper input is that line's error, not a crash.
MAX_NESTING = 32


def _depth_exceeds(value: Any, limit: int) -> bool:
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return True
        if isinstance(item, dict):
            stack.extend((child, depth + 1) for child in item.values())
        elif isinstance(item, list):
            stack.extend((child, depth + 1) for child in item)
    return False


def _decoded(raw: str, line: int) -> tuple[dict[str, Any], Any]:
    """The line's JSON object (lone surrogates replaced) and its ``id`` as written, or the
    error naming the line."""
    problem = not_utf8(raw, line)
    if problem is not None:
        raise LineError(line, problem, _written_id(raw))
    try:
        data = _DECODER.decode(raw)
    except json.JSONDecodeError as error:
        if raw.startswith("\ufeff"):  # the start of a file, cat after another one
            return _decoded(raw[1:], line)
        if starts_plain(raw):
            raise LineError(line, f'line {line}: not JSON: the line does not start with '
                                  f'"{{"') from None
        # past the end of the line, the error is at its end, not on a next line after \n
        column = min(error.pos, len(raw.rstrip("\r\n"))) + 1
        problem = error.msg.removesuffix(" at")  # json's own messages may end in "at"
        raise LineError(line, f"line {line}: not valid JSON ({problem} at column "
                              f"{column})") from None
    except RecursionError:
        raise LineError(line, f"line {line}: JSON nested too deeply to read") from None
    # A value is nested at most one level deeper than the line has opening brackets
    # (brackets inside strings only make that count larger): most lines need no walk.
    if raw.count("{") + raw.count("[") >= MAX_NESTING and _depth_exceeds(data, MAX_NESTING):
        raise LineError(line, f"line {line}: JSON nested deeper than {MAX_NESTING} levels")
    if not isinstance(data, dict):
        raise LineError(line, f"line {line}: expected a JSON object, got "
                              f"{JSON_NAMES.get(type(data), 'a value')}")
    message_id = data.get("id")
    # A decoded string holds a surrogate only if the line did, or spelled one as \u.
    if "\\u" in raw or _SURROGATE.search(raw):
        data = _scrub(data)
    return data, message_id


def _validated(data: dict[str, Any], message_id: Any, line: int) -> MessageIn:
    from pydantic import ValidationError

    from dmguard.audit.jsonl_models import MessageIn

    try:
        return MessageIn.model_validate(data)
    except ValidationError as error:
        raise LineError(line, f"line {line}: {validation_problem(error)}",
                        id_text(message_id)) from None


def validation_problem(error: ValidationError) -> str:
    """The first thing wrong with a message, as ``field: what is wrong``."""
    first = error.errors(include_url=False)[0]
    loc = first["loc"]
    if loc[:1] == ("id",):
        return "id: must be a string or an integer"
    where = ".".join(str(part) for part in loc) or "(object)"
    if first["type"] == "literal_error":
        return f"{where}: must be {first['ctx']['expected']}"
    return f"{where}: {_PROBLEMS.get(first['type'], first['msg'])}"


_PROBLEMS = {
    "missing": "required field is missing",
    "string_too_long": f"text is longer than {MAX_TEXT} characters",
    "string_type": "must be a string",
    "int_type": "must be an integer",
    "bool_type": "must be true or false",
    "model_type": "must be an object",
    "greater_than_equal": "must be 0 or more",
}
"""Pydantic's error types in the words of the JSON a caller wrote (pydantic's own messages name
Python types and its model classes)."""


def parse_line(raw: str, line: int) -> MessageIn:
    return _validated(*_decoded(raw, line), line=line)


def read_input(raw: str, line: int) -> AuditInput:
    """What ``to_input(parse_line(raw, line))`` returns, or the same error.

    A line whose fields all plainly fit the contract (:func:`_plain_input`) becomes an
    :class:`AuditInput` at once; any other line goes through the pydantic models, which
    accept it the same way or name what is wrong. Most lines never need pydantic, so
    ``dmguard audit`` neither imports it nor validates each line twice over."""
    data, message_id = _decoded(raw, line)
    item = _plain_input(data)
    return item if item is not None else to_input(_validated(data, message_id, line))


def read_text_line(raw: str, line: int) -> AuditInput:
    """A line of plain text (``dmguard audit --input text``) as the message it is (its id
    ``line N``, so that a result names its line: blank lines are skipped), or the error
    naming the line."""
    problem = not_utf8(raw, line)
    if problem is not None:
        raise LineError(line, problem)
    text = raw.rstrip("\r\n")
    if len(text) > MAX_TEXT:
        raise LineError(line, f"line {line}: text is longer than {MAX_TEXT} characters")
    return AuditInput(text, f"line {line}")


_RECIPIENT_FIELDS = ("id", "username", "name", "bio", "location", "lang", "last_message")
_INT_LIMIT = 2**63
"""Integer ids beyond a 64-bit range are left to pydantic (its integers are 64-bit in
places); smaller ones are read here."""


def _plain_input(data: dict[str, Any]) -> AuditInput | None:
    """The message, when every field the contract reads has exactly a type the strict
    models accept (``type(x) is str``: no bool passes for an int); None when any field
    needs the models to decide (they then accept it the same way, or name the error)."""
    text = data.get("text")
    if type(text) is not str or len(text) > MAX_TEXT:
        return None
    message_id = data.get("id")
    if message_id is not None:
        if type(message_id) is int and -_INT_LIMIT < message_id < _INT_LIMIT:
            message_id = str(message_id)
        elif type(message_id) is not str:
            return None
    platform = data.get("platform")
    if platform is not None and type(platform) is not str:
        return None
    recipient = data.get("recipient")
    if recipient is not None:
        if type(recipient) is not dict:
            return None
        values = [recipient.get(name) for name in _RECIPIENT_FIELDS]
        if not all(value is None or type(value) is str for value in values):
            return None
        recipient = Recipient(*values)
    context = data.get("context")
    if context is not None:
        if type(context) is not dict:
            return None
        kind = context.get("kind")
        first = context.get("user_dmed_first")
        step = context.get("step")
        if ((kind is not None and kind not in CONTEXT_KINDS)
                or (first is not None and type(first) is not bool)
                or (step is not None and (type(step) is not int or not 0 <= step < _INT_LIMIT))):
            return None
        context = Context(kind, first, step)
    return AuditInput(text, message_id, platform, recipient, context)


def to_input(message: MessageIn) -> AuditInput:
    recipient = Recipient(**message.recipient.model_dump()) if message.recipient else None
    context = Context(**message.context.model_dump()) if message.context else None
    message_id = None if message.id is None else str(message.id)
    return AuditInput(message.text, message_id, message.platform, recipient, context)


_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": "))
"""What ``json.dumps(obj, ensure_ascii=False, separators=(", ", ": "))`` builds on every
call, built once: ``dmguard audit`` writes a line per message."""


def dumps(obj: dict[str, Any]) -> str:
    return _ENCODER.encode(obj)
