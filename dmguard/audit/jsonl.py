"""The ``dmguard audit`` JSON Lines contract: parse input lines, name what is wrong.

Unknown fields are ignored, so callers can send more than dmguard reads; every
field but ``text`` is optional.
"""

from __future__ import annotations

import json
import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, ValidationError

from dmguard.audit.model import AuditInput, Context, Recipient

MAX_TEXT = 100_000
_SURROGATE = re.compile("[\ud800-\udfff]")


class _Loose(BaseModel):
    model_config = ConfigDict(extra="ignore", strict=True)


class RecipientIn(_Loose):
    id: str | None = None
    username: str | None = None
    name: str | None = None
    bio: str | None = None
    location: str | None = None
    lang: str | None = None
    last_message: str | None = None


class ContextIn(_Loose):
    kind: str | None = None
    user_dmed_first: StrictBool | None = None
    step: StrictInt | None = Field(None, ge=0)


class MessageIn(_Loose):
    id: str | int | None = None
    text: str = Field(max_length=MAX_TEXT)
    platform: str | None = None
    recipient: RecipientIn | None = None
    context: ContextIn | None = None


class LineError(Exception):
    def __init__(self, line: int, message: str, message_id: Any = None) -> None:
        super().__init__(message)
        self.line = line
        self.message_id = message_id

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


def parse_line(raw: str, line: int) -> MessageIn:
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as error:
        raise LineError(line, f"line {line}: not valid JSON ({error.msg} at column "
                              f"{error.colno})") from None
    except RecursionError:
        raise LineError(line, f"line {line}: JSON nested too deeply to read") from None
    # A value is nested at most one level deeper than the line has opening brackets
    # (brackets inside strings only make that count larger): most lines need no walk.
    if raw.count("{") + raw.count("[") >= MAX_NESTING and _depth_exceeds(data, MAX_NESTING):
        raise LineError(line, f"line {line}: JSON nested deeper than {MAX_NESTING} levels")
    if not isinstance(data, dict):
        raise LineError(line, f"line {line}: expected a JSON object, got {type(data).__name__}")
    message_id = data.get("id")
    # A decoded string holds a surrogate only if the line did, or spelled one as \u.
    if "\\u" in raw or _SURROGATE.search(raw):
        data = _scrub(data)
    try:
        return MessageIn.model_validate(data)
    except ValidationError as error:
        first = error.errors(include_url=False)[0]
        where = ".".join(str(part) for part in first["loc"]) or "(object)"
        problem = first["msg"]
        if first["type"] == "missing":
            problem = "required field is missing"
        elif first["type"] == "string_too_long":
            problem = f"text is longer than {MAX_TEXT} characters"
        raise LineError(line, f"line {line}: {where}: {problem}",
                        message_id if isinstance(message_id, str | int) else None) from None


def to_input(message: MessageIn) -> AuditInput:
    recipient = Recipient(**message.recipient.model_dump()) if message.recipient else None
    context = Context(**message.context.model_dump()) if message.context else None
    message_id = None if message.id is None else str(message.id)
    return AuditInput(message.text, message_id, message.platform, recipient, context)


def dumps(obj: dict[str, Any]) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(", ", ": "))
