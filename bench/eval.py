"""Measure the audit on ../shared/eval: automated caught, personal passed, SMS spam/ham.

Usage: python bench/eval.py [PATH] [--show-misses N]

Every row is audited on its text alone (no recipient, no context), each file as
one batch, as ``dmguard audit`` would. Prints figures; asserts nothing. The
corpus is a yardstick: nothing in dmguard is fitted to it.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

from dmguard.audit.engine import Auditor
from dmguard.audit.model import AuditInput
from dmguard.policy import built_in_policies

DEFAULT = Path(__file__).resolve().parents[1].parent / "shared" / "eval"


def rows(path: Path) -> list[tuple[str, str]]:
    if path.suffix == ".jsonl":
        with path.open(encoding="utf-8") as handle:
            return [(item["kind"], item["text"]) for item in map(json.loads, handle)]
    out = []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            label, _, text = line.rstrip("\n").partition("\t")
            if text:
                out.append((label, text))
    return out


def measure(path: Path, show_misses: int) -> dict[str, tuple[int, int]]:
    auditor = Auditor(policies=built_in_policies(), default_platform="x")
    tallies: dict[str, Counter[str]] = {}
    misses: list[tuple[str, str, list[str]]] = []
    for kind, text in rows(path):
        result = auditor.audit(AuditInput(text))
        tallies.setdefault(kind, Counter())[result.verdict] += 1
        wrong = result.verdict == "send" if kind in ("automated", "spam") else (
            result.verdict != "send")
        if wrong:
            misses.append((kind, text, [f"{f.rule}:{f.severity}" for f in result.findings]))
    for kind, text, rules in misses[:show_misses]:
        print(f"    miss [{kind}] {text[:110]!r} {rules}")
    return {kind: (sum(c.values()), c["send"]) for kind, c in tallies.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", nargs="?", type=Path, default=DEFAULT)
    parser.add_argument("--show-misses", type=int, default=0)
    args = parser.parse_args()
    if not args.path.is_dir():
        print(f"skipped: no eval corpus at {args.path}")
        return 0
    files = [args.path / "automated.jsonl", args.path / "personal.jsonl",
             args.path / "sms_spam" / "SMSSpamCollection"]
    for file in files:
        if not file.exists():
            print(f"{file.name}: absent, skipped")
            continue
        for kind, (total, sent) in sorted(measure(file, args.show_misses).items()):
            if kind in ("automated", "spam"):
                share, label = (total - sent) / total, "not sent (caught)"
            else:
                share, label = sent / total, "sent (passed)"
            print(f"{file.name:22} {kind:9} {total:5} rows  {share:7.2%} {label}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
