"""The daemon process, SIGKILLed and restarted or hammered by faults, keeps its promises."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.reliability.crashloop import run


@pytest.mark.slow
def test_killed_five_times_every_message_goes_out_exactly_once(tmp_path: Path) -> None:
    outcome = run(tmp_path, kills=5, new_followers=6, campaigns=10, seed=3)
    report = "\n".join(outcome.lines() + outcome.problems)
    assert outcome.problems == [], report
    assert outcome.kills == 5 and outcome.restarts == 5
    assert outcome.kills_mid_send >= 1, report
    assert sum(outcome.settled_by.values()) >= 1, "a kill mid-send was settled from the platform"
    assert outcome.states["sent"] >= 10 and outcome.emulator_received == outcome.states["sent"]
    assert outcome.opt_outs >= 1 and outcome.automated_after_opt_out == 0
    assert outcome.inbound == 8, "3 STOPs and 5 messages (4 of them hostile), each stored once"
    assert outcome.second_daemons_refused == 2, "cycles 1 and 4 start a second daemon"
    assert outcome.double_replies == 1 and outcome.replies_refused >= 1, report
    assert outcome.web_double_replies == 1 and outcome.web_replies_refused >= 1, report


@pytest.mark.slow
def test_a_thirty_percent_fault_storm_still_drains_the_backlog(tmp_path: Path) -> None:
    outcome = run(tmp_path, kills=0, new_followers=6, campaigns=10, fault_rate=0.3, seed=5)
    report = "\n".join(outcome.lines() + outcome.problems)
    assert outcome.problems == [], report
    assert sum(outcome.faults_served.values()) >= 5, report
    assert outcome.states["sent"] >= 10 and outcome.emulator_received == outcome.states["sent"]
    assert outcome.duplicates == 0 and outcome.lost == 0


@pytest.mark.slow
def test_the_emulator_restarting_with_its_state_lost_sends_nothing_twice(tmp_path: Path) -> None:
    """Issue 15: the emulator restarts twice with its memory lost, once mid-send (the DM
    is on the phone, its answer never comes, the new emulator does not list it). Counted
    on the people's phones: nothing twice, nothing lost, nothing after a listed STOP."""
    outcome = run(tmp_path, kills=4, new_followers=6, campaigns=10, seed=3, emulator_restarts=2)
    report = "\n".join(outcome.lines() + outcome.problems)
    assert outcome.problems == [], report
    assert outcome.emulator_restarts == 2 and outcome.emulator_restarts_mid_send == 1, report
    assert outcome.parked_delivered >= 1, "the DM delivered mid-restart waits for a person"
    assert outcome.duplicates == 0 and outcome.lost == 0, report
    assert outcome.automated_after_listed_stop == 0 and outcome.automated_after_opt_out == 0
    assert outcome.states["sent"] >= 10, report
