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


def _markdown_rows(text: str) -> dict[str, str]:
    rows = [line.strip("|").split("|") for line in text.splitlines()
            if line.startswith("| ") and not line.startswith("| |")]
    return {label.strip(): value.strip() for label, value in rows}


def _html_rows(page: str) -> dict[str, str]:
    import html
    import re

    return {html.unescape(label): html.unescape(value) for label, value in re.findall(
        r'<tr><td>(.*?)</td><td align="right">(.*?)</td></tr>', page)}


def busy_report() -> DailyReport:
    """Every figure different, so a row that shows the wrong one is seen."""
    account = AccountDay(
        account="demo", username="acme", inspected=11, sent=5, sent_labelled=5, held=3,
        blocked=2, cancelled_opt_out=1, cancelled_too_late=18, cancelled_by_team=17, failed=4,
        confirmations=6, personal_replies=7, received=13,
        tasks_opened=8, tasks_closed=9, tasks_open=10, tasks_overdue=12,
        median_reply_minutes=42.0, opt_outs=14, api_calls=15, api_cost=0.25,
        other_tools_sent=16)
    return DailyReport("2026-11-23", "UTC", "2026-11-24T08:00:00Z", [account])


@pytest.mark.parametrize("for_email", [False, True])
def test_the_html_shows_every_figure_the_markdown_does(for_email: bool) -> None:
    report = busy_report()
    markdown = _markdown_rows(render.markdown(report))
    assert {"cancelled after an opt-out", "failed", "personal replies sent",
            "median time to a personal reply"} <= markdown.keys()
    assert markdown["median time to a personal reply"] == "42 min"
    assert _html_rows(render.html(report, {}, for_email=for_email)) == markdown
