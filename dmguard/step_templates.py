"""Message templates: Jinja2 in a sandbox, filled from a recipient's profile.

Profile values are data. They are passed as variables and never parsed as
template code, so a display name like ``{{ 7*7 }}`` arrives in the DM as those
characters. Undefined names are errors at load time, not blanks at send time.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from jinja2 import StrictUndefined, TemplateSyntaxError, meta
from jinja2.sandbox import ImmutableSandboxedEnvironment

PROFILE_FIELDS = frozenset(
    {
        "name",
        "first_name",
        "last_name",
        "username",
        "bio",
        "location",
        "lang",
        "followers_count",
        "verified",
        "account",
    }
)


class TemplateProblem(Exception):
    def __init__(self, message: str, line: int = 1) -> None:
        super().__init__(message)
        self.line = line


@lru_cache(maxsize=1)
def _environment() -> ImmutableSandboxedEnvironment:
    return ImmutableSandboxedEnvironment(
        undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False
    )


def check_template(source: str) -> None:
    """Raise TemplateProblem (with a line number) if the template cannot be used."""
    env = _environment()
    try:
        parsed = env.parse(source)
        # Compiling finds what parsing does not: unknown filters and tests.
        declared = meta.find_undeclared_variables(parsed)
    except TemplateSyntaxError as error:
        raise TemplateProblem(error.message or "syntax error", error.lineno) from None
    unknown = sorted(declared - PROFILE_FIELDS)
    if unknown:
        line = next(
            (n for n, text in enumerate(source.splitlines(), 1) if unknown[0] in text), 1
        )
        raise TemplateProblem(
            f"unknown field {unknown[0]!r} (known: {', '.join(sorted(PROFILE_FIELDS))})", line
        )


@lru_cache(maxsize=256)
def _compiled(source: str) -> Any:
    return _environment().from_string(source)


def render(source: str, profile: dict[str, Any]) -> str:
    values = {field: profile.get(field) or "" for field in PROFILE_FIELDS}
    full_name = str(profile.get("name") or "").strip()
    parts = full_name.split()
    values.setdefault("first_name", "")
    if not values["first_name"]:
        values["first_name"] = parts[0] if parts else ""
    if not values["last_name"]:
        values["last_name"] = parts[-1] if len(parts) > 1 else ""
    return _compiled(source).render(**values).strip()
