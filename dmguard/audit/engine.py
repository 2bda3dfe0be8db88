"""The audit engine: run the enabled rules, add up the score, decide, label.

Built once from config (which rules, at which severity, with which options) and
then called per message; it holds no per-message state, so one engine audits a
whole batch or a daemon's lifetime.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from dmguard.audit.history import BatchHistory, History
from dmguard.audit.label import LabelError, Labeller
from dmguard.audit.model import (
    DEFAULT_HOLD_SCORE,
    SEVERITY_RANK,
    AuditInput,
    AuditResult,
    Contribution,
    Finding,
    Severity,
    Verdict,
)
from dmguard.audit.rules import Rule, Subject, catalogue, single
from dmguard.audit.rules.base import Check
from dmguard.audit.similarity import Signature, remembered_signature
from dmguard.audit.text import Prepared, content_words, prepared
from dmguard.clock import Clock

if TYPE_CHECKING:
    from dmguard.audit.judge.learned import LearnedLayer
    from dmguard.config import Config, RuleSetting
    from dmguard.policy_values import Policy

PERSONAL_CREDIT = 15
PERSONAL_CREDIT_MAX = 30


class UnknownPlatform(ValueError):
    """A message names a platform no policy pack is called; the message names the packs."""


def one_of(names: list[str]) -> str:
    """``'a', 'b' or 'c'``, as the JSONL errors list what a field may be."""
    quoted = [repr(name) for name in names]
    return quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} or {quoted[-1]}"


@dataclass(frozen=True)
class ActiveRule:
    rule: Rule
    severity: Severity
    severity_overridden: bool
    options: dict[str, Any]
    check: Check = dataclass_field(init=False)
    """``rule.check``, and ``slots`` its ``scan_slots``: read once per rule and message."""
    slots: frozenset[int] | None = dataclass_field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "check", self.rule.check)
        object.__setattr__(self, "slots", self.rule.scan_slots)


def _activate(settings: dict[str, RuleSetting] | None) -> list[ActiveRule]:
    settings = settings or {}
    active = []
    for rule in catalogue():
        setting = settings.get(rule.id)
        if setting is not None and not setting.enabled:
            continue
        severity = (setting.severity if setting else None) or rule.severity
        options = {**rule.options, **(setting.options if setting else {})}
        active.append(ActiveRule(rule, severity, bool(setting and setting.severity), options))
    return active


def personal_details(item: AuditInput, text: Prepared) -> list[str]:
    """Things from the recipient's own profile or words that the message mentions."""
    recipient = item.recipient
    if recipient is None or not recipient.has_profile:
        return []
    from dmguard.audit.text import name_parts

    mine = content_words(text.text) - set(name_parts(recipient.name))
    mine.discard((recipient.username or "").lower())
    details = []
    for label, field in (("bio", recipient.bio), ("location", recipient.location),
                         ("their message", recipient.last_message)):
        if field:
            shared = sorted(mine & content_words(field))
            if shared:
                details.append(f"{label}: {', '.join(shared[:3])}")
    return details


class Auditor:
    def __init__(
        self,
        *,
        hold_score: int = DEFAULT_HOLD_SCORE,
        rules: dict[str, RuleSetting] | None = None,
        policies: Mapping[str, Policy] | None = None,
        default_platform: str | None = None,
        labeller: Labeller | None = None,
        account_username: str | None = None,
        history: History | None = None,
        clock: Clock,
        record: bool = True,
        learned: LearnedLayer | None = None,
    ) -> None:
        """``clock`` says what "now" is for the rules that look at time (history, caps):
        the caller's clock, never the system's behind its back. ``learned``: what the
        account's people taught the judge (see :mod:`dmguard.audit.judge.learned`)."""
        active = _activate(rules)
        self.draft_rules = [a for a in active if a.rule.phase == "draft"]
        self.score_rules = [a for a in active if a.rule.phase == "score"]
        self.final_rules = [a for a in active if a.rule.phase == "final"]
        self.too_long_rule = single(lambda r: r.label_too_long)
        self.needs_signature = any(a.rule.needs_similarity for a in active)
        self.hold_score = hold_score
        self.policies = dict(policies or {})
        self.default_platform = default_platform
        self.labeller = labeller
        self.account_username = account_username
        self.history: History = history if history is not None else BatchHistory()
        self.clock = clock
        self.record = record
        self.learned = learned
        self._by_data: dict[frozenset[str], list[ActiveRule]] = {}

    @classmethod
    def from_config(cls, config: Config, *, platform: str | None = None,
                    account_username: str | None = None, history: History | None = None,
                    clock: Clock, record: bool = True,
                    label: bool = True, learned: LearnedLayer | None = None) -> Auditor:
        """``label=False`` judges texts as they are (for DMs already sent)."""
        from dmguard.policy import built_in_policies

        policies = {**built_in_policies(), **config.policies}
        default_platform = platform or config.accounts[0].policy_name
        max_length = policies[default_platform].max_length
        return cls(
            hold_score=config.audit.hold_score,
            rules=config.audit.rules,
            policies=policies,
            default_platform=default_platform,
            labeller=(Labeller(config.label.disclosure, config.label.opt_out, max_length)
                      if label else None),
            account_username=account_username,
            history=history,
            clock=clock,
            record=record,
            learned=learned,
        )

    def known_platform(self, name: str) -> str:
        """The policy pack ``name`` names, case aside ("X" is ``x``); :class:`UnknownPlatform`
        naming the packs there are when it names none."""
        if name in self.policies:
            return name
        folded = [known for known in self.policies if known.casefold() == name.casefold()]
        if len(folded) == 1:
            return folded[0]
        raise UnknownPlatform(f"must be {one_of(sorted(self.policies))}")

    def policy_for(self, item: AuditInput) -> Policy | None:
        """The policy pack the message is judged by: its ``platform`` (an unknown name is
        :class:`UnknownPlatform`, never no policy: X's rules would be off), else the
        default. None for an auditor without packs (e.g. the leftover check)."""
        if item.platform is not None and self.policies:
            return self.policies[self.known_platform(item.platform)]
        return self.policies.get(self.default_platform or "")

    def audit(self, item: AuditInput, *, now: datetime | None = None) -> AuditResult:
        now = now or self.clock.now()
        text = prepared(item.text)
        recipient = item.recipient
        sig = self.signature_of(item)
        subject = Subject(item, text, {}, self.history, self.policy_for(item), now, sig,
                          personal_details(item, text), learned=self.learned)
        findings, contributions = self._run(self._applicable(item), subject)
        if subject.personal_details:
            credit = min(PERSONAL_CREDIT * len(subject.personal_details), PERSONAL_CREDIT_MAX)
            contributions.append(Contribution("personal detail", -credit,
                                              "; ".join(subject.personal_details)))
        score = max(0, min(100, sum(c.points for c in contributions)))
        subject.score, subject.hold_score = score, self.hold_score
        findings += self._run(self.score_rules, subject)[0]
        verdict = _worst(findings)
        labelled = None
        if verdict == "send" and self.labeller is not None:
            labelled, extra = self._label(item, subject)
            findings.extend(extra)
            verdict = _worst(findings)
        if self.record:
            self.history.record(recipient.id if recipient else None, now, item.text, sig)
        return AuditResult(item.id, verdict, score, findings, contributions,
                           labelled if verdict == "send" else None)

    def signature_of(self, item: AuditInput) -> Signature | None:
        """What :meth:`audit` compares with the history and records: only messages to a
        known recipient are compared with what went to others."""
        recipient = item.recipient
        if not self.needs_signature or recipient is None or not recipient.id:
            return None
        return remembered_signature(item.text,
                                    tuple(filter(None, (recipient.name, recipient.username))))

    def _applicable(self, item: AuditInput) -> list[ActiveRule]:
        """The draft rules that can say anything about this message, given what it carries."""
        recipient = item.recipient
        have = {"recipient"} if recipient is not None else set()
        if recipient is not None and recipient.id:
            have.add("recipient_id")
        if item.context is not None:
            have.add("context")
        if item.sent is not None:
            have.add("sent")
        key = frozenset(have)
        rules = self._by_data.get(key)
        if rules is None:
            rules = [a for a in self.draft_rules if a.rule.needs <= key]
            self._by_data[key] = rules
        return rules

    def check_final(self, item: AuditInput, *, now: datetime | None = None) -> list[Finding]:
        """Judge a text as it goes (or went) out: disclosure, opt-out line, length."""
        subject = Subject(item, prepared(item.text), {}, self.history, self.policy_for(item),
                          now or self.clock.now())
        return self._run(self.final_rules, subject)[0]

    def _label(self, item: AuditInput, subject: Subject) -> tuple[str | None, list[Finding]]:
        assert self.labeller is not None
        policy = subject.policy
        labeller = self.labeller
        if policy is not None and policy.max_length != labeller.max_length:
            labeller = Labeller(labeller.disclosure, labeller.opt_out, policy.max_length)
        try:
            labelled = labeller.apply(item.text, self.account_username)
        except LabelError as error:
            # Always a block, whatever the config says: the message cannot go out labelled.
            too_long = self.too_long_rule
            return None, [Finding(too_long.id, too_long.name, "block", str(error), None)]
        final = AuditInput(labelled, item.id, item.platform, item.recipient, item.context,
                           item.sent)
        return labelled, self.check_final(final, now=subject.now)

    def _run(self, rules: Iterable[ActiveRule],
             subject: Subject) -> tuple[list[Finding], list[Contribution]]:
        """Run ``rules`` on the subject; their findings are added to ``subject.found`` (so
        a later phase sees an earlier one's) and returned with the points they add."""
        findings: list[Finding] = []
        contributions: list[Contribution] = []
        text = subject.text
        hits = None  # the text's anchor hits, found when the first rule that scans asks
        for active in rules:
            slots = active.slots
            if slots is not None:
                if hits is None:
                    hits = text.anchor_hits
                if slots.isdisjoint(hits):
                    continue
            subject.options = active.options
            points = 0
            first_message = None
            rule = active.rule
            for hit in active.check(subject):
                severity: Severity = (
                    "warn" if hit.tentative and not active.severity_overridden
                    else active.severity
                )
                wanted = rule.points if hit.points is None else hit.points
                add = max(0, min(wanted, rule.max_points - points))
                points += add
                finding = Finding(rule.id, rule.name, severity, hit.message, hit.span, add)
                findings.append(finding)
                if not hit.answer:
                    subject.found.append(finding)
                first_message = first_message or hit.message
            if points:
                contributions.append(Contribution(f"{rule.id} {rule.name}", points,
                                                  first_message or ""))
        return findings, contributions


_VERDICTS: tuple[Verdict, ...] = ("send", "hold", "block")


def _worst(findings: list[Finding]) -> Verdict:
    if not findings:
        return "send"
    return _VERDICTS[max(SEVERITY_RANK[f.severity] for f in findings)]
