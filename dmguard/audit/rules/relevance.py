"""Relevance and sensitive topics: content aimed at someone else, or not for strangers."""

from __future__ import annotations

import re
from collections.abc import Iterator

from dmguard.audit.model import Context, Recipient
from dmguard.audit.rules.base import Example, Hit, Subject, rule
from dmguard.audit.text import fold, phrases, quote, spans

SEGMENTS: dict[str, tuple[str, ...]] = {
    "freelancers": ("freelance", "freelancer", "self-employed", "contractor", "indie", "solo"),
    "students": ("student", "studying", "university", "college", "undergrad", "phd", "school"),
    "parents": ("parent", "mom", "mum", "dad", "mother", "father", "kids", "mama", "papa"),
    "developers": ("developer", "engineer", "programmer", "dev", "coder", "software", "code"),
    "founders": ("founder", "co-founder", "ceo", "startup", "entrepreneur"),
    "small business owners": ("owner", "small business", "shop", "store", "founder"),
    "job seekers": ("looking for work", "open to work", "job seeker", "seeking", "hiring me"),
    "retirees": ("retired", "retiree", "pensioner"),
    "teachers": ("teacher", "educator", "teaching", "professor", "lecturer"),
    "nurses": ("nurse", "rn", "healthcare", "nursing"),
    "beginners": ("beginner", "learning", "new to", "aspiring", "junior"),
    "landlords": ("landlord", "property", "real estate", "rentals"),
    "new grads": ("graduate", "grad", "student", "class of"),
}
SEGMENT_WORDS = {
    "freelancers": r"freelanc\w*|self-employed",
    "students": r"students?",
    "parents": r"parents?|moms|mums|dads",
    "developers": r"developers?|fellow devs?|engineers?",
    "founders": r"founders?|startups?",
    "small business owners": r"small business(?:es| owners?)?",
    "job seekers": r"job ?seekers?|job hunt\w*",
    "retirees": r"retirees?|retirement",
    "teachers": r"teachers?|educators?",
    "nurses": r"nurses?",
    "beginners": r"beginners?",
    "landlords": r"landlords?",
    "new grads": r"new grads?|graduates?",
}
SEGMENT_PATTERN = re.compile(
    "|".join(f"(?P<s{index}>(?<!\\w)(?:{words})(?!\\w))" for index, words in
             enumerate(SEGMENT_WORDS.values())),
    re.IGNORECASE,
)
_SEGMENT_NAMES = list(SEGMENT_WORDS)


@rule(
    "DG050",
    "wrong-segment",
    family="relevance",
    needs=["recipient"],
    severity="hold",
    points=40,
    fails=[Example(
        "As a freelancer you'll love our invoicing templates!",
        recipient=Recipient(name="Amy Lee", bio="Senior engineering manager at a bank"),
    )],
    passes=[
        Example("As a freelancer you'll love our invoicing templates!",
                recipient=Recipient(name="Amy Lee", bio="Freelance illustrator")),
        Example("As a freelancer you'll love our invoicing templates!"),
    ],
)
def wrong_segment(subject: Subject) -> Iterator[Hit]:
    """Finds content aimed at a group (freelancers, students…) the recipient is not in.

    Why: Freelancer paperwork sent to a senior hire, student offers sent to a
    retiree: content meant for someone else is the plainest proof of a form
    letter.
    Source: a common complaint about form letters ("content meant for someone
    else").
    Use instead: choose the segment from the profile (sequences do this with
    segment rules) or leave the segment out of the text.
    Options: runs only when the recipient's bio is known.
    """
    recipient = subject.input.recipient
    if recipient is None or not recipient.bio:
        return
    bio = fold(recipient.bio)
    for match in SEGMENT_PATTERN.finditer(subject.raw):
        segment = _SEGMENT_NAMES[int((match.lastgroup or "s0")[1:])]
        if not any(re.search(rf"\b{re.escape(hint)}", bio) for hint in SEGMENTS[segment]):
            yield Hit(match.span(), f"written for {segment}, but the recipient's bio does not "
                                    "suggest they are one")


SENSITIVE = phrases(
    r"vote (?:for|against)", r"elections?", r"democrats?", r"republicans?", r"maga",
    r"(?:trump|biden|harris|obama) 20\d\d", r"political party", r"campaign donations?",
    r"pray(?:ers?|ing)?", r"god bless", r"jesus", r"allah", r"church", r"bible", r"quran",
    r"convert to", r"salvation", r"abortion", r"immigration",
)


@rule(
    "DG060",
    "sensitive-topic",
    family="sensitive",
    scans=[SENSITIVE],
    severity="hold",
    points=30,
    fails=[
        Example("Support our candidate: vote for change on Tuesday!",
                context=Context(kind="campaign")),
        Example("Join us in prayer this Sunday at our church", context=Context(kind="welcome")),
    ],
    passes=[
        Example("Join us for the product launch on Tuesday", context=Context(kind="campaign")),
        Example("We'll pray for your mum, hope she gets better soon",
                context=Context(kind="manual")),
    ],
)
def sensitive_topic(subject: Subject) -> Iterator[Hit]:
    """Finds politics and religion in automated messages to people who are not contacts.

    Why: Politics and religion from an account someone merely follows feel
    intrusive and can offend; an automated message is never the right place.
    Source: X developer guidelines (no unsolicited messages on sensitive
    subjects by automation); common complaints.
    Use instead: keep automated messages to what the person asked about.
    Options: judged for automated kinds (welcome, campaign, reply); in text
    without context it only adds to the score.
    """
    context = subject.input.context
    if context is not None and context.kind == "manual":
        return
    tentative = not subject.input.automated
    for span in spans(SENSITIVE, subject.text):
        yield Hit(span, f"sensitive topic {quote(subject.raw, span)!r} in an automated message",
                  tentative)


RULES = (wrong_segment, sensitive_topic)
