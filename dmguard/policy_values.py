"""What a policy pack says, as plain values: the built-in packs without the config schema.

:class:`dmguard.policy.PolicyPack` is the pack as the config file gives it (validated,
by pydantic); the audit only reads its five values. ``dmguard audit`` without a
config file judges by the built-in packs here, so it does not import pydantic at
all; ``PolicyPack`` takes its defaults and the built-in packs from here, so each
value is written once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

WelcomeDM = Literal["task", "wait", "send"]


class Policy(Protocol):
    """What the audit reads of a policy pack (a ``PolicyPack`` or a ``PolicyValues``)."""

    @property
    def automated_requires_user_first(self) -> bool: ...

    @property
    def welcome_dm(self) -> WelcomeDM: ...

    @property
    def require_disclosure(self) -> bool: ...

    @property
    def require_opt_out(self) -> bool: ...

    @property
    def max_length(self) -> int: ...


@dataclass(frozen=True)
class PolicyValues:
    """A pack's values; the defaults are ``PolicyPack``'s (X's rules)."""

    automated_requires_user_first: bool = True
    welcome_dm: WelcomeDM = "task"
    require_disclosure: bool = True
    require_opt_out: bool = True
    max_length: int = 10_000


BUILT_IN_POLICIES: dict[str, PolicyValues] = {
    "x": PolicyValues(),
    "sandbox": PolicyValues(automated_requires_user_first=False, welcome_dm="send"),
}
"""The packs every config has: ``x`` (X's rules) and ``sandbox`` (the demo's emulator)."""
