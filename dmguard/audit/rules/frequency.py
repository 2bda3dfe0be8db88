"""Frequency: too many automated messages to one person, the same offer again."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from itertools import repeat
from operator import itemgetter, lt

from dmguard.audit.model import Context, Recipient
from dmguard.audit.rules.base import Example, Hit, PastDM, PriorHistory, Subject, rule

RECIPIENT = Recipient(id="42", name="Amy Lee")


@rule(
    "DG070",
    "too-frequent",
    family="frequency",
    needs=["recipient_id"],
    severity="hold",
    points=30,
    options={"per_day": 1, "per_week": 3},
    fails=[Example("Hi Amy, one more thing about the event", recipient=RECIPIENT,
                   history=PriorHistory(sent=(PastDM("Hi Amy, the event is Friday", hours_ago=3),)))],
    passes=[Example("Hi Amy, one more thing about the event", recipient=RECIPIENT,
                    history=PriorHistory(sent=(PastDM("Hi Amy, the event is Friday", hours_ago=30),))),
            Example("Yes, the doors open at 7, see you there!", recipient=RECIPIENT,
                    context=Context(kind="reply", user_dmed_first=True),
                    history=PriorHistory(sent=(PastDM("Hi Amy, the event is Friday", hours_ago=1),)))],
)
def too_frequent(subject: Subject) -> Iterator[Hit]:
    """Finds a person who already got the allowed number of automated messages.

    Why: Several automated messages a day to one person is how a brand becomes
    a pest; X treats high-volume automated DMs as spam.
    Source: X developer guidelines (bulk and repetitive DMs); common complaints
    ("the same offer every day").
    Use instead: wait, or merge the messages into one.
    Options: ``per_day`` (default 1) and ``per_week`` (default 3). A reply in a
    conversation the person started (context ``kind = "reply"`` and
    ``user_dmed_first = true``) is not capped: answering is not a campaign.
    These are not ``[caps]``: ``[caps]`` makes the sender wait, this rule holds the
    draft for a person. Raising one alone still stops DMs at the other's limit, so
    change both together; ``dmguard check-config`` warns when this rule's limit is
    below what ``[caps]`` let a person get (with a cap of 0, no cap: below what
    ``[limits]`` let the account send), naming the value that silences it.
    """
    recipient = subject.input.recipient
    if recipient is None or not recipient.id:
        return
    if subject.answering:
        return
    sent = subject.history.sent_to(recipient.id)
    if not sent and subject.options["per_day"] > 0 and subject.options["per_week"] > 0:
        return  # nothing sent to this person (most audits): no count reaches a limit
    # counted without a Python loop: a person sent many messages has long histories
    times = list(map(itemgetter(0), sent))
    day = sum(map(lt, repeat(subject.now - timedelta(days=1)), times))  # at > a day ago
    week = sum(map(lt, repeat(subject.now - timedelta(days=7)), times))
    if day >= subject.options["per_day"]:
        yield Hit(None, f"{day} automated message(s) to this person in the last 24 h "
                        f"(limit {subject.options['per_day']})")
    elif week >= subject.options["per_week"]:
        yield Hit(None, f"{week} automated message(s) to this person in the last 7 days "
                        f"(limit {subject.options['per_week']})")


@rule(
    "DG071",
    "repeated-offer",
    family="frequency",
    needs_similarity=True,
    needs=["recipient_id"],
    severity="hold",
    points=40,
    options={"days": 30},
    option_minimums={"days": 1},
    fails=[Example("Hi Amy, our spring sale is on: twenty percent off all mugs this week",
                   recipient=RECIPIENT,
                   history=PriorHistory(sent=(PastDM("Hi Amy, our spring sale is on: twenty "
                                                     "percent off all mugs this week!",
                                                     hours_ago=50),)))],
    passes=[Example("Hi Amy, thanks for the photos of the new kiln, it looks amazing",
                    recipient=RECIPIENT,
                    history=PriorHistory(sent=(PastDM("Hi Amy, our spring sale is on: twenty "
                                                      "percent off all mugs this week!",
                                                      hours_ago=50),)))],
)
def repeated_offer(subject: Subject) -> Iterator[Hit]:
    """Finds a text this person has already received, give or take a few words.

    Why: Getting the same offer again says nobody is reading the conversation.
    Source: a common complaint about automated marketing ("the same offer every
    day").
    Use instead: send it once; follow up only with something new.
    Options: ``days`` (default 30): how far back to look.
    """
    recipient = subject.input.recipient
    if recipient is None or not recipient.id or subject.signature is None:
        return
    sent = subject.history.sent_to(recipient.id)
    if not sent:
        return
    since = subject.now - timedelta(days=subject.options["days"])
    for at, text, sig in sent:
        if at > since and sig is not None and subject.signature.similarity(sig) >= 0.6:
            when = subject.now - at
            yield Hit(None, f"this person got nearly the same text {when.days} day(s) "
                            f"{when.seconds // 3600} h ago: {text[:60]!r}")
            return


RULES = (too_frequent, repeated_offer)
