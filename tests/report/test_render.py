"""The report's renderers: what a follower or another tool wrote is shown, never run."""

from __future__ import annotations

import pytest

from dmguard.report import render
from dmguard.report.data import AccountDay, DailyReport, RuleCount

SCRIPT = "<script>alert('name')</script>"
IMAGE = '<img src=x onerror="alert(1)">'


def hostile_report() -> DailyReport:
    account = AccountDay(
        account="demo", username=SCRIPT, inspected=3, sent=1,
        top_rules=[RuleCount("DG010", "generic-salutation", 2, f"Dear {SCRIPT}")],
        other_tools_sent=1, other_tools_automated=1,
        other_tools_worst=[RuleCount("DG201", "auto-dm", 1, IMAGE)],
        attention=[f"task for @{SCRIPT} is overdue"])
    return DailyReport("2026-11-23", "UTC", "2026-11-24T08:00:00Z", [account])


@pytest.mark.parametrize("for_email", [False, True])
def test_the_html_report_escapes_names_and_messages(for_email: bool) -> None:
    page = render.html(hostile_report(), {}, for_email=for_email)
    assert "<script>" not in page and "<img src=x" not in page
    assert "&lt;script&gt;" in page and "&lt;img src=x onerror=" in page


def test_the_markdown_report_keeps_text_as_written() -> None:
    assert SCRIPT in render.markdown(hostile_report())
