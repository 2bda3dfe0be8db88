"""What the report says X bills, against the strict emulator's ledger; the daily budget.

X bills each resource once per UTC day and a DM sent per request (xdevplatform/docs
x-api/getting-started/pricing.mdx, "Deduplication", "Credit consumption details",
"Owned Reads"); the emulator's ledger follows that page, the report must match it.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from dmguard.clock import SimulatedClock
from dmguard.platforms.sandbox.server import SandboxServer
from dmguard.platforms.sandbox.state import SandboxState
from dmguard.report.data import build_report
from dmguard.status import render_text, status
from dmguard.store import Store
from dmguard.tick import build_runtime, run_send, run_tick
from tests.conftest import make_config


def _day(tmp_path: Path, clock: SimulatedClock, state: SandboxState, server: SandboxServer,
         extra: str = "") -> tuple[Store, object]:
    config = make_config(tmp_path, extra)
    store = Store.open(config.store.path, clock)
    runtime = build_runtime(config, config.accounts[0], store, sandbox_url=server.url)
    people = []
    for i in range(27):
        user = state.add_user(username=f"p{i}", name=f"Person {i}")
        state.follow(user.id)
        people.append(user)
    run_tick(runtime)
    for minute in range(0, 24 * 60 - 10, 5):
        clock.advance(timedelta(minutes=5))
        if minute % 60 == 0:
            newcomer = state.add_user(username=f"n{minute}", name=f"New {minute}")
            state.follow(newcomer.id)
            state.user_writes(people[minute % 27].id, f"hello at {minute}")
        run_tick(runtime)
        run_send(runtime)
    return store, runtime


def test_the_report_bills_what_the_ledger_bills_over_a_day(
        tmp_path: Path, clock: SimulatedClock, sandbox_state: SandboxState,
        sandbox: SandboxServer) -> None:
    """A tick every 5 minutes for a day: the report's bill is the ledger's within 1 %,
    though the calls re-read the same followers and events hundreds of times."""
    store, _ = _day(tmp_path, clock, sandbox_state, sandbox)
    day = clock.now().date()
    report = build_report(store, ["demo"], day).accounts[0]
    ledger = sandbox_state.ledger.total(day.isoformat())
    assert ledger > 0
    assert abs(report.api_cost - ledger) <= 0.01 * ledger + 0.001, (report.bill,
                                                                     sandbox_state.ledger.by_kind())
    per_call = sum(call.cost for call in store.runs.api_calls("demo"))
    assert abs(per_call - sandbox_state.ledger.total()) < 0.01 * sandbox_state.ledger.total() + 1e-3
    assert report.api_cost < 5, "not the $21 a call-by-call price made of a 27-follower day"


def test_a_reached_budget_stops_follower_syncs_but_not_the_inbox(
        tmp_path: Path, clock: SimulatedClock, sandbox_state: SandboxState,
        sandbox: SandboxServer) -> None:
    config = make_config(tmp_path, "daily_budget = 0.05  # [costs] is the last table\n")
    store = Store.open(config.store.path, clock)
    runtime = build_runtime(config, config.accounts[0], store, sandbox_url=sandbox.url)
    for i in range(60):
        sandbox_state.follow(sandbox_state.add_user(username=f"p{i}", name=f"P {i}").id)
    run_tick(runtime)  # the first full pass and the inbox: 60 owned reads and more
    clock.advance(timedelta(minutes=5))
    late = sandbox_state.add_user(username="late", name="Late Follower")
    sandbox_state.follow(late.id)
    writer = sandbox_state.add_user(username="writer", name="Writer")
    sandbox_state.user_writes(writer.id, "STOP")
    follower_calls = len([c for c in store.runs.api_calls("demo") if c.endpoint == "followers"])
    summary = run_tick(runtime)
    assert summary.budget and "budget" in summary.budget
    assert summary.new_followers == 0
    assert len([c for c in store.runs.api_calls("demo")
                if c.endpoint == "followers"]) == follower_calls, "no follower read"
    assert summary.inbox.get("received", 0) == 1 and summary.inbox.get("opt_outs", 0) == 1
    text = render_text(status(store, config))
    assert "BUDGET reached" in text
    report = build_report(store, ["demo"], clock.now().date(), budget=0.05).accounts[0]
    assert any("daily budget" in line for line in report.attention)
    clock.advance(timedelta(days=1))
    assert run_tick(runtime).new_followers == 1, "a new UTC day: the syncs run again"
