"""Log lines: JSON objects with real fields for shippers, key=value after text for people."""

from __future__ import annotations

import json
import logging

import pytest

from dmguard.logs import JsonFormatter, TextFormatter, setup_logging


def record(message: str, level: int = logging.INFO, **extra: object) -> logging.LogRecord:
    logger = logging.getLogger("dmguard.test")
    made = logger.makeRecord("dmguard.test", level, __file__, 1, message, (), None,
                             extra=extra)
    return made


def test_json_lines_carry_extra_fields_as_keys() -> None:
    line = JsonFormatter().format(record("sent", account="demo", message_id=7))
    entry = json.loads(line)
    assert entry["message"] == "sent" and entry["level"] == "info"
    assert entry["account"] == "demo" and entry["message_id"] == 7


def test_json_lines_carry_the_traceback_of_a_crash() -> None:
    try:
        raise ValueError("boom")
    except ValueError:
        import sys

        crashed = logging.getLogger("dmguard.test").makeRecord(
            "dmguard.test", logging.ERROR, __file__, 1, "job crashed", (), sys.exc_info())
    entry = json.loads(JsonFormatter().format(crashed))
    assert entry["level"] == "error" and "ValueError: boom" in entry["traceback"]


def test_text_lines_end_with_the_fields() -> None:
    line = TextFormatter().format(record("tick", logging.WARNING, account="demo", sent=2))
    assert "WARNING dmguard.test: tick account=demo sent=2" in line


def test_text_lines_do_not_repeat_what_the_message_says() -> None:
    """The tick's line says its counts itself; they were printed twice (a new-user probe)."""
    line = TextFormatter().format(record("tick account=demo sent=2", logging.INFO,
                                         account="demo", sent=2, status="ok"))
    assert line.endswith("tick account=demo sent=2 status=ok")


def test_setup_sends_dmguard_and_scheduler_warnings_to_stderr_as_json(
        capsys: pytest.CaptureFixture[str]) -> None:
    setup_logging("json")
    logging.getLogger("dmguard.tick").warning("platform trouble", extra={"account": "demo"})
    logging.getLogger("apscheduler.scheduler").warning("run time of job was missed")
    logging.getLogger("apscheduler.scheduler").info("added job")
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    assert [entry["message"] for entry in lines] == ["platform trouble",
                                                     "run time of job was missed"]
    assert lines[0]["account"] == "demo"
