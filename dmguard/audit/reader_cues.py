"""What a message says of its reader that only someone who knows them could say.

"You mentioned you just moved to Calgary", "saw in your intro that you're a midwife",
"can't believe you actually did it": the sender refers to the reader's own words or
deeds. A template has nothing of the reader to refer to; it can fill in a name, not
what the reader said. Shared by the rules (a welcome that says this is a person's
welcome) and the judge (a shape of its own).
"""

from __future__ import annotations

import re

_APOSTROPHE = r"['’]"
KNOWS_THE_READER = re.compile(
    r"\byou (?:mentioned|said|told (?:me|us)|wrote|posted|asked|shared) (?!us\b|for it\b)"
    r"|\bsaw (?:in )?your (?:intro|introduction)\b|\b(?:in|from) your intro(?:duction)?\b"
    r"|\bcan" + _APOSTROPHE + r"?t believe you\b"
    r"|\byou (?:actually|finally) (?:did|made|moved|got|went|came|passed|finished)\b"
    r"|\blike you (?:said|asked|wanted)\b"
    r"|\bdidn" + _APOSTROPHE + r"?t (?:know|realise|realize) you (?:were|was|are|had|played|did"
    r"|lived|worked)\b"
)
"""Run on the lower-cased text."""
KNOWS_THE_READER_WORDS = frozenset({
    "mentioned", "said", "told", "wrote", "posted", "asked", "shared", "intro",
    "introduction", "believe", "actually", "finally", "know", "realise", "realize"})
"""One of these is in every phrase :data:`KNOWS_THE_READER` finds: without one, the regex
need not run."""


def knows_the_reader(lower: str, words: frozenset[str] | set[str]) -> bool:
    """Does the message (``lower``: its lower-cased text; ``words``: its words) refer to
    the reader's own words or deeds?"""
    return not words.isdisjoint(KNOWS_THE_READER_WORDS) \
        and KNOWS_THE_READER.search(lower) is not None
