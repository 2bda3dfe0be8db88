"""Measure the audit on ../shared/eval, leaving each source unit out of the judge's fitting.

Usage: python bench/eval.py [PATH] [--show-misses N] [--threshold P] [--choose-threshold]

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
- The eval folders rendered every template with the one name "Alex". Each table
  also judges its templated automated rows again with that name replaced by each
  of :data:`NAMES` (none of them used in fitting), so that a figure resting on
  the one name would show, and again with the slot filled the way platforms often
  fill it (``@sam_k``, ``sam_k``, ``sam``) for a recipient the audit knows.

Automated/spam rows count as caught when the verdict is not ``send``; personal/ham
rows as passed when it is ``send``. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import sys
import time
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
    rendered,
    rule_findings,
    sms_fold,
)
from dmguard.audit.model import AuditInput, Recipient
from dmguard.audit.rules.judge import looks_automated
from dmguard.clock import SystemClock
from dmguard.config import Config

DEFAULT = Path(__file__).resolve().parents[1].parent / "shared" / "eval"
HANDLE = Recipient(username="sam_k", name="sam")
"""A recipient whose slot a platform fills with ``@sam_k``, ``sam_k`` or ``sam``."""
NAMES = ("Sam", "Olumide", "Sigrún", "Bartholomew", "Noa", "Mehmet", "Anneliese", "Kai")
"""Names the templated rows are re-rendered with (not among the names fitting uses)."""


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


def judged(engine: Auditor, judge: Judge, rows: Sequence[Row],
           recipient: Recipient | None = None) -> list[bool]:
    """For each row: did the audit get it right (automated held, personal sent)?"""
    with overridden(judge):
        return [(engine.audit(AuditInput(row.text, recipient=recipient)).verdict != "send")
                == row.automated for row in rows]


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
        """The judge fitted on every allowed row but ``unit``'s (or those ``keep`` refuses;
        ``unit`` then names that choice, and the fit is kept under that name)."""
        if keep is None and not any(row.unit == unit for row in self.base):
            return self.full
        if unit not in self.fits:
            chosen = keep or (lambda row: row.unit != unit)
            self.fits[unit] = fit([row for row in self.base if chosen(row)])
        return self.fits[unit]

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
        renamed: list[bool] = []
        handled: list[bool] = []
        for unit in sorted(units, key=lambda u: (-len(units[u]), u)):
            group = units[unit]
            judge = self.without(unit)
            templated = [row for row in group if row.automated and rendered(row, NAMES[:1]) != row]
            for name in NAMES:
                renamed += judged(self.with_judge, judge, [rendered(row, (name,)) for row in templated])
            for slot in ("@sam_k", "sam_k", "sam"):
                handled += judged(self.with_judge, judge, [rendered(row, (slot,)) for row in templated],
                                  HANDLE)
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
        if renamed:
            print(f"\ntemplated automated rows re-rendered with {len(NAMES)} other names: "
                  f"{share(renamed)} caught")
            print(f"the same slot filled with @sam_k, sam_k or sam (recipient known): "
                  f"{share(handled)} caught")
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
            judge = self.without(f"{SMS_UNIT}#{fold}/{folds}", lambda row, fold=fold: row.unit
                                 != SMS_UNIT or sms_fold(row.text, folds) != fold)
            after = judged(self.with_judge, judge, part)
            before = judged(self.rules_only, judge, part)
            for ok, was, row in zip(after, before, part, strict=True):
                (spam if row.automated else ham).append(ok)
                (spam_rules if row.automated else ham_rules).append(was)
        print(f"\n### SMS Spam Collection, {folds}-fold cross-validation (each fold judged by a "
              "model fitted without it)\n")
        print(f"spam caught: {share(spam_rules)} rules only → {share(spam)} with judge")
        print(f"ham passed:  {share(ham_rules)} rules only → {share(ham)} with judge")


    def scored(self, name: str) -> list[tuple[Row, bool, float]]:
        """For each row of ``name`` (``eval`` by leaving its unit out, ``sms`` by 5 folds): is
        it held by the named rules alone, and the judge's probability."""
        rows = self.sets.get(name, [])
        out = []
        for row in rows:
            if name == "sms":
                fold = sms_fold(row.text)
                judge = self.without(f"{SMS_UNIT}#{fold}/5", lambda r, fold=fold: r.unit
                                     != SMS_UNIT or sms_fold(r.text) != fold)
            else:
                judge = self.without(row.unit)
            held = self.rules_only.audit(AuditInput(row.text)).verdict != "send"
            probability = judge.probability(row.text, rule_findings(row.text)) \
                if row.text.strip() else 0.0
            out.append((row, held, probability))
        return out

    def choose_threshold(self) -> float:
        """The threshold rule (README): the lowest threshold on a 0.01 grid from 0.50 to 0.95
        that passes >= 98 % of the ``eval`` personal rows (leave one unit out) and >= 99 % of
        the SMS ham (5-fold). It does not look at ``wider``."""
        personal = [(held, p) for row, held, p in self.scored("eval") if not row.automated]
        ham = [(held, p) for row, held, p in self.scored("sms") if not row.automated]
        for step in range(50, 96):
            threshold = step / 100
            passed = sum(not held and p < threshold for held, p in personal) / len(personal)
            ham_passed = sum(not held and p < threshold for held, p in ham) / max(1, len(ham))
            print(f"threshold {threshold:.2f}: eval personal passed {passed:.2%}, "
                  f"SMS ham passed {ham_passed:.2%}")
            if passed >= 0.98 and (not ham or ham_passed >= 0.99):
                return threshold
        return 0.95


def judge_speed(sets: dict[str, list[Row]], repeats: int = 3) -> None:
    """Time the shipped judge's fast path (``Judge.judge``, no reasons) over every text."""
    from dmguard.audit.judge import active
    from dmguard.audit.text import Prepared

    judge = active()
    texts = [Prepared(row.text) for rows in sets.values() for row in rows]
    for text in texts[:200]:  # the per-word cache fills as in a running daemon
        judge.judge(text, explain_from=2.0)
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        for text in texts:
            judge.judge(text, explain_from=2.0)
        best = min(best, time.perf_counter() - start)
    print(f"\njudge speed: {len(texts)} messages, {best / len(texts) * 1e6:.1f} µs a message "
          f"(Judge.judge on prepared text, shipped model, best of {repeats})")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", nargs="?", type=Path, default=DEFAULT)
    parser.add_argument("--show-misses", type=int, default=0)
    parser.add_argument("--threshold", type=float, default=None,
                        help="the judge rule's threshold (default: the rule's own)")
    parser.add_argument("--choose-threshold", action="store_true",
                        help="apply the threshold rule of the judge's README and print its choice")
    args = parser.parse_args()
    if not args.path.is_dir():
        print(f"skipped: no eval corpus at {args.path}")
        return 0
    bench = Bench(args.path, args.threshold, args.show_misses)
    if args.choose_threshold:
        print(f"chosen: {bench.choose_threshold():.2f}")
        return 0
    for name in ("eval", "wider"):
        bench.table(name)
    bench.sms()
    judge_speed(bench.sets)
    return 0


if __name__ == "__main__":
    sys.exit(main())
