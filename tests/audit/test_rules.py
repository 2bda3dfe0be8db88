"""Every rule's own examples run in both directions; the catalogue is complete and documented."""

from __future__ import annotations

from datetime import timedelta

import pytest

from dmguard.audit.docs import catalogue_markdown
from dmguard.audit.engine import Auditor
from dmguard.audit.history import BatchHistory
from dmguard.audit.rules import Rule, catalogue
from dmguard.audit.rules.base import Example, PriorHistory
from dmguard.audit.similarity import signature
from dmguard.clock import SimulatedClock
from dmguard.config import RuleSetting
from dmguard.policy import built_in_policies
from tests.conftest import ROOT, START

#: The audit's "now" in these tests (nothing here depends on the hour).
FIXED = SimulatedClock(START)

FAMILIES = {"template", "address", "form-letter", "pretending", "pushiness", "relevance",
            "sensitive", "frequency", "consent", "sent-history"}


def findings_of(rule: Rule, example: Example) -> list[str]:
    history = BatchHistory()
    recipient = example.recipient
    prior = example.history or PriorHistory()
    for index, text in enumerate(prior.similar):
        history.record(f"other-{index}", START, text, signature(text, ["Bob"]))
    for past in prior.sent:
        assert recipient is not None and recipient.id
        history.record(recipient.id, START - timedelta(hours=past.hours_ago), past.text,
                       signature(past.text, [recipient.name or ""]))
    if prior.opted_out:
        assert recipient is not None and recipient.id
        history.add_opt_out(recipient.id)
    # The judge (DG095) holds many examples written for other rules; DG090 only speaks when
    # nothing else held, so each rule's examples are judged without it (its own with it).
    judge_off = {} if rule.id == "DG095" else {"DG095": RuleSetting(enabled=False)}
    auditor = Auditor(clock=FIXED, history=history, policies=built_in_policies(), default_platform="x",
                      record=False, rules=judge_off)
    item = example.as_input()
    if rule.phase == "final":
        found = auditor.check_final(item, now=START)
    else:
        found = auditor.audit(item, now=START).findings
    return [finding.message for finding in found if finding.rule == rule.id]


CASES = [(rule.id, "fails", ex) for rule in catalogue() for ex in rule.fails] + [
    (rule.id, "passes", ex) for rule in catalogue() for ex in rule.passes]


@pytest.mark.parametrize(("rule_id", "direction", "example"), CASES,
                         ids=[f"{r}-{d}-{i}" for i, (r, d, _) in enumerate(CASES)])
def test_rule_example(rule_id: str, direction: str, example: Example) -> None:
    rule = next(r for r in catalogue() if r.id == rule_id)
    found = findings_of(rule, example)
    if direction == "fails":
        assert found, f"{rule_id} should flag {example.text!r}"
    else:
        assert not found, f"{rule_id} should not flag {example.text!r}: {found}"


def test_catalogue_ids_unique_documented_and_covering_every_family() -> None:
    rules = catalogue()
    assert len(rules) >= 15
    assert len({r.id for r in rules}) == len(rules)
    assert len({r.name for r in rules}) == len(rules)
    assert {r.family for r in rules} >= FAMILIES
    for rule in rules:
        assert rule.id.startswith("DG") and len(rule.id) == 5
        assert rule.fails and rule.passes, rule.id
        assert rule.section("Why") and rule.section("Source"), f"{rule.id} lacks Why/Source"


def test_docs_rules_md_is_generated_from_the_catalogue() -> None:
    assert (ROOT / "docs" / "rules.md").read_text() == catalogue_markdown(), (
        "docs/rules.md is stale: run `make docs`")
