"""The one check for words that are not a form letter: no template leftovers.

A personal reply a person wrote, and the fixed answer dmguard gives to a STOP or a
START, are not judged as automated messages (they are not: a person wrote the one,
the other answers the person's own request). What a template leaves behind
(``{first_name}``, ``[NAME]``, ``%s``) must still never reach anyone, so these texts
run the rules marked ``template_leftover`` and nothing else. The human queue uses it
before a reply goes out; the review of sent DMs uses it after.
"""

from __future__ import annotations

from dmguard.audit.engine import Auditor
from dmguard.audit.model import AuditInput, Finding
from dmguard.audit.rules import catalogue
from dmguard.clock import Clock
from dmguard.config import RuleSetting


def leftover_auditor(clock: Clock) -> Auditor:
    """An auditor running only the template-leftover rules, recording nothing in history."""
    only_template = {rule.id: RuleSetting(enabled=rule.template_leftover) for rule in catalogue()}
    return Auditor(rules=only_template, record=False, clock=clock)


def leftovers(text: str, clock: Clock) -> list[Finding]:
    """What a template left behind in ``text`` (empty when nothing)."""
    return leftover_auditor(clock).audit(AuditInput(text)).findings
