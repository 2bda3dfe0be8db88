"""Template errors: the mail merge went wrong and the reader can see it."""

from __future__ import annotations

import re
from collections.abc import Iterator

from dmguard.audit.model import Recipient
from dmguard.audit.rules.base import Example, Hit, Subject, rule
from dmguard.audit.text import fold, name_parts, prefiltered

PLACEHOLDER = prefiltered(re.compile(
    r"\{\{\s*[\w.\s|'\"-]*\}\}"                   # {{first_name}}, {{ user.name }}
    r"|\$\{\s*\w[\w.]*\s*\}"                      # ${name}
    r"|\{\s*\w[\w.]*\s*\}"                        # {name}
    r"|\*\|\s*[A-Z0-9_]+\s*\|\*"                  # *|FNAME|*
    r"|%[A-Z][A-Z0-9_]*%"                         # %FNAME%
    r"|<<\s*\w+\s*>>"                             # <<name>>
    r"|\[\s*(?:first[ _]?name|last[ _]?name|full[ _]?name|name|company|city|username"
    r"|handle|product|link|url|date|your name|recipient|fname|lname)\s*\]"  # [NAME]
    r"|<\s*(?:first[ _]?name|last[ _]?name|name|company|username|fname|link|url)\s*>"
    r"|\bINSERT\s+[A-Z ]{2,30}\s+HERE\b"           # INSERT URL HERE
    r"|\b(?:FIRST|LAST)_?NAME\b|\bFNAME\b",
    re.IGNORECASE,
), "{", "[", "<", "%", "*|", "insert", "name")


@rule(
    "DG001",
    "unfilled-placeholder",
    family="template",
    template_leftover=True,
    scans=[PLACEHOLDER],
    severity="block",
    points=100,
    fails=[
        "Hi {name}, thanks for stopping by!",
        "Hey {{first_name}}, your order shipped.",
        "Dear *|FNAME|*, we miss you",
        "Hello %FNAME%!",
        "Hi [NAME], see INSERT URL HERE",
        "Hi <first name>, welcome",
    ],
    passes=["Hi Amy, thanks for stopping by!", "A set in Python looks like {1, 2}"],
)
def unfilled_placeholder(subject: Subject) -> Iterator[Hit]:
    """Finds template placeholders that were never filled in.

    Why: A message that says "Hi {first_name}" tells the reader at once that no
    person wrote it and that the sender's system is broken. It is the most visible
    form-letter failure there is.
    Source: a common complaint about form e-mails and auto-DMs; every mail-merge
    syntax seen in the wild ({name}, {{first_name}}, ${name}, %FNAME%, *|FNAME|*,
    [NAME], <name>, INSERT URL HERE) is recognised.
    Use instead: fill every field, or drop the greeting when the field is empty.
    """
    for match in PLACEHOLDER.finditer(subject.text):
        if match.group().strip("{} ") == "":
            continue
        yield Hit(match.span(), f"unfilled placeholder {match.group()!r}")


BROKEN = prefiltered(re.compile(
    r"\b(?:hi|hey|hello|dear)\s+(?:undefined|null|none|nan|nil)\b"
    r"|\[object Object\]|\bundefined\b",
    re.IGNORECASE,
), "undefined", "null", "none", "nan", "nil", "[object")
EMPTY_GREETING = re.compile(r"\W*(?:hi|hey|hello|dear)\s+,", re.IGNORECASE)


@rule(
    "DG004",
    "broken-value",
    family="template",
    template_leftover=True,
    severity="block",
    points=100,
    fails=["Hi undefined, welcome!", "Hello null!", "Dear , we have news", "Your code: [object Object]"],
    passes=["Hi Amy, welcome!", "Hello! None of the options worked, can you help?",
            "Dear, will call tomorrow", "Hey ! Long time no see"],
)
def broken_value(subject: Subject) -> Iterator[Hit]:
    """Finds fields that were filled with an empty or programming value.

    Why: "Hi undefined" or "Dear ," is a placeholder that was filled with nothing;
    the reader sees the machinery just as clearly as with an unfilled one.
    Source: a common complaint about auto-DMs sent from scripts whose profile
    look-up failed.
    Use instead: check the field before rendering and fall back to a message
    without the greeting.
    """
    empty = EMPTY_GREETING.match(subject.raw)
    if empty:
        yield Hit(empty.span(), f"empty name in the greeting {empty.group().strip()!r}")
    for match in BROKEN.finditer(subject.text):
        yield Hit(match.span(), f"empty or broken value in {match.group().strip()!r}")


@rule(
    "DG002",
    "wrong-name",
    family="template",
    needs=["recipient"],
    severity="block",
    points=100,
    fails=[
        Example("Hi Sarah, great to connect!", recipient=Recipient(name="Amy Lee", username="amylee")),
        Example("Hey Tom! Welcome aboard", recipient=Recipient(name="Priya Shah")),
    ],
    passes=[
        Example("Hi Amy, great to connect!", recipient=Recipient(name="Amy Lee")),
        Example("Hey @amylee, welcome", recipient=Recipient(name="Amy Lee", username="amylee")),
        Example("Hi Sarah, great to connect!"),
        Example("Dear valued customer, hello", recipient=Recipient(name="Amy Lee")),
    ],
)
def wrong_name(subject: Subject) -> Iterator[Hit]:
    """Finds a greeting that names someone other than the recipient.

    Why: Content meant for someone else is worse than no name at all: it proves
    the message is a form letter and leaks that another person got it too.
    Source: a common complaint ("the wrong name") about form e-mails and DMs.
    Use instead: take the name from the recipient's profile, never from a list
    that may be out of step with who is being messaged.
    Options: only runs when the recipient's name or username is known.
    """
    recipient = subject.input.recipient
    if recipient is None or not (recipient.name or recipient.username):
        return
    greeted = subject.text.greeted
    if greeted is None:
        return
    words, span = greeted
    known = set(name_parts(recipient.name)) | {fold(recipient.username or "")}
    if words[0] in known or any(word in known for word in words):
        return
    expected = recipient.name or recipient.username
    yield Hit(span, f"greets {' '.join(words).title()!r} but the recipient is {expected!r}")


@rule(
    "DG003",
    "swapped-name",
    family="template",
    needs=["recipient"],
    severity="hold",
    points=40,
    fails=[
        Example("Hi Lee, welcome!", recipient=Recipient(name="Amy Lee")),
        Example("Dear Lee Amy, welcome", recipient=Recipient(name="Amy Lee")),
    ],
    passes=[
        Example("Hi Amy, welcome!", recipient=Recipient(name="Amy Lee")),
        Example("Dear Amy Lee, welcome", recipient=Recipient(name="Amy Lee")),
    ],
)
def swapped_name(subject: Subject) -> Iterator[Hit]:
    """Finds a greeting that uses the family name where the given name belongs.

    Why: "Hi Lee" to Amy Lee reads like a database export with its columns
    mixed up; it is the swapped first/last name of the form-letter complaint.
    Source: a common complaint about form e-mails ("first and last name swapped").
    Use instead: greet with the first name as the recipient writes it.
    """
    recipient = subject.input.recipient
    parts = name_parts(recipient.name if recipient else None)
    if len(parts) < 2:
        return
    greeted = subject.text.greeted
    if greeted is None:
        return
    words, span = greeted
    first, last = parts[0], parts[-1]
    if words[0] == last and (len(words) == 1 or words[1] == first):
        yield Hit(span, f"uses the family name {parts[-1].title()!r} as the first name")


RULES = (unfilled_placeholder, broken_value, wrong_name, swapped_name)
