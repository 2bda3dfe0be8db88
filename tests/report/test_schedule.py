"""When a day's report is due, delivered once; which days `dmguard report` accepts."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from dmguard.cli import cli
from dmguard.clock import SimulatedClock
from dmguard.config import ReportConfig
from dmguard.report.data import build_report
from dmguard.report.delivery import deliver_once
from dmguard.report.schedule import day_to_deliver, latest_due_day
from dmguard.store import Store
from tests.conftest import START, config_file


def test_a_days_report_is_due_the_morning_after_at_report_time() -> None:
    morning = START.replace(day=24, hour=7, minute=59)
    assert latest_due_day(morning, "UTC", "08:00") == date(2026, 11, 22)
    assert latest_due_day(morning + timedelta(minutes=1), "UTC", "08:00") == date(2026, 11, 23)
    # 08:30 UTC is 00:30 in Los Angeles: the 23rd there is barely over, its report not due.
    assert latest_due_day(START.replace(day=24, hour=8, minute=30), "America/Los_Angeles",
                          "08:00") == date(2026, 11, 22)


def test_each_day_is_delivered_once_and_never_before_the_database(
        store: Store, clock: SimulatedClock, tmp_path: Path) -> None:
    assert day_to_deliver(store, "UTC", "08:00") is None, "the 22nd ended before the database"
    clock.set(START.replace(day=24, hour=8, minute=1))
    day = day_to_deliver(store, "UTC", "08:00")
    assert day == date(2026, 11, 23)
    config = ReportConfig(dir=tmp_path / "reports")
    report = build_report(store, [], day)
    assert deliver_once(store, config, report) is not None
    assert deliver_once(store, config, report) is None, "never twice"
    assert day_to_deliver(store, "UTC", "08:00") is None


def test_a_failed_delivery_is_retried_later_not_every_minute(
        store: Store, clock: SimulatedClock, tmp_path: Path) -> None:
    from dmguard.report.delivery import RETRY_AFTER, record_failure

    clock.set(START.replace(day=24, hour=8, minute=1))
    record_failure(store, "2026-11-23", "exit 1: boom")
    assert day_to_deliver(store, "UTC", "08:00") is None
    clock.advance(RETRY_AFTER)
    assert day_to_deliver(store, "UTC", "08:00") == date(2026, 11, 23)


@pytest.mark.parametrize(("day", "says"), [
    ("0001-01-01", "0001-01-01 is out of range"),
    ("9999-12-31", "9999-12-31 is in the future"),
    ("2030-01-01", "2030-01-01 is in the future"),
])
def test_report_refuses_days_out_of_range_or_to_come_in_one_line(
        tmp_path: Path, day: str, says: str) -> None:
    conf = config_file(tmp_path)
    result = CliRunner().invoke(cli, ["report", "--config", str(conf), "--date", day])
    assert result.exit_code == 2, result.output
    assert result.output.startswith(f"dmguard: --date {says}")
    assert result.output.count("\n") == 1 and "Traceback" not in result.output


def test_report_deliver_waits_for_the_day_to_end_and_delivers_it_once(tmp_path: Path) -> None:
    conf = config_file(tmp_path, created=True)
    today = CliRunner().invoke(cli, ["report", "--config", str(conf), "--deliver"])
    assert today.exit_code == 2 and "is not over yet" in today.output
    day = "2026-11-23"
    first = CliRunner().invoke(cli, ["report", "--config", str(conf), "--deliver", "--date", day])
    assert first.exit_code == 0 and "wrote" in first.output
    again = CliRunner().invoke(cli, ["report", "--config", str(conf), "--deliver", "--date", day])
    assert again.exit_code == 0 and "delivered already" in again.output
    assert "wrote" not in again.output


def test_the_days_missed_during_an_outage_are_delivered_oldest_first(
        store: Store, clock: SimulatedClock, tmp_path: Path) -> None:
    """Before: only the latest due day was ever delivered, the others were lost."""
    config = ReportConfig(dir=tmp_path / "reports")
    clock.set(START.replace(day=27, hour=9))  # down from the 23rd to the morning of the 27th
    delivered = []
    while (day := day_to_deliver(store, "UTC", "08:00")) is not None:
        assert deliver_once(store, config, build_report(store, [], day)) is not None
        delivered.append(day.isoformat())
    assert delivered == ["2026-11-23", "2026-11-24", "2026-11-25", "2026-11-26"]


def test_a_catch_up_goes_back_a_week_at_most(
        store: Store, clock: SimulatedClock, tmp_path: Path) -> None:
    from dmguard.report.schedule import CATCH_UP_DAYS

    clock.set(START.replace(month=12, day=20, hour=9))
    oldest = day_to_deliver(store, "UTC", "08:00")
    assert oldest == date(2026, 12, 19) - timedelta(days=CATCH_UP_DAYS - 1)


def test_report_deliver_again_resends_a_delivered_day_and_needs_deliver(tmp_path: Path) -> None:
    """Before: a delivered day could never be sent again (a lost e-mail stayed lost)."""
    conf = config_file(tmp_path, created=True)
    args = ["report", "--config", str(conf), "--deliver", "--date", "2026-11-23"]
    assert CliRunner().invoke(cli, args).exit_code == 0
    written = tmp_path / "reports" / "dmguard-2026-11-23.md"
    written.unlink()
    plain = CliRunner().invoke(cli, args)
    assert "--again sends it once more" in plain.output and not written.exists()
    again = CliRunner().invoke(cli, [*args, "--again"])
    assert again.exit_code == 0 and "wrote" in again.output and written.exists()
    alone = CliRunner().invoke(cli, ["report", "--config", str(conf), "--again"])
    assert alone.exit_code == 2 and "give it with --deliver" in alone.output
