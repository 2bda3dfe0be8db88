"""What a message says of its reader that only someone who knows them could say.

"You mentioned you just moved to Calgary", "saw in your intro that you're a midwife",
"can't believe you actually did it": the sender refers to the reader's own words or
deeds, or to what the two share ("great meeting you at the repair café", "Ben's been
talking about you", "glad it worked out"). So does a member who introduces a newcomer by
how they know them ("this is Priya from my lab", "it's my sister Hana"). A template has
nothing of the reader to refer to; it can fill in a name, not what the reader said or who
they are to the sender. Shared by
the rules (a welcome that says this is a person's welcome) and the judge (a shape of its
own).
"""

from __future__ import annotations

import re

_APOSTROPHE = r"['’]"
_RELATIONS = ("sister", "brother", "cousin", "friend", "mate", "colleague", "coworker",
              "co-worker", "neighbour", "neighbor", "flatmate", "roommate", "partner", "wife",
              "husband", "boyfriend", "girlfriend", "son", "daughter", "mum", "mom", "dad",
              "aunt", "uncle", "boss", "teacher", "coach")
_PLACES_ONE_SHARES = ("lab", "work", "office", "class", "team", "gym", "school", "uni", "church",
                      "choir", "job", "building")
KNOWS_THE_READER = re.compile(
    r"\byou (?:mentioned|said|told (?:me|us)|wrote|posted|asked|shared) (?!us\b|for it\b)"
    r"|\bsaw (?:in )?your (?:intro|introduction)\b|\b(?:in|from) your intro(?:duction)?\b"
    r"|\bcan" + _APOSTROPHE + r"?t believe you\b"
    r"|\byou (?:actually|finally) (?:did|made|moved|got|went|came|passed|finished)\b"
    r"|\blike you (?:said|asked|wanted)\b"
    r"|\bdidn" + _APOSTROPHE + r"?t (?:know|realise|realize) you (?:were|was|are|had|played|did"
    r"|lived|worked)\b"
    r"|\b(?:this is|it" + _APOSTROPHE + r"?s|meet|that" + _APOSTROPHE + r"?s|welcome|say (?:hi|hello)"
    r" to) (?:my|our) (?:(?:little"
    r"|big|older|younger|new) )?(?:" + "|".join(_RELATIONS) + r"|\w+ teacher)\b"
    r"|\bfrom (?:my|our) (?:" + "|".join(_PLACES_ONE_SHARES) + r")\b"
    # "my cousin", "my sister" in other languages
    r"|\b(?:mi|minha|meu|ma|mon|meine|mein|mia|mio) (?:prim[ao]|herman[ao]|vecin[ao]|irmã|irmão"
    r"|cousine?|sœur|frère|schwester|bruder|cousine|cousin|cugin[ao]|sorella|fratello)\b"
    # a meeting or a history the two share
    r"|\b(?:great|nice|lovely|good) (?:meeting|to meet|seeing|chatting with|talking (?:to|with))"
    r" you (?:at|on|in|yesterday|last|the other|earlier)\b"
    r"|(?:has|have|['’]s|['’]ve) been (?:talking|telling (?:me|us)|raving) about you\b"
    r"|\bi know you(?:['’]ve| have) been\b"
    r"|\bglad (?:it|everything|things|it all) (?:worked out|went well)\b"
)
"""Run on the lower-cased text."""
KNOWS_THE_READER_WORDS = frozenset({
    "mentioned", "said", "told", "wrote", "posted", "asked", "shared", "intro",
    "introduction", "believe", "actually", "finally", "know", "realise", "realize",
    "meeting", "meet", "seeing", "chatting", "talking", "telling", "raving", "glad", "welcome",
    "hi", "hello", "prima", "primo", "hermana", "hermano", "vecina", "vecino", "irmã", "irmão",
    "cousin", "cousine", "sœur", "frère", "schwester", "bruder", "cugina", "cugino", "sorella",
    "fratello",
    *_RELATIONS, "teacher", *_PLACES_ONE_SHARES})
"""One of these is in every phrase :data:`KNOWS_THE_READER` finds: without one, the regex
need not run."""


def knows_the_reader(lower: str, words: frozenset[str] | set[str]) -> bool:
    """Does the message (``lower``: its lower-cased text; ``words``: its words) refer to
    the reader's own words or deeds?"""
    return not words.isdisjoint(KNOWS_THE_READER_WORDS) \
        and KNOWS_THE_READER.search(lower) is not None
