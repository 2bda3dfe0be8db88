"""Throughput and peak memory of the full audit.

Usage: python bench/audit.py [EVAL_PATH] [--history N]

1. The eval corpus (default ../shared/eval), every row audited on its text alone.
2. ``dmguard audit`` as a command on 10,000 short messages (start-up included):
   from a file (audited by one process per core) and through a pipe (one
   process), against the target of 12,000 messages a second; the start-up alone (a
   one-line file; the working directory's config/dmguard.toml, if any, is loaded as
   `dmguard audit` loads it); and proselint on the same messages in the same run, for
   the ratio. Every proselint round runs with a fresh, empty HOME, XDG_CACHE_HOME and
   XDG_CONFIG_HOME, so no cache can answer for it.
3. A generated history of N messages (default 100,000) to distinct recipients,
   with names, small edits and near-duplicate clusters, each message audited
   against all that came before it (the near-duplicate index grows to N); then the
   same with a made-up first name for every reader, so that no text comes twice (the
   audit remembers the work on a text that comes again, as a campaign's texts do).

Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from dmguard.audit.batch import parallel_workers
from dmguard.audit.engine import Auditor
from dmguard.audit.history import BatchHistory
from dmguard.audit.model import AuditInput, Context, Recipient
from dmguard.audit.rules.form_letter import near_duplicate
from dmguard.audit.rules.judge import looks_automated
from dmguard.cli import DEFAULT_CONFIG
from dmguard.clock import SystemClock
from dmguard.config import RuleSetting
from dmguard.policy import built_in_policies

DEFAULT = Path(__file__).resolve().parents[1].parent / "shared" / "eval"
FIRST = ["Amy", "Bob", "Carla", "Dev", "Eve", "Farid", "Gita", "Hugo", "Ines", "Jon", "Kai", "Lena"]
TEMPLATES = [
    "Hi {name}, thanks for the follow! Check out our new collection at https://shop.example.com",
    "Hey {name}, we are launching our spring sale next week with {pct}% off everything.",
    "Dear {name}, your account is eligible for an upgrade. Reply to learn more.",
    "{name}, loved your post about {topic}. Would you join our webinar on Thursday?",
]
TOPICS = ["rust", "sourdough", "climbing", "ceramics", "kubernetes", "jazz", "cycling"]


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


#: Rules switched off for a run (``--without-judge``: the rules alone, to compare the
#: engine with figures from before the statistical judge).
DISABLED: dict[str, RuleSetting] = {}


def auditor(history: BatchHistory | None = None) -> Auditor:
    return Auditor(policies=built_in_policies(), default_platform="x", history=history,
                   clock=SystemClock(), rules=DISABLED)


def corpus(path: Path) -> list[str]:
    texts: list[str] = []
    for name in ("automated.jsonl", "personal.jsonl"):
        file = path / name
        if file.exists():
            texts += [json.loads(line)["text"] for line in file.open(encoding="utf-8")]
    sms = path / "sms_spam" / "SMSSpamCollection"
    if sms.exists():
        texts += [line.partition("\t")[2] for line in sms.open(encoding="utf-8")]
    return texts


def rounds_summary(times: list[float], count: int) -> str:
    best, median = min(times), statistics.median(times)
    return (f"best {count / best:,.0f} messages/s ({best:.2f} s), median {count / median:,.0f} "
            f"messages/s ({median:.2f} s) over {len(times)} rounds")


def bench_corpus(path: Path, rounds: int) -> None:
    texts = corpus(path)
    if not texts:
        print(f"eval corpus: skipped (nothing at {path})")
        return
    engine = auditor()
    items = [AuditInput(text) for text in texts]
    for item in items[:200]:
        engine.audit(item)
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        for item in items:
            engine.audit(item)
        times.append(time.perf_counter() - started)
    print(f"eval corpus, {len(items):,} messages, text only: {rounds_summary(times, len(items))}; "
          f"peak RSS {peak_rss_mib():.0f} MiB")


TARGET = 12_000
"""Messages a second ``dmguard audit`` should reach on 10,000 short messages, start-up
included (issue #16)."""


def timed(command: list[str], stdin: Path | None = None, env: dict[str, str] | None = None
          ) -> float:
    """Wall time of ``command``; ``stdin`` is written to it through a real pipe (a file
    handed over as standard input would be a regular file, audited like one)."""
    data = stdin.read_bytes() if stdin is not None else b""
    started = time.perf_counter()
    subprocess.run(command, input=data, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, check=False, env=env)
    return time.perf_counter() - started


def fresh_home(tmp: Path, round_: int) -> dict[str, str]:
    """An environment whose HOME, cache and config folders are new and empty: no cache an
    earlier round (or run) left behind can answer, and no user config changes the checks."""
    home = tmp / f"home-{round_}"
    (home / "cache").mkdir(parents=True)
    (home / "config").mkdir()
    return {**os.environ, "HOME": str(home), "XDG_CACHE_HOME": str(home / "cache"),
            "XDG_CONFIG_HOME": str(home / "config")}


def bench_cli(path: Path, count: int = 10_000, rounds: int = 5) -> None:
    """``dmguard audit`` and proselint as commands on the same 10,000 short messages."""
    texts = [" ".join(t.split()) for t in corpus(path) if 0 < len(t) <= 280]
    if not texts:
        print("command line: skipped (no eval corpus)")
        return
    messages = [texts[i % len(texts)] for i in range(count)]
    bin_dir = Path(sys.executable).parent
    dmguard = shutil.which("dmguard", path=str(bin_dir)) or shutil.which("dmguard")
    proselint = shutil.which("proselint", path=str(bin_dir)) or shutil.which("proselint")
    if dmguard is None:
        print("command line: skipped (dmguard is not installed as a command)")
        return
    ours: list[float] = []
    piped: list[float] = []
    theirs: list[float] = []
    started: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        jsonl, txt = Path(tmp) / "messages.jsonl", Path(tmp) / "messages.txt"
        one = Path(tmp) / "one.jsonl"
        jsonl.write_text("".join(json.dumps({"id": str(i), "text": t}) + "\n"
                                 for i, t in enumerate(messages)), encoding="utf-8")
        one.write_text(json.dumps({"id": "0", "text": messages[0]}) + "\n", encoding="utf-8")
        txt.write_text("".join(t + "\n" for t in messages), encoding="utf-8")
        # rounds interleaved, so a burst of load elsewhere hits them all alike
        for round_ in range(rounds):
            ours.append(timed([dmguard, "audit", str(jsonl), "--format", "jsonl"]))
            piped.append(timed([dmguard, "audit", "-", "--format", "jsonl"], stdin=jsonl))
            started.append(timed([dmguard, "audit", str(one), "--format", "jsonl"]))
            if proselint:
                theirs.append(timed([proselint, "check", str(txt)],
                                    env=fresh_home(Path(tmp), round_)))

    def figures(times: list[float]) -> str:
        best, median = min(times), statistics.median(times)
        return (f"best {best:.2f} s = {count / best:,.0f} messages/s, median {median:.2f} s "
                f"= {count / median:,.0f} messages/s")

    print(f"`dmguard audit` on {count:,} short messages, start-up included, {rounds} rounds: "
          f"from a file ({parallel_workers()} process(es)) {figures(ours)}; "
          f"through a pipe (one process) {figures(piped)}")
    print(f"  start-up alone (a one-line file): best {min(started):.2f} s, median "
          f"{statistics.median(started):.2f} s"
          f"{' (config/dmguard.toml here is loaded)' if Path(DEFAULT_CONFIG).exists() else ''}")
    best = min(ours)
    print(f"  target {TARGET:,} messages/s ({count / TARGET:.2f} s): best round reaches "
          f"{count / best / TARGET:.0%} of it")
    if not theirs:
        print("  proselint: not installed, no ratio")
        return
    print(f"  proselint check on the same text, fresh cache each round: {figures(theirs)}; "
          f"dmguard is {min(theirs) / best:.1f}x proselint's speed (best rounds), "
          f"{statistics.median(theirs) / statistics.median(ours):.1f}x (medians)")


SYLLABLES = ["ka", "lo", "mi", "ne", "ra", "to", "su", "vi", "be", "da", "fo", "gu", "ha", "je",
             "pe", "qui", "ro", "sa", "te", "un", "ve", "wi", "xo", "ya", "zu", "an", "el", "or"]


def pseudo_word(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(1, 3)))


def generated(count: int, seed: int = 1, distinct: bool = False) -> list[AuditInput]:
    """60% from four campaign templates (names and words varied), 40% unique texts.

    The templates name the reader by one of twelve first names, so many rendered texts
    come again, as a campaign's do; with ``distinct`` every reader has a made-up first name
    of four syllables, so that (nearly) no text comes twice."""
    rng = random.Random(seed)
    items = []
    for index in range(count):
        first = ("".join(rng.choice(SYLLABLES) for _ in range(4)).capitalize() if distinct
                 else rng.choice(FIRST))
        name = f"{first} {rng.choice(FIRST)}son"
        if rng.random() < 0.6:
            text = rng.choice(TEMPLATES).format(name=name.split()[0], pct=rng.choice([10, 20, 30]),
                                                topic=rng.choice(TOPICS))
            if rng.random() < 0.3:
                text = text.replace("next week", "this week").replace("new", "latest")
        else:
            words = [pseudo_word(rng) if rng.random() < 0.7 else rng.choice(
                ["the", "and", "we", "you", "meet", "today", "see", "at", "is", "for"])
                for _ in range(rng.randint(8, 30))]
            text = f"Hi {name.split()[0]}, " + " ".join(words) + f" #{index}"
        items.append(AuditInput(text, str(index), "x", Recipient(id=str(index), name=name),
                                Context(kind="campaign", user_dmed_first=True)))
    return items


def bench_history(count: int, rounds: int, distinct: bool = False) -> None:
    items = generated(count, distinct=distinct)
    texts = len({item.text for item in items})
    times = []
    flagged = 0
    for _ in range(rounds):
        engine = auditor(BatchHistory())
        flagged = 0
        started = time.perf_counter()
        for item in items:
            result = engine.audit(item)
            flagged += any(f.rule == near_duplicate.id for f in result.findings)
        times.append(time.perf_counter() - started)
    names = "made-up first names" if distinct else "twelve first names"
    print(f"history of {count:,} messages to distinct recipients ({names}, {texts:,} distinct "
          f"texts), each audited against all before it: {rounds_summary(times, count)}; "
          f"{flagged:,} flagged as near-duplicates (60% are templated); "
          f"peak RSS {peak_rss_mib():.0f} MiB")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", nargs="?", type=Path, default=DEFAULT)
    parser.add_argument("--history", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--without-judge", action="store_true",
                        help="switch the statistical judge off (the rules alone)")
    args = parser.parse_args()
    if args.without_judge:
        DISABLED[looks_automated.id] = RuleSetting(enabled=False)
        print("the statistical judge is off: the rules alone")
    bench_corpus(args.path, max(args.rounds, 5))
    if not args.without_judge:
        bench_cli(args.path)
    bench_history(args.history, args.rounds)
    bench_history(args.history, args.rounds, distinct=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
