"""The last-7-days chart for the HTML report, as PNG bytes (matplotlib, imported lazily)."""

from __future__ import annotations

import io

from dmguard.report.data import DayCounts

SERIES = (("sent", "#2e7d32"), ("held", "#f9a825"), ("blocked", "#c62828"), ("replies", "#1565c0"))


def week_chart(days: list[DayCounts], title: str) -> bytes:
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
    axes.legend(fontsize=8, ncols=4, frameon=False, loc="upper left")
    axes.yaxis.get_major_locator().set_params(integer=True)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
