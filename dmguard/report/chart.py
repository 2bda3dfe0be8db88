"""The last-7-days chart for the HTML report, as PNG bytes (matplotlib, imported lazily)."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from dmguard.report.data import DayCounts

if TYPE_CHECKING:
    from matplotlib.figure import Figure

SERIES = (("sent", "#2e7d32"), ("held", "#f9a825"), ("blocked", "#c62828"), ("replies", "#1565c0"))


def week_chart(days: list[DayCounts], title: str) -> bytes:
    buffer = io.BytesIO()
    week_figure(days, title).savefig(buffer, format="png")
    return buffer.getvalue()


def week_figure(days: list[DayCounts], title: str) -> Figure:
    """The chart as a matplotlib figure; its legend sits right of the bars, never on them."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    figure = Figure(figsize=(6.4, 2.6), dpi=100)
    axes = figure.subplots()
    labels = [day.day[5:] for day in days]
    width = 0.2
    for index, (name, colour) in enumerate(SERIES):
        values = [getattr(day, name) for day in days]
        positions = [x + (index - 1.5) * width for x in range(len(days))]
        axes.bar(positions, values, width, label=name, color=colour)
    axes.set_xticks(range(len(days)), labels)
    axes.set_title(title, fontsize=10)
    axes.spines[["top", "right"]].set_visible(False)
    axes.legend(fontsize=8, frameon=False, loc="center left", bbox_to_anchor=(1.0, 0.5))
    axes.yaxis.get_major_locator().set_params(integer=True)
    figure.tight_layout()
    return figure
