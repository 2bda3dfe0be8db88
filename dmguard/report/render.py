"""Renderers: Markdown for terminals and files, JSON for scripts, HTML for browsers and e-mail."""

from __future__ import annotations

import base64
import json
from functools import lru_cache

from jinja2 import Environment, PackageLoader, select_autoescape

from dmguard.report.data import DailyReport


@lru_cache(maxsize=1)
def _env() -> Environment:
    env = Environment(loader=PackageLoader("dmguard", "report/templates"),
                      autoescape=select_autoescape(["html", "html.j2"]), trim_blocks=True,
                      lstrip_blocks=True, keep_trailing_newline=True)
    env.filters["short"] = lambda text, n=70: (
        text if len(text) <= n else text[: n - 1] + "…").replace("\n", " ").replace("|", "/")
    return env


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
