"""store.reports: the daily report's counts over one account's day."""

from __future__ import annotations

from datetime import timedelta

from dmguard.audit.model import Finding
from dmguard.clock import SimulatedClock
from dmguard.report.data import day_bounds
from dmguard.store import Judgement, NewTask, Origin, Store
from dmguard.store.reports import DayTally, StateMoves
from tests.conftest import START
from tests.store.conftest import add

DAY = day_bounds(START.date(), "UTC")


def send(store: Store, message_id: int, labelled: bool = True) -> None:
    store.messages.transition(message_id, ("queued",), "sending", "sender")
    store.messages.transition(message_id, ("sending",), "sent", "sender", sent_at=store.now(),
                              labelled_text="[Automated] hi" if labelled else None)


def test_moves_and_tallies_by_origin(store: Store, amy: int) -> None:
    for origin in (Origin.SUBMIT, Origin.SYSTEM, Origin.HUMAN):
        send(store, add(store, amy, origin=origin), labelled=origin != Origin.HUMAN)
    held = add(store, amy, state="audited")
    store.messages.transition(held, ("audited",), "held", "audit")
    add(store, amy, direction="in", origin=Origin.PERSON, state="received", sent_at=store.now())
    moves = set(store.reports.moves("a", *DAY))
    assert StateMoves("held", "submit", 1) in moves
    assert {m.origin for m in moves if m.to_state == "sent"} == {"submit", "system", "human"}
    tallies = {(t.direction, t.origin, t.state, t.labelled): t.count
               for t in store.reports.message_tallies("a", *DAY)}
    assert tallies == {("out", "submit", "sent", True): 1, ("out", "system", "sent", True): 1,
                       ("out", "human", "sent", False): 1, ("in", "person", "received", False): 1}
    assert store.reports.moves("a", *day_bounds(START.date() + timedelta(days=1), "UTC")) == []


def test_top_rules_and_other_tools(store: Store, amy: int) -> None:
    generic = Finding("DG010", "generic-salutation", "hold", "generic", None)
    own = add(store, amy, text="Dear customer")
    store.messages.add_findings(own, [generic])
    [top] = store.reports.top_rules("a", *DAY)
    assert (top.rule, top.count, top.example) == ("DG010", 1, "Dear customer")
    other = add(store, amy, origin=Origin.OTHER, state="sent", sent_at=store.now(), text="Hey!")
    undisclosed = Finding("DG102", "undisclosed", "hold", "no label", None)
    store.messages.save_verdicts([Judgement(other, "hold", 70, [generic, undisclosed], False)])
    seen = store.reports.other_tools("a", *DAY, generic_rules=("DG010",),
                                     undisclosed_rule="DG102")
    assert (seen.automated, seen.undisclosed, seen.generic) == (1, 1, 1)
    [worst] = store.reports.worst_other("a", *DAY)
    assert (worst.rules, worst.score, worst.text) == ("DG010,DG102", 70, "Hey!")


def test_tasks_opt_outs_calls_and_failures(store: Store, amy: int,
                                           clock: SimulatedClock) -> None:
    due = (clock.now() + timedelta(minutes=30)).isoformat()
    answered = store.tasks.add(NewTask("a", amy, "reply", "wrote", 50, due), "inbox")
    store.tasks.add(NewTask("a", amy, "hold", "generic", 30, due), "audit")
    clock.advance(timedelta(minutes=12))
    store.tasks.set_reply(answered, add(store, amy, origin=Origin.HUMAN))
    store.tasks.change(answered, ("open",), "replied", "sam", state="done",
                       closed_at=store.now())
    clock.advance(timedelta(hours=1))
    tally = store.reports.task_tally("a", *DAY, store.now())
    assert (tally.opened, tally.closed, tally.open, tally.overdue) == (2, 1, 1, 1)
    [reply] = store.reports.closed_replies("a", *DAY)
    assert reply.closed_at > reply.created_at
    store.people.opt_out("a", amy, None)
    assert store.reports.opt_outs("a", *DAY) == 1
    store.runs.record_api_call("a", "send_dm", "POST", 201, 0.015)
    usage = store.reports.api_usage("a", *DAY)
    assert (usage.calls, usage.cost) == (1, 0.015)
    failed = add(store, amy)
    store.messages.transition(failed, ("queued",), "failed", "sender", failure="blocked you")
    assert [(f.username, f.failure) for f in store.reports.failed_sends("a", *DAY)] == [
        ("amy", "blocked you")]
    run = store.runs.start("tick", "a")
    store.runs.finish(run, "error", '{"inbox": {"skipped": 2}}', "platform down")
    assert [(r.job, r.error) for r in store.reports.failed_runs("a", *DAY)] == [
        ("tick", "platform down")]
    assert store.reports.skipped_events("a", *DAY) == 2
    delivery = store.runs.start("delivery", None)
    store.runs.finish(delivery, "error", None, "SMTP refused")
    [problem] = store.reports.delivery_failures(*DAY)
    assert problem.error == "SMTP refused"


def test_days_bucket_a_week(store: Store, amy: int, clock: SimulatedClock) -> None:
    days = [START.date() - timedelta(days=back) for back in (1, 0)]
    bounds = [day_bounds(day, "UTC")[0] for day in days] + [DAY[1]]
    clock.advance(timedelta(days=-1))
    send(store, add(store, amy, origin=Origin.SEQUENCE))
    clock.advance(timedelta(days=1))
    send(store, add(store, amy, origin=Origin.HUMAN))
    send(store, add(store, amy, origin=Origin.SYSTEM))  # a confirmation: not a campaign
    add(store, amy, direction="in", origin=Origin.PERSON, state="received", sent_at=store.now())
    held = add(store, amy, state="audited")
    store.messages.transition(held, ("audited",), "held", "audit")
    assert store.reports.days("a", bounds) == [DayTally(1, 0, 0, 0), DayTally(0, 1, 0, 1)]


def test_overdue_counts_only_tasks_still_open_past_their_due_time(
        store: Store, amy: int, clock: SimulatedClock) -> None:
    """Before: a task answered late stayed "overdue" in every later day's report."""
    due = (clock.now() + timedelta(minutes=30)).isoformat()
    late = store.tasks.add(NewTask("a", amy, "reply", "wrote", 50, due), "inbox")
    store.tasks.add(NewTask("a", amy, "hold", "generic", 30, due), "audit")
    clock.advance(timedelta(hours=1))
    store.tasks.change(late, ("open",), "replied", "sam", state="done", closed_at=store.now())
    clock.advance(timedelta(minutes=1))
    tally = store.reports.task_tally("a", *DAY, store.now())
    assert (tally.closed, tally.open, tally.overdue) == (1, 1, 1)
    clock.advance(timedelta(days=2))
    tally = store.reports.task_tally("a", *day_bounds(START.date() + timedelta(days=1), "UTC"),
                                     store.now())
    assert (tally.opened, tally.open, tally.overdue) == (0, 1, 1), "overdue is part of open"


def test_cancellations_are_told_apart_by_cause(store: Store, amy: int) -> None:
    """Before: the "cancelled after an opt-out" row counted every cancelled draft, personal
    answers and dismissals too."""
    by_stop, by_sender, answered, late = (add(store, amy) for _ in range(4))
    store.messages.transition(by_stop, ("queued",), "cancelled", "opt-out", "recipient said stop")
    store.messages.transition(by_sender, ("queued",), "cancelled", "sender", "recipient opted out")
    store.messages.transition(answered, ("queued",), "cancelled", "sam",
                              "a person answered personally (message 9)")
    store.messages.transition(late, ("queued",), "cancelled", "sender",
                              "too late to send: still unsent 24h after its time")
    cancelled = store.reports.cancellations("a", *DAY)
    assert (cancelled.opt_out, cancelled.too_late) == (2, 1)
