"""Message templates: Jinja2 in a sandbox, filled from a recipient's profile.

Profile values are data. They are passed as variables and never parsed as
template code, so a display name like ``{{ 7*7 }}`` arrives in the DM as those
characters. Undefined names are errors at load time, not blanks at send time.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from jinja2 import StrictUndefined, TemplateSyntaxError, meta, nodes
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
    _refuse_unsafe(parsed)
    unknown = sorted(declared - PROFILE_FIELDS)
    if unknown:
        line = next(
            (n for n, text in enumerate(source.splitlines(), 1) if unknown[0] in text), 1
        )
        raise TemplateProblem(
            f"unknown field {unknown[0]!r} (known: {', '.join(sorted(PROFILE_FIELDS))})", line
        )


#: Largest number a template may use: enough for any count in a sentence, far too small
#: to repeat a name into gigabytes ("{{ name * 300000000 }}" or a filter's width).
MAX_NUMBER = 1000


def _refuse_unsafe(parsed: nodes.Template) -> None:
    """Refuse at load what the sandbox would refuse at send time, or what could explode.

    A step template is a sentence with a few fields, so anything reaching for
    Python's internals (``''.__class__``), loops, and repetition by a variable or a
    large number are config errors, named with their line, not a failure (or an
    out-of-memory) at three in the morning.
    """
    for node in parsed.find_all((nodes.Getattr, nodes.Getitem)):
        name = node.attr if isinstance(node, nodes.Getattr) else getattr(node.arg, "value", None)
        if isinstance(name, str) and name.startswith("_"):
            raise TemplateProblem(f"{name!r} reaches into Python's internals; the sandbox "
                                  "refuses it", node.lineno)
    for node in parsed.find_all((nodes.For, nodes.Macro, nodes.CallBlock)):
        raise TemplateProblem("loops and macros are not allowed in a DM template",
                              node.lineno)
    for node in parsed.find_all((nodes.Mul, nodes.Pow, nodes.Const)):
        if isinstance(node, nodes.Const):
            if isinstance(node.value, int | float) and abs(node.value) > MAX_NUMBER:
                raise TemplateProblem(f"the number {node.value} is larger than a DM template "
                                      f"needs (at most {MAX_NUMBER})", node.lineno)
        elif not (isinstance(node.left, nodes.Const) and isinstance(node.right, nodes.Const)):
            raise TemplateProblem("repeating text with '*' or '**' could make a DM of any "
                                  "size; write the text out", node.lineno)


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
