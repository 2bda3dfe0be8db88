"""Measure the audit on ../shared/eval, leaving each source unit out of the judge's fitting.

Usage: python bench/eval.py [PATH] [--show-misses N] [--threshold P]

Every row is audited on its text alone (no recipient, no context) with the
configuration ``dmguard audit`` uses when it has none, so the figures are those
of the full verdict: the rules plus the statistical judge (looks-automated).

- For every source unit of PATH (rows grouped by ``source`` repository or
  dataset) and of PATH/wider (by ``unit``), the judge is refitted without that
  whole unit and then judges it (leave one unit out). A unit the shipped model
  was never fitted on (its licence does not allow it) is judged by the model
  fitted on everything allowed, which has not seen it either.
- The SMS collection is judged by 5-fold cross-validation: each fold (by text,
  so duplicates stay together) is judged by a model fitted without it.

Automated/spam rows count as caught when the verdict is not ``send``; personal/ham
rows as passed when it is ``send``. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path

from dmguard.audit.engine import Auditor
from dmguard.audit.judge import Judge, overridden
from dmguard.audit.judge.train import (
    SMS_UNIT,
    Row,
    eval_sets,
    fit,
    fitting_rows,
    licence,
    sms_fold,
)
from dmguard.audit.model import AuditInput
from dmguard.audit.rules.judge import looks_automated
from dmguard.clock import SystemClock
from dmguard.config import Config

DEFAULT = Path(__file__).resolve().parents[1].parent / "shared" / "eval"


def auditor(threshold: float | None, judge: bool = True) -> Auditor:
    """The auditor of ``dmguard audit`` without a config file (X's policy, labels on)."""
    rules: dict[str, dict[str, object]] = {}
    if not judge:
        rules[looks_automated.id] = {"enabled": False}
    elif threshold is not None:
        rules[looks_automated.id] = {"threshold": threshold}
    config = Config.model_validate({"accounts": [{"name": "default", "platform": "x"}],
                                    "audit": {"rules": rules}})
    return Auditor.from_config(config, platform="x", record=False, clock=SystemClock())


def judged(engine: Auditor, judge: Judge, rows: Sequence[Row]) -> list[bool]:
    """For each row: did the audit get it right (automated held, personal sent)?"""
    with overridden(judge):
        return [(engine.audit(AuditInput(row.text)).verdict != "send") == row.automated
                for row in rows]


def share(right: list[bool]) -> str:
    return f"{sum(right) / len(right):6.1%} of {len(right):4}" if right else "       —     "


class Bench:
    def __init__(self, path: Path, threshold: float | None, show_misses: int) -> None:
        self.sets = eval_sets(path)
        self.base = fitting_rows(self.sets)
        self.full = fit(self.base)
        self.fits: dict[str, Judge] = {}
        self.with_judge = auditor(threshold)
        self.rules_only = auditor(threshold, judge=False)
        self.show_misses = show_misses

    def without(self, unit: str, keep: Callable[[Row], bool] | None = None) -> Judge:
        """The judge fitted on every allowed row but ``unit``'s (or those ``keep`` refuses)."""
        if keep is None and not any(row.unit == unit for row in self.base):
            return self.full
        key = unit if keep is None else f"{unit}/custom"
        if key not in self.fits or keep is not None:
            chosen = keep or (lambda row: row.unit != unit)
            self.fits[key] = fit([row for row in self.base if chosen(row)])
        return self.fits[key]

    def table(self, name: str) -> None:
        rows = self.sets.get(name)
        if not rows:
            print(f"\n{name}: absent, skipped")
            return
        units: dict[str, list[Row]] = defaultdict(list)
        for row in rows:
            units[row.unit].append(row)
        print(f"\n### {name}: leave one unit out ({len(units)} units, {len(rows)} rows)\n")
        print("| unit | in shipped fit | automated caught (rules only → with judge) "
              "| personal passed (rules only → with judge) |")
        print("|---|---|---|---|")
        totals: dict[str, list[bool]] = defaultdict(list)
        misses: list[str] = []
        for unit in sorted(units, key=lambda u: (-len(units[u]), u)):
            group = units[unit]
            judge = self.without(unit)
            before = judged(self.rules_only, judge, group)
            after = judged(self.with_judge, judge, group)
            cells = []
            for automated in (True, False):
                b = [ok for ok, row in zip(before, group, strict=True) if row.automated == automated]
                a = [ok for ok, row in zip(after, group, strict=True) if row.automated == automated]
                totals[f"{automated}-rules"] += b
                totals[f"{automated}-judge"] += a
                cells.append(f"{share(b)} → {share(a)}" if a else "—")
            misses += [f"    miss [{unit[:40]}] {row.text[:100]!r}"
                       for ok, row in zip(after, group, strict=True) if not ok]
            fitted = "yes" if licence(unit)[1] else "no"
            print(f"| {unit} | {fitted} | {cells[0]} | {cells[1]} |")
        print(f"| **total** | | **{share(totals['True-rules'])} → {share(totals['True-judge'])}** "
              f"| **{share(totals['False-rules'])} → {share(totals['False-judge'])}** |")
        for line in misses[: self.show_misses]:
            print(line)

    def sms(self, folds: int = 5) -> None:
        rows = self.sets.get("sms")
        if not rows:
            print("\nsms: absent, skipped")
            return
        spam: list[bool] = []
        ham: list[bool] = []
        spam_rules: list[bool] = []
        ham_rules: list[bool] = []
        for fold in range(folds):
            part = [row for row in rows if sms_fold(row.text, folds) == fold]
            judge = self.without(SMS_UNIT, lambda row, fold=fold: row.unit != SMS_UNIT
                                 or sms_fold(row.text, folds) != fold)
            after = judged(self.with_judge, judge, part)
            before = judged(self.rules_only, judge, part)
            for ok, was, row in zip(after, before, part, strict=True):
                (spam if row.automated else ham).append(ok)
                (spam_rules if row.automated else ham_rules).append(was)
        print(f"\n### SMS Spam Collection, {folds}-fold cross-validation (each fold judged by a "
              "model fitted without it)\n")
        print(f"spam caught: {share(spam_rules)} rules only → {share(spam)} with judge")
        print(f"ham passed:  {share(ham_rules)} rules only → {share(ham)} with judge")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", nargs="?", type=Path, default=DEFAULT)
    parser.add_argument("--show-misses", type=int, default=0)
    parser.add_argument("--threshold", type=float, default=None,
                        help="the judge rule's threshold (default: the rule's own)")
    args = parser.parse_args()
    if not args.path.is_dir():
        print(f"skipped: no eval corpus at {args.path}")
        return 0
    bench = Bench(args.path, args.threshold, args.show_misses)
    for name in ("eval", "wider"):
        bench.table(name)
    bench.sms()
    return 0


if __name__ == "__main__":
    sys.exit(main())
