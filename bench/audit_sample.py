"""Every audit result for a wide, fixed sample, one JSON line each: to prove a change to
the engine changes no result. Run it before and after, compare the files (``cmp``).

Usage: python bench/audit_sample.py OUT [EVAL_PATH]

The sample: the eval corpus (and its ``wider`` folder) on text alone; the same texts
again with recipients, profiles, contexts and platforms drawn at random (seeded) into
one shared history of sent messages, so the history rules fire; and the history
bench's generated messages. The clock is simulated, so two runs of the same code
write the same file.
"""

from __future__ import annotations

import json
import random
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from audit import DEFAULT, corpus, generated

from dmguard.audit.batch import standalone_auditor
from dmguard.audit.engine import Auditor
from dmguard.audit.history import BatchHistory
from dmguard.audit.model import AuditInput, AuditResult, Context, Recipient
from dmguard.clock import SimulatedClock
from dmguard.policy import built_in_policies


def main() -> int:
    out_path = Path(sys.argv[1])
    root = Path(sys.argv[2]) if len(sys.argv) > 2 else DEFAULT
    texts = corpus(root) + corpus(root / "wider")
    clock = SimulatedClock(datetime(2026, 1, 5, 12, tzinfo=UTC))
    with out_path.open("w", encoding="utf-8") as out:
        def emit(tag: str, result: AuditResult) -> None:
            out.write(tag + " " + json.dumps(result.as_json(), ensure_ascii=False) + "\n")

        plain = standalone_auditor(None, clock)
        for text in texts:
            emit("plain", plain.audit(AuditInput(text)))
        rng = random.Random(7)
        bios = [None, "Freelance potter in Lisbon", "Student at MIT, loves jazz", "Retired teacher"]
        rich = Auditor(policies=built_in_policies(), default_platform="x",
                       history=BatchHistory(), clock=clock)
        for index, text in enumerate(texts):
            recipient = Recipient(
                id=str(rng.randint(0, 2000)),
                name=rng.choice(["Amy Lee", "Bob", "Lee Amy", None, "Zoë Ångström"]),
                username=rng.choice([None, "amylee"]), bio=rng.choice(bios),
                location=rng.choice([None, "Lisbon"]))
            kind = rng.choice([None, "welcome", "campaign", "reply", "manual"])
            context = (Context(kind=kind, user_dmed_first=rng.choice([None, True, False]),
                               step=rng.choice([None, 1, 2]))
                       if kind or rng.random() < 0.3 else None)
            if index % 5 == 0:
                clock.advance(timedelta(hours=5))
            emit("rich", rich.audit(AuditInput(text, str(index),
                                               rng.choice([None, "x", "sandbox"]),
                                               recipient, context)))
        history = Auditor(policies=built_in_policies(), default_platform="x",
                          history=BatchHistory(), clock=clock)
        for item in generated(6000):
            emit("gen", history.audit(item))
    return 0


if __name__ == "__main__":
    sys.exit(main())
