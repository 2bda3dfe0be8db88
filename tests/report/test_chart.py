"""The last-7-days chart: readable whatever the figures."""

from __future__ import annotations

from dmguard.report.chart import week_chart, week_figure
from dmguard.report.data import DayCounts


def busy_week() -> list[DayCounts]:
    return [DayCounts(f"2026-11-{day:02}", 900, 400, 50, 300) for day in range(17, 24)]


def test_the_legend_never_covers_the_bars() -> None:
    """Before: the legend sat inside the plot, under the first day's bars on any busy week."""
    figure = week_figure(busy_week(), "acme")
    figure.canvas.draw()
    [axes] = figure.axes
    legend = axes.get_legend().get_window_extent()
    assert not legend.overlaps(axes.get_window_extent())
    assert figure.bbox.contains(legend.x1 - 1, legend.y1 - 1), "and it is on the picture"


def test_the_chart_is_a_png() -> None:
    assert week_chart(busy_week(), "acme").startswith(b"\x89PNG")
