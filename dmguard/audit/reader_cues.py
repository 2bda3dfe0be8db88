"""What a message says of its reader that only someone who knows them could say.

"You mentioned you just moved to Calgary", "saw in your intro that you're a midwife",
"can't believe you actually did it": the sender refers to the reader's own words or
deeds, or to what the two share ("great meeting you at the repair café", "Ben's been
talking about you", "glad it worked out"). So does a member who introduces a newcomer by
how they know them ("this is Priya from my lab", "it's my sister Hana"). A template has
nothing of the reader to refer to; it can fill in a name, not what the reader said or who
they are to the sender. Shared by the rules (a welcome that says this is a person's
welcome) and the judge (a shape of its own).

Two more cues tell a person's welcome from a bot's, for the welcome rule alone: the
newcomer introduced to the others as he or she, or a neighbour's door number
(:data:`KNOWN_NEWCOMER`), and arrangements only someone in the reader's new place could
make (:func:`particular_welcome`).
"""

from __future__ import annotations

import re

from dmguard.audit.text import everyday_word

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
    r"|\b(?:i )?told (?:you|u) (?:this|it|so|that|about)\b"
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
    "meeting", "meet", "seeing", "chatting", "talking", "telling", "raving", "worked", "went",
    "prima", "primo", "hermana", "hermano", "vecina", "vecino", "irmã", "irmão",
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


KNOWN_NEWCOMER = re.compile(
    r"\b(?:he|she)(?:['’]s| is| was| has| just)\b"
    r"|\b(?:i['’]?m|i am|we['’]?re|we are|sou|soy)\s+(?:(?:the |a |o )?[\w'’-]+\s+)?(?:at|do|da"
    r"|from)\s+(?:number |no\.? ?|nº ?|#)?\d+\b"
    r"|\b(?:i['’]?m|i am|we['’]?re|we are)\s+(?:the ones? )?(?:next door|across the (?:road|street"
    r"|hall|landing)|upstairs|downstairs)\b",
    re.IGNORECASE)
"""A welcome that tells the others who the newcomer is to the writer ("he's our new keeper
from the Rovers": a bot knows no one's pronouns), or a neighbour's that says which door is
theirs ("I'm Bev at number 9")."""

_ARRANGED_TIME = re.compile(
    r"\b\d{1,2}(?::\d{2})?\s?(?:am|pm)\b|\b\d{1,2}[:.]\d{2}\b|\bat \d{1,2}\b"
    r"|\b\d{1,2}(?:st|nd|rd|th)\b|\b(?:mon|tues|wednes|thurs|fri|satur|sun)days?\b"
    r"|\btomorrow\b|\btonight\b"
    # the same in Spanish, Portuguese, French, German, Italian, Turkish
    r"|\b\d{1,2}\s?h(?:\d{2})?\b|\b(?:a las|às|as|um|alle|ore) \d{1,2}\b|\b\d{1,2}['’](?:d|t)[ae]\b"
    r"|\b(?:lunes|martes|miércoles|jueves|viernes|sábados?|domingos?|segundas?|terças?|quartas?"
    r"|quintas?|sextas?|lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|montags?|dienstags?"
    r"|mittwochs?|donnerstags?|freitags?|samstags?|sonntags?|lunedì|martedì|mercoledì|giovedì"
    r"|venerdì|sabato|domenica|pazartesi|salı|çarşamba|perşembe|cumartesi|mañana|amanhã|demain"
    r"|morgen|domani|yarın)\b", re.IGNORECASE)
_NUMBERED_PLACE = re.compile(
    r"\b(?:number|no\.?|desk|room|plot|flat|apt|table|bench|locker|shelf|seat|platform|gate"
    r"|tram|bus|route|bay|unit)\s?#?\d+\w?\b", re.IGNORECASE)
_SENDER_COMMITS = re.compile(
    r"\bi['’]?(?:ll| will)\b|\bi['’]?m \w+,? (?:your|the)\b|\bon me\b"
    r"|\bi(?:['’]ve)? (?:added|put|left|saved|booked|set up|made|got|told)\b"
    r"|\b(?:soy|sou|je suis|ich bin|sono|ben) \w+,? (?:tu|teu|tua|ton|ta|dein|deine|il tuo|la tua"
    r"|senin)\b", re.IGNORECASE)
_CAPITALISED = re.compile(r"(?<=\s)[A-ZÀ-Þ][a-zß-ÿ]+")
_NOT_SOMEONE = frozenset({
    "I", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday",
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December", "Welcome", "Hi", "Hey", "Dr", "Mr", "Mrs", "Ms"})
_LIKE_A_BOT = re.compile(r"https?://|www\.|(?<!\w)#\w|\bmembers?\b|\brules\b|\broles?\b"
                         r"|\bverif(?:y|ied|ication)\b|\bnotifications?\b", re.IGNORECASE)


def particular_welcome(text: str) -> bool:
    """Does a welcome carry what only someone in the reader's new place could write: two of
    an arranged time ("7am Saturdays", "the 14th"), a numbered place ("desk 4", "number
    12"), the sender's own commitment ("I'll send you the minutes", "lunch is on me"), and
    someone else by name after the first sentence ("Mary has the folder"; a capitalised
    everyday word such as "This" or "Grab" is no one)? No link, channel, member count,
    rules or roles: a server bot's welcome has those."""
    if _LIKE_A_BOT.search(text):
        return False
    signs = bool(_ARRANGED_TIME.search(text)) + bool(_NUMBERED_PLACE.search(text)) \
        + bool(_SENDER_COMMITS.search(text))
    if signs >= 2:
        return True
    first = re.search(r"[.!?]\s", text)
    if first is None or signs == 0:
        return False
    welcomed = set(_CAPITALISED.findall(" " + text[:first.end()]))
    return any(name not in _NOT_SOMEONE and name not in welcomed and not everyday_word(name)
               for name in _CAPITALISED.findall(text, first.end() - 1))
