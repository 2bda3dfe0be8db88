"""The rule catalogue, registered explicitly by family."""

from __future__ import annotations

from functools import lru_cache

from dmguard.audit.rules import (
    address,
    consent,
    form_letter,
    frequency,
    history,
    judge,
    pretending,
    pushiness,
    relevance,
    template,
)
from dmguard.audit.rules.base import Example, Hit, Rule, Subject

FAMILIES = (template, address, form_letter, pretending, pushiness, relevance, frequency, consent,
            history, judge)


@lru_cache(maxsize=1)
def catalogue() -> tuple[Rule, ...]:
    rules = tuple(sorted((r for module in FAMILIES for r in module.RULES), key=lambda r: r.id))
    ids = [r.id for r in rules]
    if len(set(ids)) != len(ids):
        raise RuntimeError(f"duplicate rule ids in the catalogue: {ids}")
    return rules


def by_id() -> dict[str, Rule]:
    return {r.id: r for r in catalogue()}


__all__ = ["Example", "Hit", "Rule", "Subject", "by_id", "catalogue"]
