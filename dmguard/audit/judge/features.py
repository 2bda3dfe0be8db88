"""What the judge reads in a message: words, word pairs, pieces of words, and shape.

The same function serves fitting and judging, so the model sees at run time
exactly what it was fitted on. Every feature is a short string with a prefix:

- ``w:`` a word (lower case; links, @handles, numbers and emoji become ``<url>``,
  ``<at>``, ``<num>``, ``<emoji>`` so that no particular link or handle is learned),
- ``b:`` two neighbouring words,
- ``c:`` a four-letter piece of a word (with ``^``/``$`` at its ends), which lets
  "subscribe", "subscribers" and "subcribe" share weight,
- ``s:`` a shape of the message: the idea of a form letter rather than its wording
  (a greeting, a self-introduction, a call to action, a generic second-person
  opening, a template hole, links, shouting, no question and no concrete referent).

Only presence counts (a feature is there or not), as in SpamAssassin's Bayes
tokens.
"""

from __future__ import annotations

import re
from functools import lru_cache

TOKEN = re.compile(
    r"(?P<url>(?:https?://|www\.)\S+|\b[a-z0-9-]+\.(?:com|co|io|net|org|ml|tv|me|ly|app|shop|store"
    r"|info|biz)(?:/\S*)?\b)"
    r"|(?P<at>@\w+)"
    r"|(?P<longnum>\d{5,})"
    r"|(?P<num>\d+(?:[.,:]\d+)*)"
    r"|(?P<emoji>[\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff])"
    r"|(?P<word>[^\W\d_]+(?:['’][^\W\d_]+)*)",
    re.UNICODE,
)

GREETING = re.compile(
    r"^\W*(?:hi|hey|hello|dear|hiya|heya|greetings|good (?:morning|afternoon|evening)|welcome)\b")
WELCOME = re.compile(
    r"\bwelcome\b|\bthanks? (?:you )?(?:so much |a lot )?for (?:the )?(?:follow|connect|join|subscrib)"
    r"|\b(?:has|have|just) (?:joined|arrived|landed|entered|appeared|shown up)\b|\bjoined (?:the|our|us)\b"
)
SELF_INTRO = re.compile(
    r"\b(?:my name is|i am an?|i'm an?|we are an?|we're an?|i'm the|i am the|this is \w+ from"
    r"|at \w+(?: \w+)?,? we|our (?:company|team|agency|channel|page|store|shop|brand|app|service"
    r"|community|platform|product|website|site))\b"
)
CTA = re.compile(
    r"\b(?:check (?:out|it out|us out|me out)|visit|click|tap|subscribe|sub to|follow (?:me|us|back)"
    r"|join (?:us|our|my|now|today)|sign up|signup|register|download|buy|order now|shop now|call now"
    r"|text \w+ to|reply (?:with|yes|stop|now)|dm (?:me|us)|message (?:me|us)|grab|claim|get your"
    r"|don'?t miss|hurry|limited time|act now|apply now|book (?:a|your|now)|learn more|find out more"
    r"|let'?s connect|hit me up|link in (?:my )?bio|use (?:my |the )?code)\b"
)
GENERIC_YOU = re.compile(
    r"^\W*(?:(?:hi|hey|hello)\W+)?(?:are you|do you|did you know|have you (?:ever|heard)|if you(?:'re| are)?"
    r"|looking for|want to|wanna|need (?:a|more|help)|you (?:have been|are|deserve|can|could|will))\b"
)
HOLE = re.compile(
    r"_{3,}|\bx{4,}\b|\((?:user ?name|name|first ?name|his\w*|her\w*|your \w+|website|link|url)\)"
    r"|\*(?:link|url|name)\*|\[(?:link|url|client|name|company)\]|##"
)
TIME_REF = re.compile(
    r"\b(?:today|tonight|tomorrow|yesterday|last (?:night|week|time)|this (?:morning|afternoon|evening)"
    r"|monday|tuesday|wednesday|thursday|friday|saturday|sunday|o'?clock|am|pm)\b"
)
MONEY = re.compile(r"[$£€]|\d ?%|\b(?:free|prize|cash|win|winner|reward|discount|offer|deal|bonus)\b")
FIRST_SINGULAR = re.compile(r"\b(?:i|i'm|i've|i'd|i'll|me|my|mine)\b")
WE = re.compile(r"\b(?:we|we're|we've|we'll|our|us)\b")
YOU = re.compile(r"\b(?:you|your|you're|yours|u|ur)\b")


def _tokens(lower: str) -> list[str]:
    out = []
    for match in TOKEN.finditer(lower):
        kind = match.lastgroup
        out.append(match.group() if kind == "word" else f"<{kind}>")
    return out


def shape(text: str, lower: str, tokens: list[str]) -> list[str]:
    """The ``s:`` features: what kind of message this is, whatever its words."""
    found: list[str] = []
    add = found.append
    length = len(text)
    add("s:len<20" if length < 20 else "s:len<60" if length < 60 else "s:len<160" if length < 160
        else "s:len<400" if length < 400 else "s:len>=400")
    greet = GREETING.match(lower) is not None
    welcome = WELCOME.search(lower) is not None
    intro = SELF_INTRO.search(lower) is not None
    cta = CTA.search(lower) is not None
    question = "?" in text
    links = tokens.count("<url>")
    if greet:
        add("s:greeting")
    if welcome:
        add("s:welcome")
    if intro:
        add("s:self-intro")
    if cta:
        add("s:call-to-action")
    if question:
        add("s:question")
    if links:
        add("s:link" if links == 1 else "s:links")
    if greet and cta:
        add("s:greeting+cta")
    if (greet or welcome) and intro:
        add("s:greeting+intro")
    if intro and cta:
        add("s:intro+cta")
    if greet and intro and cta:
        add("s:greeting+intro+cta")
    if GENERIC_YOU.search(lower):
        add("s:generic-you-opening")
    if HOLE.search(lower):
        add("s:template-hole")
    time_ref = TIME_REF.search(lower) is not None
    if time_ref:
        add("s:time-referent")
    if not question and not time_ref:
        add("s:no-referent")
        if cta:
            add("s:no-referent+cta")
    if MONEY.search(lower):
        add("s:money")
    if text.count("!") >= 2:
        add("s:exclaims")
    if length >= 12 and text != lower:
        upper = sum(map(str.isupper, text))
        if upper >= 12 and upper > sum(map(str.islower, text)):
            add("s:shouting")
    emoji = tokens.count("<emoji>")
    if emoji:
        add("s:emoji" if emoji < 3 else "s:emoji3")
    i_count = len(FIRST_SINGULAR.findall(lower))
    we_count = len(WE.findall(lower))
    you_count = len(YOU.findall(lower))
    if we_count > i_count:
        add("s:corporate-we")
    if you_count >= 2 and not question:
        add("s:you-heavy-statement")
    if "\n" in text.strip():
        add("s:multiline")
    return found


@lru_cache(maxsize=65536)
def _word_features(token: str) -> tuple[str, ...]:
    """``w:`` and ``c:`` features of one token (cached: words repeat across messages)."""
    if token == "<url>":  # a link counts once, as the shape s:link / s:links
        return ()
    if len(token) < 4 or token[0] == "<":
        return ("w:" + token,)
    padded = "^" + token + "$"
    return ("w:" + token, *("c:" + padded[i:i + 4] for i in range(len(padded) - 3)))


def features(text: str) -> list[str]:
    """All feature strings of one message (duplicates removed, order kept)."""
    lower = text.lower()
    tokens = _tokens(lower)
    seen: dict[str, None] = {}
    previous = "<start>"
    for token in tokens:
        seen.update(dict.fromkeys(_word_features(token)))
        seen["b:" + previous + " " + token] = None
        previous = token
    seen.update(dict.fromkeys(shape(text, lower, tokens)))
    return list(seen)
