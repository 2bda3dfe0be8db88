"""Generic address: a greeting that admits nobody knows who the reader is."""

from __future__ import annotations

import re
from collections.abc import Iterator

from dmguard.audit.judge.addressee import spellings
from dmguard.audit.model import Context, Recipient
from dmguard.audit.rules.base import Example, Hit, Subject, phrase_hits, rule
from dmguard.audit.text import fold, name_parts, phrases, quote

GENERIC = phrases(
    r"dear (?:valued |loyal )?(?:customer|client|member|user|subscriber|follower|friend)s?",
    r"dear [a-z]{2,6} (?:user|customer|client)s?", r"عزيزي العميل",
    r"valued (?:customer|client|member|follower|subscriber)s?",
    r"dear sir(?: or |/)madam", r"dear sir", r"dear madam", r"to whom it may concern",
    r"hello (?:user|customer|member)", r"dear (?:account|voucher|card|policy) holder",
    # German, French, Spanish, Portuguese, Italian, Dutch, Polish, Russian
    r"sehr geehrte damen und herren", r"sehr geehrte[rs]? kund(?:e|in)", r"liebe[rs]? kund(?:e|in)",
    r"madame,? monsieur", r"mesdames,? messieurs", r"ch(?:er|ère)s? client(?:e|s|es)?",
    r"estimad[oa]s? (?:client[ea]s?|usuari[oa]s?|seguidor(?:es|a)?)",
    r"prezad[oa]s? (?:client[ea]s?|usu[aá]ri[oa]s?|seguidor(?:es|a)?)",
    r"gentil[ei] client[ei]", r"caro cliente", r"geachte (?:klant|heer|mevrouw|relatie)",
    r"beste klant", r"drog[ia] klienc(?:ie|i)", r"уважаемый клиент",
)
BEFORE_OPENING = re.compile(r"(?:[^\w@]|@\w+)*")
"""What may stand before a greeting that opens a line: punctuation, emoji, spaces and
@handles ("@shop Hi there")."""
VAGUE = phrases(r"hi there", r"hey there", r"hello there", r"hey you", r"hi friend",
                r"hello friend", r"hey friend", r"greetings", r"hi all")


@rule(
    "DG010",
    "generic-salutation",
    family="address",
    generic=True,
    scans=[GENERIC],
    severity="hold",
    points=50,
    fails=["Dear valued customer, we have an offer", "To whom it may concern: hello",
           "Dear Sir/Madam, thanks", "Sehr geehrte Damen und Herren, wir bieten …",
           "Estimado cliente: tenemos una oferta"],
    passes=["Dear Amy, we have news about your order", "The customer service was great"],
)
def generic_salutation(subject: Subject) -> Iterator[Hit]:
    """Finds salutations addressed to a category instead of a person.

    Why: "Dear valued customer" is the archetype of the form letter people
    resent: it claims a relationship while admitting the sender does not know
    their name.
    Source: a common complaint about form letters ("Dear valued customer").
    Use instead: the recipient's name, or no salutation at all.
    """
    yield from phrase_hits(GENERIC, subject, "generic salutation {found!r}")


@rule(
    "DG011",
    "vague-greeting",
    family="address",
    generic=True,
    scans=[VAGUE],
    severity="warn",
    points=20,
    fails=["Hi there! Check this out", "Hey you, we have something",
           "Greetings! We have news", "Thanks for the follow.\nHi there, check this out",
           "@shop Hi there, is the store open?"],
    passes=["Hi Amy! Check this out", "There you are",
            "Hi Aiko! Greetings to Berlin. What brought you here?",
            "Hi Amy, I said hi there to your brother"],
)
def vague_greeting(subject: Subject) -> Iterator[Hit]:
    """Finds greetings such as "Hi there" that stand in for a name.

    Why: Between friends "hi there" is warm; at the top of an automated DM it is
    the tell-tale of a message written for everyone. It only adds to the score.
    Source: a common complaint about auto-DMs ("Hi there", "Hey you").
    Only a greeting that opens the message (or one of its lines) stands in for a name:
    "Hi Aiko! Greetings to Berlin" greeted Aiko by name first.
    Use instead: the recipient's name.
    """
    raw = subject.raw
    for hit in phrase_hits(VAGUE, subject, "greeting without a name: {found!r}"):
        assert hit.span is not None
        start = hit.span[0]
        if BEFORE_OPENING.fullmatch(raw, raw.rfind("\n", 0, start) + 1, start):
            yield hit


@rule(
    "DG012",
    "no-name",
    family="address",
    needs=["recipient"],
    severity="warn",
    points=20,
    fails=[Example("Welcome! Glad you are here.", recipient=Recipient(name="Amy Lee"),
                   context=Context(kind="welcome"))],
    passes=[
        Example("Welcome Amy! Glad you are here.", recipient=Recipient(name="Amy Lee"),
                context=Context(kind="welcome")),
        Example("Welcome! Glad you are here."),
    ],
)
def no_name(subject: Subject) -> Iterator[Hit]:
    """Finds automated messages that never use the recipient's name.

    Why: A form e-mail without the person's name is the first thing people name
    when they say a message was not meant for them.
    Source: a common complaint about form e-mails ("no name").
    Use instead: greet the person by the name on their profile.
    Options: runs only for automated messages whose recipient's name is known.
    """
    recipient = subject.input.recipient
    if not subject.input.automated or recipient is None or not recipient.name:
        return
    folded = fold(subject.text.lower)
    for part in [*name_parts(recipient.name), fold(recipient.username or "")]:
        if part and part in folded and _holds_word(folded, part):
            return
    yield Hit(None, f"does not use the recipient's name ({recipient.name!r})")


def _word_character(char: str) -> bool:
    r"""What the regex ``\w`` matches (a letter, digit or number in any script, or "_")."""
    return char.isalnum() or char == "_"


def _holds_word(text: str, part: str) -> bool:
    r"""Does ``text`` hold ``part`` as a whole word (``(?<!\w)part(?!\w)``)? Found as a
    plain string: every recipient has their own name, and a regex compiled for each costs
    more than the audit of the message."""
    at = text.find(part)
    while at >= 0:
        end = at + len(part)
        if not (at and _word_character(text[at - 1])) and \
                not (end < len(text) and _word_character(text[end])):
            return True
        at = text.find(part, at + 1)
    return False


# Words that make the name right before them the subject of a sentence about its bearer
# ("Sam just joined", "Sam has arrived", "Sam came in like a lion").
TOLD_ABOUT_AFTER = frozenset({
    "has", "is", "was", "just", "joined", "joins", "arrived", "arrives", "came", "comes",
    "appeared", "appears", "landed", "lands", "entered", "enters", "showed", "shows", "hopped",
    "hops", "slid", "slides", "spawned", "fell", "falls", "warped", "teleported", "jumped",
    "dropped", "walked", "wandered", "popped", "rolled", "stepped", "stumbled", "burst",
    "crashed", "hath", "survived", "did", "does", "will", "wants", "likes", "says", "said",
    "made", "brought", "got", "needs", "thinks", "knows", "loves"})
# Words before the name that point at its bearer rather than speak to them
# ("it's just Sam", "Where's Sam?", "is it Sam you're looking for?", "our Sam").
TOLD_ABOUT_BEFORE = re.compile(
    r"(?:\b(?:it['’]?s|its|it is|is it|where['’]?s|where is|wheres)(?: just| only)?"
    r"|\b(?:the|our))\s+$", re.IGNORECASE)
_NEXT_WORD = re.compile(r"\s+([\w'’]+)")
_SPOKEN_TO = re.compile(r"\b(?:you|your|you['’]re|youre|yours|yourself|u|ur)\b", re.IGNORECASE)


@rule(
    "DG013",
    "speaks-of-reader",
    family="address",
    needs=["recipient"],
    severity="hold",
    points=40,
    fails=[
        Example("Amy just joined. Can I get a heal?", recipient=Recipient(name="Amy Lee")),
        Example("Where's @amylee? In the chat!",
                recipient=Recipient(username="amylee", name="Amy Lee")),
        Example("Nevermind, it's just amy.", recipient=Recipient(name="Amy Lee")),
    ],
    passes=[
        Example("Hey Amy, how was the trip?", recipient=Recipient(name="Amy Lee")),
        Example("Amy, is this parcel yours?", recipient=Recipient(name="Amy Lee")),
        Example("Thanks Amy! Finn just arrived with the cake",
                recipient=Recipient(name="Amy Lee")),
        Example("Amy just joined. Can I get a heal?"),
    ],
)
def speaks_of_reader(subject: Subject) -> Iterator[Hit]:
    """Finds a message that speaks of its own reader in the third person.

    Why: "Sam just joined", "it's just Sam" or "Where's Sam? In the chat!" sent to
    Sam is an announcement written for a room of other people, pasted into a DM:
    content meant for someone else. One person writing to another says "you", or
    uses the name to call them ("Sam, …", "Thanks Sam!").
    Source: a common complaint about form letters ("content meant for someone
    else"); group welcome bots whose join lines are sent as DMs.
    Use instead: write to the person: "you", not their name as a subject.
    Options: only runs when the recipient's name or username is known; a name that
    is an everyday word ("Will", "Hope") counts only as an ``@handle``. A message
    that also speaks to the reader as "you" ("Sam is famous now?? you were on the
    radio!") may be a joke between two people: it only adds to the score.
    """
    recipient = subject.input.recipient
    spelt = spellings(recipient) if recipient is not None else None
    if spelt is None:
        return
    raw = subject.raw
    for start, end in spelt.spans(subject.text):
        after = _NEXT_WORD.match(raw, end) if raw[end:end + 1].isspace() else None
        if (after is not None and after.group(1).lower() in TOLD_ABOUT_AFTER) or (
                start and TOLD_ABOUT_BEFORE.search(raw, max(0, start - 20), start)):
            # also speaking to them as "you", it is more likely a joke between two people
            yield Hit((start, end), f"speaks of the reader in the third person "
                                    f"({quote(raw, (start, end))!r}): an announcement to "
                                    "others, not a message to them",
                      tentative=_SPOKEN_TO.search(raw) is not None)
            return


RULES = (generic_salutation, vague_greeting, no_name, speaks_of_reader)
