"""The rule catalogue is the single source of truth: ids, metadata, the score rule, defaults."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

from dmguard.audit.docs import catalogue_markdown
from dmguard.audit.engine import Auditor
from dmguard.audit.label import Labeller
from dmguard.audit.model import DEFAULT_HOLD_SCORE, AuditInput
from dmguard.audit.rules import by_id, catalogue, rule_ids, select, single
from dmguard.audit.rules.base import Subject, rule
from dmguard.clock import SimulatedClock
from dmguard.config import AuditConfig, Config, RuleSetting
from dmguard.policy import built_in_policies
from tests.conftest import ROOT, START

#: The audit's "now" in these tests (nothing here depends on the hour).
FIXED = SimulatedClock(START)

RULE_ID = re.compile(r"DG\d{3}")
CATALOGUE = ROOT / "dmguard" / "audit" / "rules"
FORM_LETTER = "Hi there! Check out our offers 🎉🎉🎉🎉 Use code SAVE20 for 20% off"


def _sources() -> list[Path]:
    return sorted(path for folder in ("dmguard", "bench") for path in (ROOT / folder).rglob("*.py")
                  if CATALOGUE not in path.parents)


def test_rule_ids_are_written_only_in_the_catalogue() -> None:
    sources = _sources()
    assert ROOT / "dmguard" / "audit" / "engine.py" in sources
    assert ROOT / "bench" / "eval.py" in sources
    stray = [f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
             for path in sources
             for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if RULE_ID.search(line)]
    assert not stray, "rule ids outside dmguard/audit/rules/ (ask the catalogue):\n" + "\n".join(
        stray)


def test_metadata_queries() -> None:
    assert rule_ids(where=lambda r: r.needs_similarity) == ("DG021", "DG071")
    assert rule_ids(where=lambda r: r.generic) == (
        "DG010", "DG011", "DG020", "DG021", "DG023", "DG026", "DG027", "DG028", "DG029", "DG048", "DG090")
    assert rule_ids(where=lambda r: r.template_leftover) == ("DG001", "DG004")
    assert single(lambda r: r.undisclosed).id == "DG102"
    assert single(lambda r: r.label_too_long).id == "DG084"
    assert rule_ids(where=lambda r: r.phase == "score") == ("DG090",)
    assert rule_ids() == tuple(by_id()) == tuple(r.id for r in select())


def test_single_insists_on_exactly_one_rule() -> None:
    with pytest.raises(LookupError, match="DG021"):
        single(lambda r: r.needs_similarity)
    with pytest.raises(LookupError):
        single(lambda r: False)


def test_the_rules_dg084_and_dg102_are_documented_with_examples() -> None:
    for rule_id in ("DG084", "DG102"):
        found = by_id()[rule_id]
        assert found.fails and found.passes
        assert found.section("Why") and found.section("Source")


def _auditor(rules: dict[str, RuleSetting] | None = None, **kwargs: object) -> Auditor:
    """The judge (DG095) is off: it would hold the form letter before the score could."""
    settings = {"DG095": RuleSetting(enabled=False), **(rules or {})}
    return Auditor(clock=FIXED, policies=built_in_policies(), default_platform="x",
                   record=False, rules=settings, **kwargs)  # type: ignore[arg-type]


def test_too_generic_holds_through_its_own_rule() -> None:
    result = _auditor().audit(AuditInput(FORM_LETTER))
    too_generic = [f for f in result.findings if f.rule == "DG090"]
    assert result.score >= DEFAULT_HOLD_SCORE
    assert len(too_generic) == 1 and too_generic[0].severity == "hold"
    assert result.verdict == "hold"
    assert too_generic[0].points == 0
    assert result.score == sum(c.points for c in result.contributions)


def test_disabling_too_generic_silences_the_score_however_high() -> None:
    off = _auditor(rules={"DG090": RuleSetting(enabled=False)}, hold_score=1)
    result = off.audit(AuditInput(FORM_LETTER))
    assert result.score >= DEFAULT_HOLD_SCORE
    assert "DG090" not in {f.rule for f in result.findings}
    assert result.verdict == "send"


def test_too_generic_severity_follows_the_config() -> None:
    warn = _auditor(rules={"DG090": RuleSetting(severity="warn")})
    result = warn.audit(AuditInput(FORM_LETTER))
    assert [f.severity for f in result.findings if f.rule == "DG090"] == ["warn"]
    assert result.verdict == "send"


def test_too_generic_judges_the_threshold_it_is_given() -> None:
    score = _auditor().audit(AuditInput(FORM_LETTER)).score
    at = _auditor(hold_score=score).audit(AuditInput(FORM_LETTER))
    above = _auditor(hold_score=score + 1).audit(AuditInput(FORM_LETTER))
    assert "DG090" in {f.rule for f in at.findings}
    assert "DG090" not in {f.rule for f in above.findings}


def test_too_generic_says_nothing_when_the_message_is_already_held() -> None:
    result = _auditor(hold_score=1).audit(AuditInput("Dear valued customer, we have an offer"))
    assert "DG010" in {f.rule for f in result.findings}
    assert "DG090" not in {f.rule for f in result.findings}


def test_the_score_rule_check_decides_on_its_own() -> None:
    too_generic = by_id()["DG090"]
    auditor = _auditor()
    subject = Subject(AuditInput("x"), None, {}, auditor.history, None,  # type: ignore[arg-type]
                      auditor.clock.now(), hold_score=40)
    assert list(too_generic.check(subject)) == []
    subject.score = 40
    assert [hit.message for hit in too_generic.check(subject)] == [
        "genericity score 40 reaches the hold threshold 40"]


def test_a_score_rule_cannot_add_points() -> None:
    with pytest.raises(TypeError, match="cannot add points"):
        rule("DG999", "scored", family="score", severity="hold", points=5, phase="score",
             fails=["x"], passes=["y"])(lambda subject: iter(()))


def test_a_label_that_does_not_fit_is_blocked_by_the_too_long_rule() -> None:
    auditor = _auditor(labeller=Labeller("[Automated]", "Reply STOP to opt out."),
                       rules={"DG084": RuleSetting(severity="warn")})
    text = "Hey, are we still on for lunch on Thursday? " + "y" * 9_950
    result = auditor.audit(AuditInput(text))
    assert len(text) <= 10_000
    assert [(f.rule, f.name, f.severity) for f in result.findings if f.rule == "DG084"] == [
        ("DG084", "too-long", "block")]
    assert result.verdict == "block" and result.labelled_text is None


def test_hold_score_has_one_default() -> None:
    hold_score = inspect.signature(Auditor).parameters["hold_score"].default
    assert hold_score == DEFAULT_HOLD_SCORE
    assert AuditConfig().hold_score == DEFAULT_HOLD_SCORE
    config = Config.model_validate({"accounts": [{"name": "default", "platform": "x"}]})
    assert Auditor.from_config(config, clock=FIXED).hold_score == DEFAULT_HOLD_SCORE
    assert _auditor().hold_score == DEFAULT_HOLD_SCORE
    assert f"({DEFAULT_HOLD_SCORE} unless set)" in catalogue_markdown()
    assert f"(default {DEFAULT_HOLD_SCORE})" in by_id()["DG090"].doc


def test_a_summary_that_names_a_severity_names_the_rules_own() -> None:
    """'Holds …' for a rule that only warns (DG043 said so) misleads whoever reads the list."""
    verbs = {"Holds": "hold", "Blocks": "block"}
    wrong = [rule.id for rule in catalogue()
             if rule.summary.split()[0] in verbs and verbs[rule.summary.split()[0]] != rule.severity]
    assert wrong == []


def test_a_summary_is_the_whole_first_paragraph() -> None:
    """A first paragraph wrapped over lines was cut after its first line in docs/rules.md."""
    assert all(rule.summary.endswith((".", ".)", '."')) for rule in catalogue())
    lure = single(lambda r: r.id == "DG049").summary
    assert lure.startswith("Finds the lures") and "private pictures" in lure


def test_the_plain_summary_has_no_markup() -> None:
    assert all("``" not in rule.plain_summary for rule in catalogue())
    assert "more than max_links links" in single(lambda r: r.id == "DG043").plain_summary
