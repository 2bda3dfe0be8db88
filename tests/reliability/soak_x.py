"""A simulated month on the strict X emulator (issue #14, "Done when").

In-process: a SimulatedClock drives ticks every 15 simulated minutes (no real
waiting); the account starts with 30 days of history (STOPs among it); 5 % of calls
fail (429, 500, 503, dropped before or after handling); mid-way the credits run out
(402, pricing.mdx "Credit balance") and later the app loses its DM permission (403
oauth1-permissions; on OAuth 2.0 the owner then signs in again); on other days a
usage cap (429 usage-capped), a project not enrolled and a locked account (403),
tokens refused (401) and a message to a user X does not know (400/404). Counted and
printed: duplicate DMs, messages failed for account-level reasons, pauses and
resumes, STOPs honoured, and the report's bill
against the emulator's ledger (pricing.mdx, "Deduplication": once per resource per
UTC day).

Authentication is OAuth 2.0 by default (``--oauth1`` for the four keys): the account
is a platform-x account whose user tokens, from the emulator's token endpoint, expire
every two hours of simulated time and are refreshed (and rotated) by dmguard itself.

    python -m tests.reliability.soak_x --days 30
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from unittest.mock import patch

from dmguard.clock import SimulatedClock
from dmguard.config import Config
from dmguard.platforms.sandbox.server import running
from dmguard.platforms.sandbox.state import Faults, SandboxState
from dmguard.platforms.x_oauth2 import SCOPES, TokenFile, TokenSet
from dmguard.report.data import build_report
from dmguard.store import NewMessage, Origin, Store
from dmguard.tick import build_runtime, run_send, run_tick
from tests.conftest import make_config

START = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)
STEP = timedelta(minutes=15)
#: How long after a STOP is listed a DM may still have been on its way (a tick and a send).
STOP_GRACE = timedelta(minutes=45)
CONFIRMATION = "Reply START"
ACCOUNT_WORDS = ("402", "credits", "permission", "oauth1", "forbidden", "401", "locked")


@dataclass
class Counts:
    days: int
    ticks: int = 0
    sent: int = 0
    duplicates: int = 0
    failed: int = 0
    failed_account_level: int = 0
    pauses: int = 0
    resumes: int = 0
    still_paused: bool = False
    stops: int = 0
    stops_broken: int = 0
    faults: Counter[str] = field(default_factory=Counter)
    oauth2: bool = False
    access_tokens: int = 0
    report_bill: float = 0.0
    ledger_bill: float = 0.0
    worst_day_gap: float = 0.0

    @property
    def bill_gap(self) -> float:
        return abs(self.report_bill - self.ledger_bill) / self.ledger_bill if self.ledger_bill else 0

    def ok(self) -> bool:
        return (self.duplicates == 0 and self.failed_account_level == 0 and not self.still_paused
                and self.pauses == self.resumes and self.stops_broken == 0
                and self.bill_gap <= 0.01)

    def lines(self) -> list[str]:
        return [f"simulated days {self.days}, ticks {self.ticks}, DMs sent {self.sent}",
                f"duplicate DMs {self.duplicates}",
                f"messages failed {self.failed}, for account-level reasons "
                f"{self.failed_account_level}",
                f"pauses {self.pauses}, resumed {self.resumes}, paused at the end "
                f"{self.still_paused}",
                f"STOPs {self.stops}, broken {self.stops_broken}",
                f"faults served {dict(self.faults)}",
                (f"OAuth 2.0: {self.access_tokens} access tokens issued (each lives 2 h)"
                 if self.oauth2 else "OAuth 1.0a"),
                f"bill: report ${self.report_bill:.3f}, ledger ${self.ledger_bill:.3f}, "
                f"gap {self.bill_gap:.4%} (worst day {self.worst_day_gap:.4%})"]


def _queue_to_nobody(store: Store, account_id: str) -> None:
    """A message to a user X does not know: 400/404 fails that message alone, for good."""
    contact_id, _ = store.people.upsert_contact(account_id, "999999999999", username="gone")
    store.messages.add(NewMessage(account_id=account_id, contact_id=contact_id,
                                  direction="out", origin=Origin.SUBMIT, kind="campaign",
                                  text="Your order has shipped.", state="queued",
                                  labelled_text="[Automated] Your order has shipped. STOP",
                                  verdict="send"), actor="soak")


def sign_in_again(state: SandboxState, folder: Path) -> None:
    """What the owner does after restoring the app's DM permission on OAuth 2.0: tokens
    refreshed meanwhile lost the dm.* scopes, so they run `dmguard auth x` again."""
    answer = state.issue_tokens(frozenset(SCOPES))
    TokenFile(folder / "x-oauth2.json").save(TokenSet.from_answer(answer, state.clock.now()))


def oauth2_account(config: Config, state: SandboxState, url: str, folder: Path) -> Config:
    """The account as a real X account on OAuth 2.0, its tokens granted by the emulator
    (the consent step of `dmguard auth x` is tested in tests/platforms/test_x_oauth2.py)."""
    account = config.accounts[0].model_copy(update={
        "platform": "x", "policy": "sandbox", "api_url": url, "auth": "oauth2",
        "token_file": folder / "x-oauth2.json"})
    state.register_oauth2_client("soak-client", account.redirect_uri)
    sign_in_again(state, folder)
    return config.model_copy(update={"accounts": [account]})


def soak(days: int, folder: Path, *, fault_rate: float = 0.05, seed: int = 7,
         oauth2: bool = True) -> Counts:
    rng = random.Random(seed)
    clock = SimulatedClock(START)
    state = SandboxState(clock, account_username="acme")
    counts = Counts(days)
    # 30 days of history: followers, conversations both ways, two STOPs.
    people = []
    for i in range(40):
        person = state.add_user(username=f"old{i}", name=f"Old {i}")
        state.follow(person.id)
        people.append(person.id)
    stops: dict[str, datetime] = {}
    for back in range(30, 0, -1):
        at = START - timedelta(days=back)
        who = people[back % len(people)]
        state.user_writes(who, f"hi, day -{back}", at=at)
        state.account_sends(who, f"thanks, day -{back}", at=at + timedelta(minutes=30))
    for who in people[:2]:
        state.user_writes(who, "STOP", at=START - timedelta(days=3))
        stops[who] = START - timedelta(days=3)
    config = make_config(folder)
    store = Store.open(config.store.path, clock)
    credit_day, permission_day = days // 3, (2 * days) // 3
    counts.oauth2 = oauth2
    # The OAuth 2.0 client id comes from the environment; patch.dict puts it back after
    # (the short form runs inside pytest).
    client = {f"{config.accounts[0].credentials_prefix}CLIENT_ID": "soak-client"}
    with patch.dict(os.environ, client if oauth2 else {}), \
            running(state, lifetime=24 * 3600) as server:
        if oauth2:
            config = oauth2_account(config, state, server.url, folder)
        runtime = build_runtime(config, config.accounts[0], store, sandbox_url=server.url)
        state.faults = Faults(rate=fault_rate, kinds=("429", "500", "503", "drop", "drop_after"),
                              seed=seed)
        paused = False
        end = START + timedelta(days=days)
        while clock.now() < end:
            now = clock.now()
            day, minute = (now - START).days, int((now - START).total_seconds() // 60) % 1440
            state.problems.credits_depleted = day == credit_day and 600 <= minute < 900
            # The other answers of response-codes-and-errors.mdx, one window each: a usage
            # cap (sends wait for the reset), a project not enrolled and a locked account
            # (the account pauses, then resumes by its live check), refused tokens (401).
            problems = state.problems
            problems.usage_capped = day == days // 5 and 120 <= minute < 240
            problems.client_not_enrolled = day == days // 2 and 60 <= minute < 180
            problems.account_locked = day == (3 * days) // 4 and 400 <= minute < 500
            problems.token_expired = day == days // 6 and 800 <= minute < 900
            if minute == 1005 and day == days // 2:
                _queue_to_nobody(store, "demo")
            lost = day == permission_day and 300 <= minute < 600
            if oauth2 and state.problems.permission_lost and not lost:
                sign_in_again(state, folder)
            state.problems.permission_lost = lost
            if minute % 240 == 0:
                newcomer = state.add_user(username=f"new{day}_{minute}", name=f"New {minute}")
                state.follow(newcomer.id)
                people.append(newcomer.id)
            if minute % 180 == 60:
                state.user_writes(rng.choice(people), "hello, a question about pricing")
            if minute == 720:
                who = rng.choice([p for p in people if p not in stops])
                stops[who] = state.user_writes(who, "STOP").listed_at or now
            summary = run_tick(runtime)
            run_send(runtime)
            counts.ticks += 1
            account = store.accounts.get("demo")
            now_paused = bool(account and account.paused_reason)
            if now_paused and not paused:
                counts.pauses += 1
            if paused and not now_paused:
                counts.resumes += 1
            paused = now_paused
            del summary
            clock.advance(STEP)
        # Quiet hour at the end: everything settles with no trouble switched on.
        counts.faults = state.faults.served + Counter()
        state.faults = Faults()
        for _ in range(8):
            run_tick(runtime)
            run_send(runtime)
            account = store.accounts.get("demo")
            if paused and not (account and account.paused_reason):
                counts.resumes += 1
                paused = False
            clock.advance(STEP)
    counts.still_paused = paused
    counts.access_tokens = len(state.access_tokens)
    sent = [e for e in state.sent_by_account() if e.created_at >= START]
    counts.sent = len(sent)
    counts.duplicates = sum(n - 1 for n in Counter((e.recipient_id, e.text) for e in sent).values()
                            if n > 1)
    failed = store.messages.in_state("demo", "failed", limit=100_000)
    counts.failed = len(failed)
    counts.failed_account_level = sum(
        1 for m in failed if any(word in (m.failure or "").lower() for word in ACCOUNT_WORDS))
    counts.stops = len(stops)
    # The one confirmation of a STOP is its honouring, not a breach of it.
    broken = [e for e in sent if e.recipient_id in stops and CONFIRMATION not in e.text
              and e.created_at > stops[e.recipient_id] + STOP_GRACE]
    counts.stops_broken = len(broken)
    for event in broken:
        print(f"after STOP at {stops[event.recipient_id]}: {event.created_at} {event.text!r}",
              file=sys.stderr)
    for offset in range((clock.now() - START).days + 1):
        day_date = (START + timedelta(days=offset)).date()
        report = build_report(store, ["demo"], day_date).accounts[0]
        ledger = state.ledger.total(day_date.isoformat())
        counts.report_bill += report.api_cost
        counts.ledger_bill += ledger
        if ledger:
            counts.worst_day_gap = max(counts.worst_day_gap, abs(report.api_cost - ledger) / ledger)
    store.close()
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--fault-rate", type=float, default=0.05)
    parser.add_argument("--oauth1", action="store_true", help="OAuth 1.0a keys, not OAuth 2.0")
    args = parser.parse_args(argv)
    logging.disable(logging.CRITICAL)  # the ticks' own lines; the counts are the point
    with tempfile.TemporaryDirectory() as folder:
        counts = soak(args.days, Path(folder), fault_rate=args.fault_rate,
                      oauth2=not args.oauth1)
    print("\n".join(counts.lines()))
    print("OK" if counts.ok() else "FAILED")
    return 0 if counts.ok() else 1


if __name__ == "__main__":
    sys.exit(main())
