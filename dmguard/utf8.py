"""Text that came in as bytes (a file, a pipe, a command line) and what of it was not UTF-8.

Python keeps a byte that is not UTF-8 as a lone surrogate, U+DC80..U+DCFF
(``surrogateescape``: how it decodes command lines, and how :func:`dmguard.audit.jsonl.open_lines`
reads input), which nothing can store or send as UTF-8. :func:`bad_bytes` names such bytes
and where they are, for a one-line error.
"""

from __future__ import annotations

import re

_ESCAPED_BYTES = re.compile("[\udc80-\udcff]+")
_SHOWN_RUNS = 3


def bad_bytes(text: str) -> str | None:
    """The bytes of ``text`` that were not UTF-8 and their columns (from 1), e.g. "byte 0xE9
    at column 23" (at most three runs, then how many more); None when there are none."""
    if text.isascii():
        return None
    runs = list(_ESCAPED_BYTES.finditer(text))
    if not runs:
        return None
    shown = []
    for run in runs[:_SHOWN_RUNS]:
        codes = " ".join(f"0x{ord(char) - 0xDC00:02X}" for char in run.group())
        noun = "byte" if len(run.group()) == 1 else "bytes"
        shown.append(f"{noun} {codes} at column {run.start() + 1}")
    more = f" and {len(runs) - _SHOWN_RUNS} more" if len(runs) > _SHOWN_RUNS else ""
    return ", ".join(shown) + more


_UNSENDABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffd]")
"""Control characters (but tab, newline and carriage return) and U+FFFD, the mark of a
character lost before the text came here."""


def unsendable(text: str) -> str | None:
    """What in ``text`` a DM should not carry, and its column (from 1): a control character
    or U+FFFD (how :mod:`dmguard.audit.jsonl` reads a lone UTF-16 surrogate such as
    ``\\ud800``, which JSON allows and text cannot hold); None when there is nothing."""
    found = _UNSENDABLE.search(text)
    if found is None:
        return None
    char = found.group()
    what = ("U+FFFD, a character that could not be read (a lone UTF-16 surrogate such as "
            "\\ud800, or text broken before it came here)" if char == "\ufffd"
            else f"the control character U+{ord(char):04X}")
    return f"text holds {what} at column {found.start() + 1}; a DM cannot carry it"
