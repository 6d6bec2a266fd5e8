"""A PNG of the trends: psychological safety over rounds, and how next steps stood.

Only values the report shows are drawn (a hidden cell is a gap), so the picture can never
say more than the tables. matplotlib's Agg canvas is used directly: no pyplot, no global
state, nothing drawn on a screen.
"""

from __future__ import annotations

import io
import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from statistics import median

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from bot.summaries.labels import Formatter
from bot.summaries.model import STATUSES, Report, Section

MAX_LINES = 8  # more teams than this are drawn as their middle (median) instead
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*", "h")
DASHES = ("-", "--", "-.", ":")
COLOURS = {
    "done": "#4a6b5d",
    "partly": "#9bb5a8",
    "not_yet": "#e0c36a",
    "dropped": "#c98b7a",
    "open": "#cfd6d2",
}


@dataclass
class ChartData:
    lines: dict[str, list[tuple[datetime, float]]] = field(default_factory=dict)
    bars: list[tuple[datetime, str, dict[str, int]]] = field(default_factory=list)
    # Rounds a line has but may not show: the line breaks there instead of bridging them.
    gaps: dict[str, list[datetime]] = field(default_factory=dict)
    held_back: list[str] = field(default_factory=list)  # teams with no value to draw

    @property
    def empty(self) -> bool:
        return not any(self.lines.values()) and not self.bars


def _points(section: Section) -> list[tuple[datetime, float]]:
    return [(c.closed_at, c.mean) for c in section.safety if c.mean is not None]


def _lines(report: Report, median_label: str) -> dict[str, list[tuple[datetime, float]]]:
    lines: dict[str, list[tuple[datetime, float]]] = {}
    if _points(report.main):
        lines[report.group_name] = _points(report.main)
    if report.kind != "network":
        return lines
    if len(report.teams) <= MAX_LINES:
        for team in report.teams:
            if _points(team):
                lines[team.name] = _points(team)
        return lines
    by_round: dict[datetime, list[float]] = defaultdict(list)
    for team in report.teams:
        for at, value in _points(team):
            by_round[at].append(value)
    if by_round:
        lines[median_label] = [(at, median(v)) for at, v in sorted(by_round.items())]
    return lines


def _bars(report: Report) -> list[tuple[datetime, str, dict[str, int]]]:
    shown_main = [(c.closed_at, c.label, dict(c.counts)) for c in report.main.steps if c.counts]
    if shown_main or report.kind != "network":
        return shown_main
    # Summing the teams' shown counts adds nothing a reader could not add up themselves.
    summed: dict[tuple[datetime, str], dict[str, int]] = {}
    for team in report.teams:
        for c in team.steps:
            if c.counts is None:
                continue
            bucket = summed.setdefault((c.closed_at, c.label), dict.fromkeys(STATUSES, 0))
            for status, n in c.counts.items():
                bucket[status] = bucket.get(status, 0) + n
    return [(at, label, counts) for (at, label), counts in sorted(summed.items())]


def _gaps(
    report: Report, lines: dict[str, list[tuple[datetime, float]]]
) -> dict[str, list[datetime]]:
    sections = {s.name: s for s in (report.main, *report.teams)}
    return {
        name: [c.closed_at for c in sections[name].safety if c.mean is None]
        for name in lines
        if name in sections
    }


def chart_data(report: Report, median_label: str = "median") -> ChartData:
    """The series to draw, taken only from cells the report shows."""
    lines = _lines(report, median_label)
    held_back = [
        t.name
        for t in report.teams
        if t.safety and not _points(t) and len(report.teams) <= MAX_LINES
    ]
    return ChartData(
        lines=lines, bars=_bars(report), gaps=_gaps(report, lines), held_back=held_back
    )


def describe(report: Report) -> str:
    """What the chart shows, in words: its text alternative."""
    f = Formatter(report.lang, report.timezone)
    data = chart_data(report, f.L["chart_median"])
    parts = []
    for name, points in data.lines.items():
        values = " → ".join(f"{f.num(v)} ({f.day(at)})" for at, v in points)
        parts.append(f"{name}: {values}")
    text = f.L["chart_describe"].format(lines="; ".join(parts)) if parts else ""
    if data.held_back:
        text += " " + f.L["chart_held_back"].format(teams=", ".join(data.held_back))
    return text.strip()


def render_chart(report: Report, kind: str = "png") -> bytes | None:
    """The chart as PNG (for Telegram) or SVG (for the HTML page) bytes, or None when the
    report shows nothing to draw."""
    f = Formatter(report.lang, report.timezone)
    data = chart_data(report, f.L["chart_median"])
    if data.empty:
        return None
    panels = int(bool(any(data.lines.values()))) + int(bool(data.bars))
    figure = Figure(figsize=(9.5, 3.6 * panels), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.subplots(panels, 1, squeeze=False)[:, 0]
    index = 0
    if any(data.lines.values()):
        ax = axes[index]
        index += 1
        # A real time axis: the summer break is as long as it was. A held-back round is a
        # gap in its line (NaN), never bridged; markers and dashes tell lines apart without
        # colour.
        for index_line, (name, points) in enumerate(data.lines.items()):
            merged = sorted([*points, *((at, math.nan) for at in data.gaps.get(name, []))])
            ax.plot(
                [at for at, _ in merged],
                [v for _, v in merged],
                marker=MARKERS[index_line % len(MARKERS)],
                linestyle=DASHES[index_line % len(DASHES)],
                label=name[:30],
            )
        dates = sorted({at for points in data.lines.values() for at, _ in points})
        ax.set_xticks(dates, labels=[f.day(at) for at in dates])
        ax.set_ylim(1, 7)
        ax.set_title(f.L["chart_safety"])
        ax.grid(alpha=0.3)
        # The legend sits beside the plot, so it covers no point.
        ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0)
        if data.held_back:
            note = f.L["chart_held_back"].format(teams=", ".join(data.held_back))
            ax.annotate(note, (0, -0.32), xycoords="axes fraction", fontsize=8)
        ax.tick_params(axis="x", labelrotation=30, labelsize=8)
    if data.bars:
        ax = axes[index]
        names = [f.round_label(label, at) for at, label, _ in data.bars]
        slots = list(range(len(names)))
        bottoms = [0] * len(names)
        for status in STATUSES:
            heights = [counts.get(status, 0) for _, _, counts in data.bars]
            ax.bar(slots, heights, bottom=bottoms, label=f.status(status), color=COLOURS[status])
            bottoms = [b + h for b, h in zip(bottoms, heights, strict=True)]
        ax.set_xticks(slots)
        ax.set_xticklabels(names)
        ax.set_ylim(0, max(bottoms) * 1.3 or 1)
        ax.set_title(f.L["chart_steps"])
        ax.legend(fontsize=8, ncol=len(STATUSES), loc="upper left")
        ax.tick_params(axis="x", labelrotation=30, labelsize=8)
    figure.tight_layout()
    out = io.BytesIO()
    if kind == "svg":
        figure.savefig(out, format="svg", metadata={"Date": None, "Creator": None})
    else:
        figure.savefig(out, format="png", metadata={"Software": None})
    return out.getvalue()


def for_page(report: Report) -> tuple[bytes | None, str]:
    """The chart as SVG for an HTML page, and the words that say what it shows (no words
    without a chart)."""
    drawing = render_chart(report, "svg")
    return drawing, describe(report) if drawing else ""
