"""The JSONL contract's message, as pydantic models: what a line may hold, and the
error that names what is wrong with one that does not fit.

Apart from :mod:`dmguard.audit.jsonl` so that reading lines imports pydantic only
when a line needs it (see :func:`dmguard.audit.jsonl.read_input`).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt

from dmguard.audit.model import MAX_TEXT


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
    kind: Literal["welcome", "campaign", "reply", "manual", "confirmation"] | None = None
    user_dmed_first: StrictBool | None = None
    step: StrictInt | None = Field(None, ge=0)


class MessageIn(_Loose):
    id: str | int | None = None
    text: str = Field(max_length=MAX_TEXT)
    platform: str | None = None
    recipient: RecipientIn | None = None
    context: ContextIn | None = None
