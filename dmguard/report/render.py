"""Renderers: Markdown for terminals and files, JSON for scripts, HTML for browsers and e-mail."""

from __future__ import annotations

import base64
import json
from functools import lru_cache

from jinja2 import Environment, PackageLoader, select_autoescape

from dmguard.report.data import AccountDay, DailyReport


@lru_cache(maxsize=1)
def _env() -> Environment:
    env = Environment(loader=PackageLoader("dmguard", "report/templates"),
                      autoescape=select_autoescape(["html", "html.j2"]), trim_blocks=True,
                      lstrip_blocks=True, keep_trailing_newline=True)
    env.globals["figures"] = figures
    env.filters["short"] = lambda text, n=70: (
        text if len(text) <= n else text[: n - 1] + "…").replace("\n", " ").replace("|", "/")
    return env


def figures(a: AccountDay) -> list[tuple[str, str]]:
    """The account's table, (label, value) per row: one list, so the Markdown, the HTML
    page and the e-mail always show the same figures."""
    median = "n/a" if a.median_reply_minutes is None else f"{a.median_reply_minutes:.0f} min"
    return [
        ("automated messages inspected", str(a.inspected)),
        ("sent, labelled as automated", f"{a.sent_labelled} of {a.sent}"),
        ("held for a person", str(a.held)),
        ("blocked", str(a.blocked)),
        ("cancelled after an opt-out", str(a.cancelled_opt_out)),
        ("cancelled as too late to send (after an outage)", str(a.cancelled_too_late)),
        ("cancelled by the team (answered personally, dismissed)", str(a.cancelled_by_team)),
        ("failed", str(a.failed)),
        ("STOP/START confirmations sent (not inspected)", str(a.confirmations)),
        ("DMs received", str(a.received)),
        ("personal replies sent", str(a.personal_replies)),
        ("tasks opened / closed / open / overdue",
         f"{a.tasks_opened} / {a.tasks_closed} / {a.tasks_open} / {a.tasks_overdue}"),
        ("median time to a personal reply", median),
        ("opt-outs", str(a.opt_outs)),
        ("sent by other tools", str(a.other_tools_sent)),
        ("API calls (cost)", f"{a.api_calls} (${a.api_cost:.3f})"),
    ]


def charts(report: DailyReport) -> dict[str, bytes]:
    """One PNG per account: sent / held / blocked / replies over the last seven days."""
    from dmguard.report.chart import week_chart

    return {account.account: week_chart(account.last_7_days,
                                         f"{account.account}: the last 7 days")
            for account in report.accounts if account.last_7_days}


def chart_cid(account: str) -> str:
    return f"chart-{account}"


def markdown(report: DailyReport) -> str:
    return _env().get_template("daily.md.j2").render(report=report)


def html(report: DailyReport, images: dict[str, bytes] | None = None, *,
         for_email: bool = False) -> str:
    """HTML with each chart inline (a data: URI), or as cid: references for an e-mail."""
    images = charts(report) if images is None else images
    sources = {
        name: f"cid:{chart_cid(name)}" if for_email
        else "data:image/png;base64," + base64.b64encode(png).decode()
        for name, png in images.items()
    }
    return _env().get_template("daily.html.j2").render(report=report, charts=sources)


def as_json(report: DailyReport) -> str:
    return json.dumps(report.as_json(), indent=2, ensure_ascii=False)


RENDERERS = {"md": markdown, "html": html, "json": as_json}
