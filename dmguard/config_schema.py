"""The building blocks every section of the config is made of: strict models and checked fields.

Kept apart from :mod:`dmguard.config` so the modules that own a section's meaning
(the policy packs in :mod:`dmguard.policy`) can define it without importing the
whole configuration.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from dmguard.clock import parse_duration


class Strict(BaseModel):
    """A config section: unknown keys are errors, values never change after loading."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def check_duration(value: str) -> str:
    parse_duration(value)
    return value


def check_clock_time(value: str) -> str:
    if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", value):
        raise ValueError("must be a 24-hour time HH:MM, e.g. '08:00'")
    return value


Duration = Annotated[str, Field(description="a duration like '15m', '4h', '3d'")]
ClockTime = Annotated[str, Field(description="a local time HH:MM")]
