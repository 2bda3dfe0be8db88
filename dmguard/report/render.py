"""Renderers: Markdown for terminals and files, JSON for scripts, HTML for e-mail."""

from __future__ import annotations

import json
from functools import lru_cache

from jinja2 import Environment, PackageLoader, select_autoescape

from dmguard.report.data import DailyReport


@lru_cache(maxsize=1)
def _env() -> Environment:
    env = Environment(loader=PackageLoader("dmguard", "report/templates"),
                      autoescape=select_autoescape(["html"]), trim_blocks=True,
                      lstrip_blocks=True, keep_trailing_newline=True)
    env.filters["short"] = lambda text, n=70: (
        text if len(text) <= n else text[: n - 1] + "…").replace("\n", " ").replace("|", "/")
    return env


def markdown(report: DailyReport) -> str:
    return _env().get_template("daily.md.j2").render(report=report)


def html(report: DailyReport) -> str:
    return _env().get_template("daily.html.j2").render(report=report)


def as_json(report: DailyReport) -> str:
    return json.dumps(report.as_json(), indent=2, ensure_ascii=False)


RENDERERS = {"md": markdown, "html": html, "json": as_json}
