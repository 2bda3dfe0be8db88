"""What the judge's learned layer costs: building it, and per message audited.

Usage: python bench/learned.py [--lessons N] [--messages M]

N lessons (default 1000, the most an audit reads: ``learning.LIMIT``) are made from
project-written templates with varied names and words: a third acceptable, a third
generic, a third personal. M drafts (default 5000), half like the lessons and half
not, are audited with the full rule set, with and without the layer. Prints the
layer's build time, µs per audit both ways, and how many drafts the layer moved
across the judge's threshold (no eval rows are used: this is about cost).
"""

from __future__ import annotations

import argparse
import random
import time
from datetime import UTC, datetime

from dmguard.audit.engine import Auditor
from dmguard.audit.history import BatchHistory
from dmguard.audit.judge.learned import LearnedLayer
from dmguard.audit.model import AuditInput, Recipient
from dmguard.audit.rules.judge import looks_automated
from dmguard.clock import SimulatedClock
from dmguard.config import Config

NAMES = ["Amy", "Bob", "Carla", "Dev", "Eve", "Farid", "Gita", "Hugo", "Ines", "Jon", "Kai"]
THINGS = ["pop-up", "menu", "workshop", "studio", "market stall", "sale", "tasting", "class"]
TEMPLATES = [
    "Hi {n}, we are a small {t} helping local brands grow online. Book a free call today.",
    "Hey {n}, our {t} opens on Friday and we would love to see you there, bring a friend!",
    "Hi {n}, thanks for the follow! We post a new {t} every week, have a look at our page.",
    "{n}, sorry I missed you at the {t} yesterday, are you around on Thursday afternoon?",
    "Hi {n}, the {t} is fully booked this week, but I kept a place for you next Tuesday.",
]
OTHERS = [
    "Are we still on for lunch on {t} day, {n}?",
    "{n}, your parcel left the warehouse this morning and should arrive tomorrow.",
    "Congrats on the new {t}, {n}! How did the first week go?",
]


def drafts(rng: random.Random, count: int, templates: list[str]) -> list[str]:
    return [rng.choice(templates).format(n=rng.choice(NAMES), t=rng.choice(THINGS))
            for _ in range(count)]


def timed_audits(auditor: Auditor, texts: list[str]) -> tuple[float, int]:
    """µs per audit and how many the judge held."""
    held = 0
    started = time.perf_counter()
    for number, text in enumerate(texts):
        result = auditor.audit(AuditInput(text, recipient=Recipient(id=str(number), name="X")))
        held += any(f.rule == looks_automated.id and f.severity != "warn" for f in result.findings)
    return (time.perf_counter() - started) / len(texts) * 1e6, held


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lessons", type=int, default=1000)
    parser.add_argument("--messages", type=int, default=5000)
    args = parser.parse_args()
    rng = random.Random(16)
    labels = ["acceptable", "generic", "personal"]
    lessons = [(text, labels[index % 3])
               for index, text in enumerate(drafts(rng, args.lessons, TEMPLATES))]
    started = time.perf_counter()
    layer = LearnedLayer(lessons)
    built_ms = (time.perf_counter() - started) * 1e3
    half = args.messages // 2
    texts = drafts(rng, half, TEMPLATES) + drafts(rng, args.messages - half, OTHERS)
    config = Config.model_validate({"accounts": [{"name": "bench", "platform": "x"}]})
    clock = SimulatedClock(datetime(2026, 11, 24, tzinfo=UTC))

    def auditor(learned: LearnedLayer | None) -> Auditor:
        return Auditor.from_config(config, platform="x", clock=clock, learned=learned,
                                   history=BatchHistory(sent=False), record=False)

    auditor(None).audit(AuditInput(texts[0]))  # load the model outside the timing
    started = time.perf_counter()
    for text in texts:
        layer.weigh(text, 0.5)
    weigh_us = (time.perf_counter() - started) / len(texts) * 1e6
    # Interleaved, best of three each: the machine's noise is larger than the difference.
    runs = [(timed_audits(auditor(None), texts), timed_audits(auditor(layer), texts))
            for _ in range(3)]
    plain_us, plain_held = min(run[0] for run in runs)
    learned_us, learned_held = min(run[1] for run in runs)
    print(f"lessons: {args.lessons}; layer built in {built_ms:.1f} ms "
          f"({len(layer.postings)} shingles indexed)")
    print(f"the layer alone: {weigh_us:.0f} µs/message")
    print(f"audit, full rule set: {plain_us:.0f} µs/message without the layer, "
          f"{learned_us:.0f} µs/message with it ({args.messages} drafts, best of 3)")
    print(f"held by the judge: {plain_held} without, {learned_held} with the layer "
          "(random lessons: this says it acts, not that it is right)")


if __name__ == "__main__":
    main()
