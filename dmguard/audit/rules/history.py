"""Sent history: signs of automation that only the timing of DMs already sent can show.

These rules judge DMs after the fact (messages other tools sent from the account,
and `dmguard audit --sent`); a draft has no sending history, so they never run on
one.
"""

from __future__ import annotations

from collections.abc import Iterator

from dmguard.audit.model import SentFacts
from dmguard.audit.rules.base import Example, Hit, Subject, rule
from dmguard.audit.rules.consent import DISCLOSURE_WORDS

WELCOME = "Hi Amy, welcome! Great to have you here."


@rule(
    "DG100",
    "auto-dm-on-follow",
    family="sent-history",
    severity="hold",
    points=40,
    needs=["sent"],
    options={"max_seconds": 120, "sync_slack": 360},
    fails=[Example(WELCOME, sent=SentFacts(seconds_after_follow=8)),
           Example(WELCOME, sent=SentFacts(seconds_after_follow=-90))],
    passes=[Example(WELCOME, sent=SentFacts(seconds_after_follow=7200)), Example(WELCOME, sent=SentFacts())],
)
def auto_dm_on_follow(subject: Subject) -> Iterator[Hit]:
    """Finds DMs that went out within seconds of the person following the account.

    Why: No person welcomes a new follower eight seconds after the follow; a DM
    that fast was sent by a program, which is exactly the "auto-DM new followers"
    X names as not allowed.
    Source: X developer guidelines (automated welcome DMs to new followers are not
    allowed, "unsolicited, even to followers").
    Use instead: let dmguard turn welcomes into personal tasks.
    Options: ``max_seconds`` (default 120). X does not say when someone followed,
    so the follow time is when dmguard first saw it, up to one sync later; a DM
    up to ``sync_slack`` seconds (default 360) *before* that still counts.
    """
    facts = subject.input.sent
    seconds = facts.seconds_after_follow if facts else None
    if seconds is None:
        return
    if -subject.options["sync_slack"] <= seconds <= subject.options["max_seconds"]:
        when = (f"{seconds:.0f} s after" if seconds >= 0
                else f"{-seconds:.0f} s before dmguard's sync saw")
        yield Hit(None, f"sent {when} the person's follow: an automatic welcome")


@rule(
    "DG101",
    "machine-like-timing",
    family="sent-history",
    severity="hold",
    points=30,
    needs=["sent"],
    options={"burst": 5, "regular_run": 5},
    option_minimums={"burst": 2, "regular_run": 2},
    fails=[Example("Thanks for connecting!", sent=SentFacts(burst=12)),
           Example("Thanks for connecting!", sent=SentFacts(regular_run=9))],
    passes=[Example("Thanks for connecting!", sent=SentFacts(burst=2, regular_run=3))],
)
def machine_like_timing(subject: Subject) -> Iterator[Hit]:
    """Finds DMs sent in bursts, or at intervals too regular for a person.

    Why: People write in irregular rhythms; a dozen DMs in one minute, or DMs
    exactly every 30 seconds, come from a script working through a list. Bulk DMs
    are spam on X.
    Source: X developer guidelines (bulk and automated DMs).
    Use instead: send automated messages through dmguard, which spaces them and
    labels them.
    Options: ``burst`` (default 5 DMs within a minute) and ``regular_run`` (default
    5 sends at near-constant intervals).
    """
    facts = subject.input.sent
    if facts is None:
        return
    if facts.burst >= subject.options["burst"]:
        yield Hit(None, f"one of {facts.burst} DMs sent within a minute")
    elif facts.regular_run >= subject.options["regular_run"]:
        yield Hit(None, f"one of {facts.regular_run} DMs sent at near-constant intervals")


@rule(
    "DG102",
    "undisclosed-automation",
    family="sent-history",
    undisclosed=True,
    severity="block",
    points=0,
    needs=["sent"],
    fails=[Example("Hi Amy, thanks for the follow! Check out my shop", sent=SentFacts(
        seconds_after_follow=5))],
    passes=[
        Example("[Automated message] Hi Amy, thanks for the follow! Reply STOP to opt out.",
                sent=SentFacts(seconds_after_follow=5)),
        Example("Hey Amy, good to see you at the meetup yesterday!", sent=SentFacts()),
    ],
)
def undisclosed_automation(subject: Subject) -> Iterator[Hit]:
    """Finds sent DMs that look automated but do not say so.

    Why: An auto-DM that looks like a real one is the deception people resent
    most, and the X API has no "automated" flag, so the text must say it. Runs
    after the other rules: it fires when they found the DM automated-looking (a
    hold or block) and the text has no disclosure.
    Source: X developer guidelines (label automation); California SB 1001; EU AI
    Act Art. 50.
    Use instead: send automated DMs through dmguard, which labels them.
    """
    if DISCLOSURE_WORDS.search(subject.raw):
        return
    signs = sorted({f.rule for f in subject.found if f.severity != "warn"})
    if signs:
        yield Hit(None, f"looks automated ({', '.join(signs)}) but does not say it is")


RULES = (auto_dm_on_follow, machine_like_timing, undisclosed_automation)
