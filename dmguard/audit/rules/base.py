"""What a rule is: a small, documented, sourced unit with its own examples.

A rule is a check function decorated with :func:`rule`. The decorator records the
stable id, the kebab-case name, the default severity, how many genericity points
each finding adds, the options the config may change, and examples that must fail
and pass. The function's docstring is the documentation, in sections (first line:
what it does; then ``Why:``, ``Source:``, ``Use instead:``) that
``docs/rules.md`` and ``dmguard rules`` are generated from.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

from dmguard.audit.model import (
    DEFAULT_HOLD_SCORE,
    AuditInput,
    Context,
    Recipient,
    SentFacts,
    Severity,
)
from dmguard.audit.text import Phrases, Prepared, quote

if TYPE_CHECKING:
    from dmguard.audit.history import History
    from dmguard.audit.judge.learned import LearnedLayer
    from dmguard.policy_values import Policy

Family = Literal[
    "template", "address", "form-letter", "pretending", "pushiness", "relevance",
    "sensitive", "frequency", "consent", "score", "sent-history",
]
LITERAL = re.compile(r"``([^`]+)``")
Phase = Literal["draft", "final", "score"]
"""When a rule judges: ``draft`` the text as written; ``score`` the genericity score
the draft rules added up (after them, adding no points); ``final`` the labelled text."""
Need = Literal["recipient", "recipient_id", "context", "sent"]


@dataclass(frozen=True)
class PastDM:
    """A DM the example's recipient got ``hours_ago`` hours before the example."""

    text: str
    hours_ago: float


@dataclass(frozen=True)
class PriorHistory:
    """What the audit history already holds when an example is judged."""

    similar: tuple[str, ...] = ()
    """Texts that already went to other recipients."""
    sent: tuple[PastDM, ...] = ()
    """DMs the example's recipient already got (it needs a recipient id)."""
    opted_out: bool = False
    """The example's recipient said stop (it needs a recipient id)."""


@dataclass(frozen=True)
class Example:
    """A message with optional recipient, context and history, for docs and tests."""

    text: str
    recipient: Recipient | None = None
    context: Context | None = None
    history: PriorHistory | None = None
    platform: str | None = None
    sent: SentFacts | None = None

    def as_input(self) -> AuditInput:
        return AuditInput(self.text, None, self.platform, self.recipient, self.context, self.sent)


class Hit(NamedTuple):
    """One thing a rule found. ``tentative`` hits count their points but only warn (the
    rule cannot be sure); ``points`` overrides the rule's points for a weaker kind of hit."""

    span: tuple[int, int] | None
    message: str
    tentative: bool = False
    points: int | None = None
    answer: bool = False
    """Excused as an answer to someone who wrote first (:func:`as_answer`)."""


@dataclass
class Subject:
    """Everything a check may read about one message."""

    input: AuditInput
    text: Prepared
    options: dict[str, Any]
    history: History
    policy: Policy | None
    now: datetime
    signature: Any = None
    personal_details: list[str] = field(default_factory=list)
    found: list[Any] = field(default_factory=list)
    """Findings of the rules that ran before this one (lower ids; every draft rule's for
    a score rule), but for those excused as an answer: no evidence of a form letter."""
    score: int | None = None
    """The genericity score; known only to score rules."""
    hold_score: int = DEFAULT_HOLD_SCORE
    """The score that holds a message (``audit.hold_score``)."""
    learned: LearnedLayer | None = None
    """What the account's own people taught the judge (DG095 only; None: nothing)."""

    @property
    def raw(self) -> str:
        return self.text.text

    @property
    def answering(self) -> bool:
        """A reply in a conversation the person started (context ``kind = "reply"``,
        ``user_dmed_first = true``): an answer, not a campaign."""
        context = self.input.context
        return context is not None and context.kind == "reply" and bool(context.user_dmed_first)


ANSWER_POINTS = 10
"""What a hit excused as an answer adds to the score (it does not hold on its own)."""


def as_answer(hit: Hit) -> Hit:
    """``hit`` excused as an answer to someone who wrote first: it warns, adds
    :data:`ANSWER_POINTS`, and is no evidence for the judge (DG095), which was fitted on
    messages without context."""
    return hit._replace(tentative=True, points=ANSWER_POINTS, answer=True)


Check = Callable[[Subject], Iterable[Hit]]


@dataclass(frozen=True)
class Rule:
    id: str
    name: str
    family: Family
    severity: Severity
    points: int
    max_points: int
    check: Check
    doc: str
    fails: tuple[Example, ...]
    passes: tuple[Example, ...]
    options: dict[str, Any]
    phase: Phase = "draft"
    option_minimums: Mapping[str, int | float] = field(default_factory=dict)
    """The least value each option may be configured to (0 when not named): a count the rule
    compares with, set below it, would make the rule find every message or none."""
    needs: frozenset[str] = frozenset()
    scans: tuple[Phrases, ...] = ()
    scan_slots: frozenset[int] | None = None
    """The anchor-index slots of ``scans``; None when some list has no anchors."""
    needs_similarity: bool = False
    """Compares the text with what went to others: the engine computes its signature."""
    generic: bool = False
    """A finding makes the message count as generic (a form letter) in the daily report."""
    template_leftover: bool = False
    """Finds what a template left behind; a person's own replies are vetted by these rules."""
    undisclosed: bool = False
    """A finding means an automated DM went out without saying so (counted in the report)."""
    label_too_long: bool = False
    """Also reports a message the labeller cannot fit within the platform's limit."""

    def may_fire(self, text: Prepared) -> bool:
        """False when the rule only looks for phrases and none of them can be in the text."""
        if self.scan_slots is None:
            return True
        return not self.scan_slots.isdisjoint(text.anchor_hits)

    @property
    def summary(self) -> str:
        """The docstring's first paragraph, on one line (it may wrap over several)."""
        return " ".join(line.strip() for line in self.doc.strip().split("\n\n", 1)[0].splitlines())

    @property
    def plain_summary(self) -> str:
        """The summary for a terminal: ``name`` markup (reStructuredText's code) as plain name."""
        return LITERAL.sub(r"\1", self.summary)

    def section(self, title: str) -> str:
        """The text under ``Title:`` in the docstring, up to the next section."""
        match = re.search(
            rf"^\s*{re.escape(title)}:\s*(.*?)(?=^\s*[A-Z][a-z ]+:\s|\Z)",
            self.doc,
            re.MULTILINE | re.DOTALL,
        )
        if not match:
            return ""
        return " ".join(line.strip() for line in match.group(1).splitlines()).strip()


def rule(
    id: str,
    name: str,
    *,
    family: Family,
    severity: Severity,
    points: int,
    fails: Iterable[Example | str],
    passes: Iterable[Example | str],
    max_points: int | None = None,
    options: dict[str, Any] | None = None,
    option_minimums: Mapping[str, int | float] | None = None,
    phase: Phase = "draft",
    needs: Iterable[Need] = (),
    scans: Iterable[Phrases] = (),
    doc_values: Mapping[str, object] | None = None,
    needs_similarity: bool = False,
    generic: bool = False,
    template_leftover: bool = False,
    undisclosed: bool = False,
    label_too_long: bool = False,
) -> Callable[[Check], Rule]:
    """Declare a rule. ``needs`` lets the engine skip it for messages without that data;
    the flags are the rule's metadata, queried with :func:`dmguard.audit.rules.select`.

    ``doc_values`` fills ``{key}`` placeholders in the docstring, so a default the
    documentation states is the one the code uses.
    """
    scanned = tuple(scans)
    if phase == "score" and points:
        raise TypeError(f"rule {id} judges the genericity score; it cannot add points to it")

    def wrap(check: Check) -> Rule:
        if not check.__doc__:
            raise TypeError(f"rule {id} needs a docstring")
        return Rule(
            id=id,
            name=name,
            family=family,
            severity=severity,
            points=points,
            max_points=points if max_points is None else max_points,
            check=check,
            doc=_dedent(check.__doc__.format_map(doc_values) if doc_values
                        else check.__doc__),
            fails=tuple(e if isinstance(e, Example) else Example(e) for e in fails),
            passes=tuple(e if isinstance(e, Example) else Example(e) for e in passes),
            options=dict(options or {}),
            option_minimums=dict(option_minimums or {}),
            phase=phase,
            needs=frozenset(needs),
            scans=scanned,
            scan_slots=_slots(scanned),
            needs_similarity=needs_similarity,
            generic=generic,
            template_leftover=template_leftover,
            undisclosed=undisclosed,
            label_too_long=label_too_long,
        )

    return wrap


def _slots(scans: tuple[Phrases, ...]) -> frozenset[int] | None:
    slots = [phrases.slots for phrases in scans]
    if not slots or any(slot is None for slot in slots):
        return None
    return frozenset().union(*(slot for slot in slots if slot is not None))


def _dedent(doc: str) -> str:
    import inspect

    return inspect.cleandoc(doc)


def phrase_hits(pattern: Phrases, subject: Subject, message: str,
                tentative: bool = False) -> Iterator[Hit]:
    """One hit per match; ``message`` may use ``{found}`` for the matched text."""
    text = subject.text
    if pattern.slot is not None and pattern.slot not in text.anchor_hits:
        return  # what pattern.possible(text) says, without the call
    raw = text.text
    for match in pattern.matches(text):
        span = match.span()
        yield Hit(span, message.format(found=quote(raw, span)), tentative)


def unless_answering(pattern: Phrases, subject: Subject, message: str) -> Iterator[Hit]:
    """:func:`phrase_hits`, each excused (:func:`as_answer`) in a reply to someone who wrote
    first: what is unsolicited in a first message may be what they asked for."""
    answering = subject.answering
    for hit in phrase_hits(pattern, subject, message):
        yield as_answer(hit) if answering else hit
