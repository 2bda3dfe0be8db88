"""The after-the-fact review of sent DMs: speed over 100k, and what it flags on real messages.

Usage: python bench/review.py [--messages N] [--eval PATH]

1. N DMs "sent by other tools" (default 100,000) are written to a scratch store:
   40% from welcome/promo templates sent seconds after a follow or in bursts, 60%
   one-off personal messages at human times. The whole history is reviewed once.
2. ../shared/eval (skipped when absent): every automated text is loaded as a
   welcome DM sent 2-40 s after a follow to three new followers (its "Alex"
   becoming each one's name); every personal text as a DM sent at a random time
   to someone who wrote first. Prints the share of each flagged as automated.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from dmguard.audit.sent import review
from dmguard.clock import SimulatedClock, iso
from dmguard.config import Config, parse_config
from dmguard.store import Store
from dmguard.store.bulk import SeedContact, SeedMessage

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_EVAL = ROOT.parent / "shared" / "eval"
START = datetime(2026, 11, 1, tzinfo=UTC)
NAMES = ["Amy", "Bob", "Carla", "Dev", "Eve", "Farid", "Gita", "Hugo", "Ines", "Jon", "Kai"]
TEMPLATES = ["Hi {n}! Thanks for following 😊 Check out my channel: https://yt.example/c",
             "Hey {n}, welcome to the family! Use code WELCOME10 for 10% off",
             "{n}, our spring sale starts today: 30% off everything at shop.example"]
SYLLABLES = ["ka", "lo", "mi", "ne", "ra", "to", "su", "vi", "be", "da", "fo", "gu", "ha"]


def scratch_store(clock: SimulatedClock) -> tuple[Store, Config]:
    folder = Path(tempfile.mkdtemp(prefix="dmguard-review-"))
    text = (ROOT / "config" / "dmguard.toml").read_text().replace(
        'path = "var/dmguard.db"', f'path = "{folder / "review.db"}"')
    config = parse_config(text, Path("config/dmguard.toml"))
    store = Store.open(config.store.path, clock)
    store.accounts.ensure("demo", "x")
    return store, config


def write(store: Store, rows: list[tuple[str, str, datetime, datetime | None]]) -> None:
    """rows: (recipient name, text, sent at, followed at)."""
    with store.atomic():
        for number, (name, text, sent_at, followed_at) in enumerate(rows):
            contact = store.bulk.contact(SeedContact(
                account_id="demo", user_id=str(number), username=f"u{number}", name=name,
                first_seen_at=iso(sent_at), followed_at=iso(followed_at) if followed_at else None))
            store.bulk.message(SeedMessage(
                account_id="demo", contact_id=contact, direction="out", origin="other",
                kind="unknown", text=text, state="sent", created_at=iso(sent_at),
                updated_at=iso(sent_at), sent_at=iso(sent_at)))


def speed(count: int) -> None:
    rng = random.Random(3)
    clock = SimulatedClock(START + timedelta(days=31))
    store, config = scratch_store(clock)
    rows = []
    bot, person = START, START
    while len(rows) < count:
        name = f"{rng.choice(NAMES)} {rng.choice(NAMES)}son"
        if rng.random() < 0.4:
            # a welcome bot: seconds after each follow, in bursts when follows come in waves
            bot += timedelta(seconds=rng.choice([2, 3, 4, 600, 1800]))
            follow = bot - timedelta(seconds=rng.randint(2, 40))
            rows.append((name, rng.choice(TEMPLATES).format(n=name.split()[0]), bot, follow))
        else:
            person += timedelta(seconds=rng.randint(300, 6 * 3600) // 25)
            words = " ".join("".join(rng.choice(SYLLABLES) for _ in range(rng.randint(1, 3)))
                             for _ in range(rng.randint(6, 25)))
            rows.append((name, f"{words}, {name.split()[0]}?", person, None))
    rows.sort(key=lambda row: row[2])
    write(store, rows)
    started = time.perf_counter()
    reviewed = flagged = templated = 0
    for item in review(store, config, "demo", START):
        reviewed += 1
        flagged += item.looks_automated
        templated += not item.message.text.endswith("?")
    elapsed = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"reviewed {reviewed:,} stored sent DMs in {elapsed:.2f} s "
          f"({reviewed / elapsed:,.0f}/s), verdicts stored; {flagged:,} look automated "
          f"({templated:,} were sent from templates); peak RSS {peak:.0f} MiB")
    store.close()


def real_messages(path: Path) -> None:
    automated = path / "automated.jsonl"
    personal = path / "personal.jsonl"
    if not automated.exists() or not personal.exists():
        print(f"eval as sent history: skipped (no corpus at {path})")
        return
    rng = random.Random(11)
    clock = SimulatedClock(START + timedelta(days=40))
    store, config = scratch_store(clock)
    rows, kinds = [], []
    moment = START
    for line in automated.open(encoding="utf-8"):
        text = json.loads(line)["text"]
        for _ in range(3):
            name = f"{rng.choice(NAMES)} {rng.choice(NAMES)}son"
            moment += timedelta(minutes=rng.randint(3, 90))
            follow = moment - timedelta(seconds=rng.randint(2, 40))
            rows.append((name, text.replace("Alex", name.split()[0]), moment, follow))
            kinds.append("automated")
    for line in personal.open(encoding="utf-8"):
        moment_personal = START + timedelta(seconds=rng.randint(0, 35 * 86400))
        rows.append((f"{rng.choice(NAMES)} Doe", json.loads(line)["text"], moment_personal, None))
        kinds.append("personal")
    write(store, rows)
    flagged = {"automated": 0, "personal": 0}
    totals = {"automated": 0, "personal": 0}
    by_text = {text: kind for (_, text, _, _), kind in zip(rows, kinds, strict=True)}
    for item in review(store, config, "demo", START - timedelta(days=1)):
        kind = by_text[item.message.text]
        totals[kind] += 1
        flagged[kind] += item.looks_automated
    for kind in ("automated", "personal"):
        print(f"eval as sent history: {kind:9} {totals[kind]:5} DMs, "
              f"{flagged[kind] / totals[kind]:7.2%} flagged as automated")
    store.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--eval", type=Path, default=DEFAULT_EVAL)
    args = parser.parse_args()
    speed(args.messages)
    real_messages(args.eval)
    return 0


if __name__ == "__main__":
    sys.exit(main())
