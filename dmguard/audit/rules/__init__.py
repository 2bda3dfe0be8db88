"""The rule catalogue, registered explicitly by family.

It is the one place rule ids are written down. Code elsewhere asks it for rules by
their metadata (``rule_ids(where=lambda r: r.generic)``) instead of naming ids, so
a rule added to or removed from the catalogue reaches every caller.
"""

from __future__ import annotations

from collections.abc import Callable
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


def _every(rule: Rule) -> bool:
    return True


def select(where: Callable[[Rule], bool] = _every) -> tuple[Rule, ...]:
    """The catalogue's rules for which ``where`` holds, by id."""
    return tuple(r for r in catalogue() if where(r))


def rule_ids(where: Callable[[Rule], bool] = _every) -> tuple[str, ...]:
    """The ids of the rules for which ``where`` holds, sorted."""
    return tuple(r.id for r in select(where))


def single(where: Callable[[Rule], bool]) -> Rule:
    """The one rule for which ``where`` holds; an error if there is not exactly one."""
    found = select(where)
    if len(found) != 1:
        raise LookupError(f"expected one rule, the catalogue has {[r.id for r in found]}")
    return found[0]


__all__ = ["Example", "Hit", "Rule", "Subject", "by_id", "catalogue", "rule_ids", "select",
           "single"]
