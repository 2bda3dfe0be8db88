"""What the audit reads and what it returns (the shapes of the JSONL contract)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Severity = Literal["block", "hold", "warn"]
Verdict = Literal["send", "hold", "block"]
SEVERITY_RANK = {"warn": 0, "hold": 1, "block": 2}
DEFAULT_HOLD_SCORE = 50
"""The genericity score that holds a message when ``audit.hold_score`` is not set."""
MAX_TEXT = 100_000
"""The longest message text a JSONL line may carry, in characters."""
AUTOMATED_KINDS = frozenset({"welcome", "campaign", "reply"})
ANSWER_KINDS = frozenset({"manual", "confirmation"})
"""Kinds of message that are not automated text: a person's own reply, and dmguard's answer
to a STOP or START. They are judged only for template leftovers (:mod:`dmguard.audit.leftovers`),
by the daemon, the review of sent DMs and ``dmguard audit`` alike."""
CONTEXT_KINDS = ("welcome", "campaign", "reply", "manual", "confirmation")
"""Every ``context.kind`` a message may name (a kind dmguard does not know is an error:
``MANUAL`` read as unknown would quietly judge a reply as a campaign)."""


@dataclass(frozen=True, slots=True)
class Recipient:
    id: str | None = None
    username: str | None = None
    name: str | None = None
    bio: str | None = None
    location: str | None = None
    lang: str | None = None
    last_message: str | None = None

    @property
    def has_profile(self) -> bool:
        return bool(self.bio or self.location or self.last_message)


@dataclass(frozen=True, slots=True)
class Context:
    kind: str | None = None
    user_dmed_first: bool | None = None
    step: int | None = None

    @property
    def first_contact(self) -> bool:
        return self.kind == "welcome" or self.step == 1 or self.user_dmed_first is False


@dataclass(frozen=True, slots=True)
class SentFacts:
    """What only history shows about a DM that already went out."""

    seconds_after_follow: float | None = None
    burst: int = 1
    """How many DMs from the same sender went out within a minute around this one."""
    regular_run: int = 0
    """Length of the run of sends at near-constant intervals this one belongs to."""


@dataclass(frozen=True, slots=True)
class AuditInput:
    text: str
    id: str | None = None
    platform: str | None = None
    recipient: Recipient | None = None
    context: Context | None = None
    sent: SentFacts | None = None

    @property
    def automated(self) -> bool:
        """True when the caller says this is an automated send (not a human's manual DM)."""
        return self.context is not None and self.context.kind in AUTOMATED_KINDS


@dataclass(slots=True)
class Finding:
    rule: str
    name: str
    severity: Severity
    message: str
    span: tuple[int, int] | None
    points: int = 0

    def as_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "name": self.name,
            "severity": self.severity,
            "message": self.message,
            "span": list(self.span) if self.span else None,
        }


@dataclass(slots=True)
class Contribution:
    source: str
    points: int
    why: str


@dataclass(slots=True)
class AuditResult:
    id: str | None
    verdict: Verdict
    score: int
    findings: list[Finding]
    contributions: list[Contribution] = field(default_factory=list)
    labelled_text: str | None = None

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "verdict": self.verdict,
            "score": self.score,
            "findings": [finding.as_json() for finding in self.findings],
        }
        if self.verdict == "send" and self.labelled_text is not None:
            out["labelled_text"] = self.labelled_text
        out["contributions"] = [
            {"source": c.source, "points": c.points, "why": c.why} for c in self.contributions
        ]
        return out
