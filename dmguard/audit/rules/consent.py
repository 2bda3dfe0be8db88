"""Consent and platform policy: opt-outs, unsolicited automation, disclosure, opt-out line."""

from __future__ import annotations

import re
from collections.abc import Iterator

from dmguard.audit.model import DEFAULT_HOLD_SCORE, Context, Recipient
from dmguard.audit.rules.base import Example, Hit, PriorHistory, Subject, rule
from dmguard.audit.text import Leading

OPT_OUT_WORDS = re.compile(r"(?i)\b(?:stop|unsubscribe|opt[- ]?out|end)\b")
OPT_OUT_SEARCH = Leading(OPT_OUT_WORDS, ("stop", "unsubscribe", "opt", "end"))
"""Run on every labelled text, whose opt-out line comes last: tried only where one of
the words starts instead of at every position."""
DISCLOSURE_WORDS = re.compile(r"(?i)\b(?:automated|automatic|auto-?dm|bot|sent by a program)\b")


@rule(
    "DG080",
    "opted-out",
    family="consent",
    needs=["recipient_id"],
    severity="block",
    points=0,
    fails=[Example("Hi Amy, new offer inside", recipient=Recipient(id="42"),
                   history=PriorHistory(opted_out=True))],
    passes=[Example("Hi Amy, new offer inside", recipient=Recipient(id="42"))],
)
def opted_out(subject: Subject) -> Iterator[Hit]:
    """Blocks any automated message to someone who said stop.

    Why: X requires honouring "stop" at once; anything automated after it is a
    broken promise and a platform violation.
    Source: X developer guidelines (easy opt-out, honour it immediately).
    Use instead: nothing automated; a person may still write to them.
    """
    recipient = subject.input.recipient
    if recipient is not None and recipient.id and subject.history.opted_out(recipient.id):
        yield Hit(None, "the recipient opted out of automated messages")


@rule(
    "DG081",
    "unsolicited-automated",
    family="consent",
    needs=["context"],
    severity="block",
    points=0,
    fails=[Example("Welcome! Glad you're here.", platform="x",
                   context=Context(kind="welcome", user_dmed_first=False))],
    passes=[
        Example("Welcome! Glad you're here.", platform="x",
                context=Context(kind="reply", user_dmed_first=True)),
        Example("Welcome! Glad you're here.", platform="sandbox",
                context=Context(kind="welcome", user_dmed_first=False)),
    ],
)
def unsolicited_automated(subject: Subject) -> Iterator[Hit]:
    """Blocks automated DMs to people who have not written first, where the platform forbids them.

    Why: X allows automated DMs only after the user has messaged the account,
    and names auto-DMs to new followers as not allowed ("unsolicited, even to
    followers").
    Source: X developer guidelines (automation rules, 2026); the policy pack of
    the message's platform decides.
    Use instead: make the welcome a personal task, or wait until they write.
    """
    context = subject.input.context
    policy = subject.policy
    if policy is None or context is None or not subject.input.automated:
        return
    if policy.automated_requires_user_first and context.user_dmed_first is False:
        yield Hit(None, f"automated {context.kind} DM to someone who has not written first; "
                        "the platform allows automated DMs only as replies")


@rule(
    "DG082",
    "missing-opt-out",
    family="consent",
    severity="block",
    points=0,
    phase="final",
    fails=["[Automated] Hi Amy, your parcel left the warehouse."],
    passes=["[Automated] Hi Amy, your parcel left. Reply STOP to opt out."],
)
def missing_opt_out(subject: Subject) -> Iterator[Hit]:
    """Checks that an automated message as sent tells the reader how to stop them.

    Why: X requires an easy opt-out in automated DMs.
    Source: X developer guidelines (opt-out).
    Use instead: keep the labeller on; its opt-out line must mention STOP.
    Options: judged on the final (labelled) text and on sent history.
    """
    if subject.policy is not None and not subject.policy.require_opt_out:
        return
    if not OPT_OUT_SEARCH.found(subject.text):
        yield Hit(None, "no opt-out instruction (e.g. 'Reply STOP to opt out')")


@rule(
    "DG083",
    "missing-disclosure",
    family="consent",
    severity="block",
    points=0,
    phase="final",
    fails=["Hi Amy, your parcel left the warehouse. Reply STOP to opt out."],
    passes=["[Automated message] Hi Amy, your parcel left. Reply STOP to opt out."],
)
def missing_disclosure(subject: Subject) -> Iterator[Hit]:
    """Checks that an automated message as sent says it is automated.

    Why: The X API has no "automated" flag on a message, so the disclosure has
    to be in the text. X requires automated accounts to be labelled; California's
    B.O.T. Act (SB 1001) and the EU AI Act (Art. 50) require telling people they
    deal with a machine.
    Source: X developer guidelines; SB 1001; EU AI Act Art. 50.
    Use instead: keep the labeller on; its disclosure must say "automated" or "bot".
    Options: judged on the final (labelled) text and on sent history.
    """
    if subject.policy is not None and not subject.policy.require_disclosure:
        return
    if not DISCLOSURE_WORDS.search(subject.raw):
        yield Hit(None, "does not say it is automated")


@rule(
    "DG084",
    "too-long",
    family="consent",
    severity="block",
    points=0,
    phase="final",
    label_too_long=True,
    fails=["x" * 10_001],
    passes=["A short message. [Automated] Reply STOP to opt out."],
)
def too_long(subject: Subject) -> Iterator[Hit]:
    """Blocks a message longer than the platform accepts, once labelled.

    Why: X rejects DMs over 10,000 characters; a message cut by the platform
    loses its disclosure and opt-out line.
    Source: X API (direct message text limit).
    Use instead: shorten the text.
    Options: the limit is the policy pack's ``max_length``.
    """
    limit = subject.policy.max_length if subject.policy else 10_000
    if len(subject.raw) > limit:
        yield Hit((limit, len(subject.raw)), f"{len(subject.raw)} characters, the platform "
                                             f"accepts {limit}")


@rule(
    "DG090",
    "too-generic",
    family="score",
    generic=True,
    severity="hold",
    points=0,
    phase="score",
    doc_values={"hold_score": DEFAULT_HOLD_SCORE},
    fails=["Hi there! Check out our offers 🎉🎉🎉🎉 Use code SAVE20 for 20% off"],
    passes=["Hey, are we still on for lunch on Thursday?"],
)
def too_generic(subject: Subject) -> Iterator[Hit]:
    """Holds a message whose genericity score reaches ``audit.hold_score``.

    Why: No single phrase makes a form letter; many small signs together do.
    The score adds up what the other rules found (each rule's points), minus
    credit for real details about the recipient, and this rule holds the
    message when the sum reaches the threshold. It runs after the other rules
    and says nothing when they already hold or block the message.
    Source: dmguard's genericity score (see "How the score works" above).
    Use instead: the findings listed with it say what to change.
    Options: ``audit.hold_score`` (default {hold_score}).
    """
    if subject.score is None or subject.score < subject.hold_score:
        return
    if any(finding.severity != "warn" for finding in subject.found):
        return
    yield Hit(None, f"genericity score {subject.score} reaches the hold threshold "
                    f"{subject.hold_score}")


RULES = (opted_out, unsolicited_automated, missing_opt_out, missing_disclosure, too_long,
         too_generic)
