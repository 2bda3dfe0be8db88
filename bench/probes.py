"""The audit on the probe sets of bench/probes: the figures per kind, and the dev set's misses.

Usage: python bench/probes.py [--show-misses]

Every row is audited on its text alone with the configuration ``dmguard audit`` uses
when it has none, as ``bench/eval.py`` does. Automated rows count as caught when the
verdict is not ``send``; personal rows as passed when it is. The held-out set's misses
are never printed (see bench/probes/README.md). Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from pathlib import Path

from eval import auditor, share

from dmguard.audit.model import AuditInput

PROBES = Path(__file__).resolve().parent / "probes"
SETS = (("dev", "dev.jsonl"), ("held out", "held_out.jsonl"), ("dev 2", "dev_2.jsonl"),
        ("held out 2", "held_out_2.jsonl"), ("dev 3", "dev_3.jsonl"),
        ("held out 3", "held_out_3.jsonl"), ("dev 4", "dev_4.jsonl"),
        ("held out 4", "held_out_4.jsonl"), ("dev 5", "dev_5.jsonl"),
        ("held out 5", "held_out_5.jsonl"), ("dev 6", "dev_6.jsonl"),
        ("held out 6", "held_out_6.jsonl"), ("dev 7", "dev_7.jsonl"),
        ("held out 7", "held_out_7.jsonl"), ("dev 8", "dev_8.jsonl"),
        ("held out 8", "held_out_8.jsonl"), ("dev 9", "dev_9.jsonl"),
        ("held out 9", "held_out_9.jsonl"), ("dev 10", "dev_10.jsonl"),
        ("held out 10", "held_out_10.jsonl"))
APART = frozenset({"notification"})
"""Automated kinds outside the totals: a transactional notice ("your order #4411 has
shipped") is automated but about the reader's own case, so sending it labelled is as right
as holding it. Its row shows how many the audit holds."""


def table(name: str, path: Path, show_misses: bool) -> None:
    engine = auditor(None)
    by_kind: dict[tuple[str, str], list[bool]] = defaultdict(list)
    misses: list[str] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        verdict = engine.audit(AuditInput(row["text"])).verdict
        right = (verdict != "send") == (row["kind"] == "automated")
        by_kind[(row["kind"], row["kind2"])].append(right)
        if not right and row["kind2"] not in APART:
            misses.append(f"    miss [{row['kind2']}] {verdict}: {row['text'][:110]!r}")
    print(f"\n### {name} ({path.name})\n")
    print("| kind | kind2 | right |")
    print("|---|---|---|")
    totals: dict[str, list[bool]] = defaultdict(list)
    for (kind, kind2), right in sorted(by_kind.items()):
        if kind2 in APART:
            print(f"| {kind} | {kind2} (held; not in the total) | {share(right)} |")
            continue
        totals[kind] += right
        print(f"| {kind} | {kind2} | {share(right)} |")
    for kind in ("automated", "personal"):
        print(f"| **{kind}** | **total** | **{share(totals[kind])}** |")
    if show_misses:
        print("\n".join(misses))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show-misses", action="store_true",
                        help="list the dev sets' misses")
    args = parser.parse_args()
    for name, file in SETS:
        table(name, PROBES / file, args.show_misses and name.startswith("dev"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
