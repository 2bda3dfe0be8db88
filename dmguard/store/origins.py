"""Who wrote a message: the one ``Origin`` type, and the named sets queries count by."""

from __future__ import annotations

from enum import StrEnum


class Origin(StrEnum):
    """Where a message came from; stored as its value in ``messages.origin``."""

    #: A step of a welcome or drip sequence.
    SEQUENCE = "sequence"
    #: Handed in through ``dmguard submit`` or :func:`dmguard.api.submit`.
    SUBMIT = "submit"
    #: dmguard's own short answers (the opt-out and opt-in confirmations).
    SYSTEM = "system"
    #: A personal reply a person wrote for a task.
    HUMAN = "human"
    #: An inbound DM from the person on the other side.
    PERSON = "person"
    #: An outbound DM another tool sent from the account, found by the inbox sync.
    OTHER = "other"


#: Automated messages that someone *campaigns* with: sequences and submitted drafts.
#: These are what the sender checks opt-outs and caps for, what a STOP cancels, what
#: an inbound reply "replied to", and what the report counts as inspected, held,
#: blocked and cancelled. The confirmations dmguard sends itself are left out: they
#: answer the person's own STOP or START and must go out even to someone who opted out.
CAMPAIGN_ORIGINS: frozenset[Origin] = frozenset({Origin.SEQUENCE, Origin.SUBMIT})

#: Every message dmguard sends without a person writing it: the campaigns plus its own
#: confirmations. Used where the question is "was this automated?": what carries the
#: automated label, what a recipient's caps and history count. (The report counts
#: campaigns as sent and the confirmations on their own row.)
AUTOMATED_ORIGINS: frozenset[Origin] = CAMPAIGN_ORIGINS | {Origin.SYSTEM}

#: What the report's "failed" line counts: everything dmguard itself tried to send.
SENT_BY_DMGUARD: frozenset[Origin] = AUTOMATED_ORIGINS | {Origin.HUMAN}

TOO_LATE = "too late to send"
"""How the reason of an automated DM cancelled for being long overdue begins (the sender
writes it, the report counts by it)."""
