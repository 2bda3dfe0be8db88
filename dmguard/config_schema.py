"""The building blocks every section of the config is made of: strict models and checked fields.

Kept apart from :mod:`dmguard.config` so the modules that own a section's meaning
(the policy packs in :mod:`dmguard.policy`) can define it without importing the
whole configuration.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from dmguard.clock import parse_duration


class Strict(BaseModel):
    """A config section: unknown keys are errors, values never change after loading, and
    a value must have the type TOML gives for the key (``true`` is not the number 1,
    ``"50"`` is not 50, ``15.0`` is not a count); a whole number where a decimal is
    expected is fine (``daily_budget = 5``)."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


def path_text(value: object, example: str) -> Path:
    """A path as TOML gives it (a string, not empty) made a Path; the config models are
    strict, so the conversion is done here. Paths built in Python pass as they are."""
    if isinstance(value, Path):
        return value
    if not isinstance(value, str):
        raise ValueError(f"must be a path in quotes, e.g. {example!r}")
    if not value.strip():
        raise ValueError(f"is empty; give a path, e.g. {example!r}")
    return Path(value)


def check_duration(value: str) -> str:
    parse_duration(value)
    return value


def check_positive_duration(value: str) -> str:
    """A duration that must not be zero (a target met "at once" is always missed)."""
    if parse_duration(value).total_seconds() <= 0:
        raise ValueError("must be longer than 0, e.g. '4h'")
    return value


def check_slug(value: str) -> str:
    """An account's name: short, used in paths and URLs."""
    if not re.fullmatch(r"[a-z0-9][a-z0-9_-]{0,39}", value):
        raise ValueError("a name is 1-40 lowercase letters, digits, '-' or '_', starting with a "
                         "letter or digit, e.g. 'shop' or 'shop-eu'")
    return value


def check_sequence_name(value: str) -> str:
    if not re.fullmatch(r"[a-z0-9][a-z0-9_-]*", value):
        raise ValueError("a name is lowercase letters, digits, '-' or '_', starting with a "
                         "letter or digit, e.g. 'welcome'")
    return value


def check_clock_time(value: str) -> str:
    if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", value):
        raise ValueError("must be a 24-hour time HH:MM, e.g. '08:00'")
    return value


#: A host name: dot-separated labels of letters, digits and hyphens (RFC 1123).
_HOST_NAME = re.compile(r"(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)"
                        r"(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*\.?", re.IGNORECASE)


def check_bind(value: str) -> str:
    """An address a server can listen on: an IPv4 or IPv6 address, or a host name.

    Checked without a name lookup (``check-config --offline``); a name of digits and
    dots only must be a valid IPv4 address (``999.1.1.1`` is not).
    """
    import ipaddress

    text = value.strip().removeprefix("[").removesuffix("]")
    try:
        ipaddress.ip_address(text)
        return text
    except ValueError:
        pass
    if _HOST_NAME.fullmatch(text) and not re.fullmatch(r"[\d.]+", text):
        return text
    raise ValueError("is not an address to listen on: give an IP address such as 127.0.0.1, "
                     "0.0.0.0 or ::1, or a host name such as localhost")


Duration = Annotated[str, Field(description="a duration like '15m', '4h', '3d'")]
ClockTime = Annotated[str, Field(description="a local time HH:MM")]
