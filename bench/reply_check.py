"""What checking a personal reply against the account's recent DMs costs, and what it catches.

Usage: python bench/reply_check.py [--messages N] [--held H] [--eval PATH]

N DMs (default 43,200: X's 1,440 a day for the 30 days of ``audit.history_days``)
sent to distinct people are written to a scratch store, half from a few templates
with the recipient's name, half one-off texts; and H automated drafts for other people
that did not go out (default 5,000: a campaign the audit held for 4,000 people with
their names, and 1,000 one-off drafts held, blocked or cancelled). Then one person's
reply is checked (:func:`dmguard.reply_check.check_personal`) as a long personal text
(compared with all N and all H), a short thanks (not compared), a near-copy of a
template (refused as a form letter) and the held campaign with a word put in (refused as
others' draft), each timed over a few runs.

Then, when the evaluation corpus is there (``--eval``, default ``../shared/eval``; skipped
otherwise), how well a reply is told from a copy of a draft: each automated text of the
corpus (``automated.jsonl``, ``wider/automated.jsonl`` and 300 SMS spam messages, rendered
for "Alex") is a held draft, typed back with a filler word put in after every 1, 2, 3 or
4 words (half of them with the salutation changed too): the share refused is what is
caught. Against it, a personal text of the corpus with a run of 20-50 % of the draft's
words before or after it: the share refused is what a person who quotes a draft is
wrongly refused. For the held draft (:func:`~dmguard.reply_check.same_as_draft`), for the
draft held for someone else (:func:`~dmguard.reply_check.others_drafts`, the same measure
with each side's names) and for the draft as a DM other people got
(:func:`~dmguard.reply_check.others_with_copies`), and for a few values of
:data:`~dmguard.reply_check.SAME_WORDS`. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from review import NAMES, START, SYLLABLES, scratch_store  # bench/review.py, beside this file

from dmguard import reply_check, tasks
from dmguard.audit.similarity import signature
from dmguard.clock import SimulatedClock, iso
from dmguard.reply_check import check_personal, others_drafts, others_with_copies, same_as_draft
from dmguard.store import DraftText, OutboundText
from dmguard.store.bulk import SeedContact, SeedMessage
from dmguard.tasks import TaskError

#: Longer than review.py's: a near-copy must reach reply_check.MIN_WORDS to be compared.
TEMPLATES = ["Hi {n}! Thanks for following 😊 Check out my channel: https://yt.example/c",
             "Hey {n}, welcome to the family! Use code WELCOME10 for 10% off your first order",
             "{n}, our spring sale starts today: 30% off everything at shop.example this week"]
HELD = ("Hi {n}! Black Friday is here: 40% off every mug and vase in the shop, this weekend "
        "only. Grab yours before they are gone!")


EVAL = Path(__file__).resolve().parents[1].parent / "shared" / "eval"
FILLERS = ["so", "really", "just", "right", "now", "very", "so much", "single", "all", "the",
           "in", "actually", "truly", "here", "and", "also", "of course", "today"]
SALUTATIONS = ["Hi Alex!", "Hey Alex,", "Hello Alex!", "Dear Alex,"]
ALEX = ["Alex Doe"]


def _corpus(folder: Path) -> tuple[list[str], list[str]]:
    """The automated texts (as drafts long enough to compare) and the personal ones."""
    drafts = [json.loads(line)["text"] for name in ("automated.jsonl", "wider/automated.jsonl")
              for line in (folder / name).read_text(encoding="utf-8").splitlines() if line]
    spam = folder / "sms_spam" / "SMSSpamCollection"
    drafts += [line.split("\t", 1)[1] for line in spam.read_text(
        encoding="utf-8", errors="replace").splitlines() if line.startswith("spam\t")][:300]
    personal = [json.loads(line)["text"] for line in (folder / "personal.jsonl").read_text(
        encoding="utf-8").splitlines() if line]
    return ([d for d in drafts if signature(d, ALEX) is not None],
            [p for p in personal if len(p.split()) >= 8])


def _padded(rng: random.Random, draft: str, every: int) -> str:
    words: list[str] = []
    for number, word in enumerate(draft.split(), start=1):
        words.append(word)
        if number % every == 0:
            words.append(rng.choice(FILLERS))
    if rng.random() < 0.5:
        words = rng.choice(SALUTATIONS).split() + words[2:]
    return " ".join(words)


def _quoting(rng: random.Random, draft: str, personal: str, share: float) -> str:
    words = draft.split()
    length = max(2, int(len(words) * share))
    start = rng.randrange(0, max(1, len(words) - length))
    run = " ".join(words[start:start + length])
    return f"{personal} {run}" if rng.random() < 0.5 else f"{run} {personal}"


def _rate(check: Callable[[str, str], bool], pairs: list[tuple[str, str]]) -> float:
    return 100 * sum(check(reply, draft) for reply, draft in pairs) / len(pairs)


def accuracy(folder: Path) -> None:
    """What the draft check and the others check catch, and whom they wrongly refuse."""
    if not (folder / "automated.jsonl").exists():
        print(f"(no evaluation corpus at {folder}: accuracy skipped)")
        return
    rng = random.Random(3)
    drafts, personal = _corpus(folder)
    copies = [(_padded(rng, d, every), d) for d in drafts for every in (1, 2, 3, 4)]
    quotes = [(_quoting(rng, d, rng.choice(personal), share), d) for d in drafts
              for share in (0.2, 0.3, 0.4, 0.5)]

    def as_draft(reply: str, draft: str) -> bool:
        return same_as_draft(reply, draft, ALEX)

    def as_others(reply: str, draft: str) -> bool:
        return others_with_copies(reply, ALEX, 0, [OutboundText(draft, 1, "Alex Roe")]) > 0

    def as_others_draft(reply: str, draft: str) -> bool:
        return bool(others_drafts(reply, ALEX, [DraftText(1, draft, "held", 1, "Alex Roe",
                                                          "alexroe")]))

    print(f"{len(drafts)} drafts; {len(copies)} typed back with fillers, {len(quotes)} "
          "personal texts quoting 20-50 % of one")
    chosen = reply_check.SAME_WORDS
    for same in sorted({0.55, 0.6, chosen, 0.7, 0.75}):
        reply_check.SAME_WORDS = same
        for label, check in (("held draft", as_draft), ("held for another", as_others_draft),
                             ("others' DM", as_others)):
            mark = " (chosen)" if same == chosen else ""
            print(f"SAME_WORDS {same:.2f}{mark}, {label}: copies with fillers caught "
                  f"{_rate(check, copies):.1f} %, quoting replies refused "
                  f"{_rate(check, quotes):.2f} %")
    reply_check.SAME_WORDS = chosen


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=43_200)
    parser.add_argument("--held", type=int, default=5_000)
    parser.add_argument("--eval", type=Path, default=EVAL)
    arguments = parser.parse_args()
    count = arguments.messages
    rng = random.Random(5)
    clock = SimulatedClock(START + timedelta(days=30))
    store, config = scratch_store(clock)
    with store.atomic():
        for number in range(count):
            name = f"{rng.choice(NAMES)} {rng.choice(NAMES)}son"
            at = iso(START + timedelta(seconds=60 * number * 43_200 // max(count, 1)))
            contact = store.bulk.contact(SeedContact(account_id="demo", user_id=str(number),
                                                     name=name, first_seen_at=at))
            body = (rng.choice(TEMPLATES).format(n=name.split()[0]) if number % 2 else
                    " ".join("".join(rng.choice(SYLLABLES) for _ in range(rng.randint(1, 3)))
                             for _ in range(rng.randint(6, 25))))
            store.bulk.message(SeedMessage(
                account_id="demo", contact_id=contact, direction="out", origin="other",
                kind="unknown", text=body, state="sent", created_at=at, updated_at=at,
                sent_at=at))
        for number in range(arguments.held):
            name = f"{rng.choice(NAMES)} {rng.choice(NAMES)}son"
            at = iso(START + timedelta(days=29, seconds=number))
            contact = store.bulk.contact(SeedContact(account_id="demo", user_id=f"h{number}",
                                                     name=name, first_seen_at=at))
            campaign = number < arguments.held * 4 // 5
            body = (HELD.format(n=name.split()[0]) if campaign else
                    " ".join("".join(rng.choice(SYLLABLES) for _ in range(rng.randint(1, 3)))
                             for _ in range(rng.randint(6, 25))))
            store.bulk.message(SeedMessage(
                account_id="demo", contact_id=contact, direction="out", origin="submit",
                kind="campaign", text=body, created_at=at, updated_at=at, sent_at=None,
                state="held" if campaign else rng.choice(["held", "blocked", "cancelled"])))
    pat, _ = store.people.upsert_contact("demo", "pat", name="Pat Doe")
    task_id = tasks.open_task(store, config, "demo", pat, "reply", "wrote to the account")
    task = store.tasks.get(task_id or 0)
    assert task is not None
    for label, reply in (
            ("long personal reply", "Hi Pat, Sam here: the blue linen shirt you asked about "
                                    "is back in your size, and the Lisbon shop can hold one "
                                    "for you until Friday if you like."),
            ("short thanks", "You're welcome, glad I could help!"),
            ("near-copy of a template", "Hey Pat, welcome to the family! Use code WELCOME10 "
                                        "for 10% off your first order"),
            ("the held campaign, a word put in", HELD.format(n="Pat").replace(
                "every mug", "every single mug"))):
        times, outcome = [], "allowed"
        for _ in range(5):
            started = time.perf_counter()
            try:
                check_personal(store, config, task, reply)
            except TaskError as error:
                outcome = f"refused ({str(error)[:60]}…)"
            times.append(time.perf_counter() - started)
        print(f"{label}: {statistics.median(times) * 1000:,.0f} ms median of 5 "
              f"against {count:,} recent DMs and {arguments.held:,} drafts for others; "
              f"{outcome}")
    store.close()
    accuracy(arguments.eval)


if __name__ == "__main__":
    main()
