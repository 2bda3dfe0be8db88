"""The recipient's name as the judge reads it, however the message writes it.

The judge knows a name by its capital ("Welcome Sam, …", "it's just Sam"), and it was
fitted on messages whose templates put a capitalised first name in the slot. Real
templates fill the slot with whatever the platform holds: an ``@handle``, a username, a
display name typed in lower case or in capitals. "welcome @sam_k, …" would then read as a
mention of some account, and "welcome sam, …" as no name at all: the same form letter,
judged as something else. When the recipient is known, :func:`as_addressed` writes each of
those as the first name, capitalised, before the judge reads the message, so a template is
judged the same whatever fills its slot (and a person's reply the same as if they had
typed the capital).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple

from dmguard.audit.model import Recipient
from dmguard.audit.text import WORD, Prepared, everyday_word

TITLES = frozenset({"mr", "mrs", "ms", "mx", "dr", "prof", "sir", "miss", "madam"})
"""Words before a name that are not one ("Dr. Sam Okafor" is Sam)."""


def first_name(recipient: Recipient) -> str | None:
    """The name the judge should see in the slot: the display name's first word (after any
    title), else the username's leading letters, capitalised (None when neither has two)."""
    return _first_name(recipient.name, recipient.username)


def _first_name(name: str | None, username: str | None) -> str | None:
    """:func:`first_name` of a recipient of that name and username."""
    for source in (name, username):
        words = [word for word in WORD.findall(source or "") if word.lower() not in TITLES]
        if words and len(words[0]) >= 2:
            return words[0][:1].upper() + words[0][1:].lower()
    return None


def as_addressed(text: str, recipient: Recipient | None, lower: str | None = None) -> str | None:
    """``text`` with the recipient's ``@handle``, their username and their first name in
    any case written as their capitalised first name; None when nothing changed (or the
    recipient is unknown). ``lower``: ``text.lower()``, when the caller has it.

    A username or name that is an everyday word ("hope", "will") is only replaced after an
    ``@``: bare, it may be the word."""
    if recipient is None:
        return None
    addressing = _addressing(recipient.name or "", (recipient.username or "").lstrip("@"))
    if addressing is None:
        return None
    name, handle, spelt = addressing
    lower = text.lower() if lower is None else lower
    if (not handle or handle not in lower) and lower.count(name.lower()) == text.count(name):
        return None  # the name written as the name, if at all: the common case, and quick
    changed = False

    def written_as_name(match: re.Match[str]) -> str:
        nonlocal changed
        changed = changed or match.group(0) != name
        return name

    result = spelt.pattern.sub(written_as_name, text)
    return result if changed else None


class Spellings(NamedTuple):
    """How a message may write its recipient."""

    spelt: tuple[str, ...]
    """Each of them as written (``@username``, username, name)."""
    lowered: tuple[str, ...]
    """Each of them in lower case."""

    @property
    def pattern(self) -> re.Pattern[str]:
        """Any of them, as a whole word, in any case. Compiled only when asked for (every
        recipient has their own, and most messages never need it: see :meth:`spans`)."""
        return _pattern(self.spelt)

    def spans(self, text: Prepared) -> list[tuple[int, int]]:
        """Where ``text`` writes the recipient, in order. Case-exact text (lower-casing keeps
        its offsets) is searched for the lower-case spellings as plain strings, which is
        several times quicker than the case-blind regex; other text by the regex."""
        if not text.case_exact:
            return [match.span() for match in self.pattern.finditer(text.text)]
        lower = text.lower
        found = []
        for spelling in self.lowered:
            at = lower.find(spelling)
            while at >= 0:
                end = at + len(spelling)
                before, after = lower[at - 1:at], lower[end:end + 1]
                if not (before.isalnum() or before in _BEFORE_MARKS) and \
                        not (after.isalnum() or after in _AFTER_MARKS):
                    found.append((at, end))
                at = lower.find(spelling, at + 1)
        return sorted(found)


_BEFORE_MARKS = frozenset("_@/.")
_AFTER_MARKS = frozenset("_@")
"""Besides letters and digits (``\\w`` is those and ``_``), what may not stand right before or
after a spelling: the look-arounds of the regex."""


def spellings(recipient: Recipient) -> Spellings | None:
    """Every way a message may write ``recipient`` (``@handle``, username, first name in any
    case; the bare ones only when they are not everyday words); None when none is known."""
    addressing = _addressing(recipient.name or "", (recipient.username or "").lstrip("@"))
    return None if addressing is None else addressing[2]


@lru_cache(maxsize=4096)
def _addressing(display_name: str, username: str) -> tuple[str, str, Spellings] | None:
    """The recipient's first name, their username in lower case and :func:`_spellings`;
    None when there is no name or nothing to look for."""
    name = _first_name(display_name, username)
    if name is None:
        return None
    spelt = _spellings(name, username)
    return None if spelt is None else (name, username.lower(), spelt)


def _spellings(name: str, username: str) -> Spellings | None:
    """How the message may write the recipient: ``@username``, the bare username, the name
    in any case (the bare ones only when they are not everyday words)."""
    spelt = []
    if username:
        spelt.append("@" + username)
        if len(username) >= 3 and not everyday_word(username):
            spelt.append(username)
    if not everyday_word(name):
        spelt.append(name)
    if not spelt:
        return None
    return Spellings(tuple(spelt), tuple(dict.fromkeys([spelling.lower() for spelling in spelt])))


@lru_cache(maxsize=1024)
def _pattern(spelt: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile(r"(?<![\w@/.])(?:" + "|".join(map(re.escape, spelt)) + r")(?![\w@])",
                      re.IGNORECASE)
