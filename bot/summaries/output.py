"""A report as a Telegram message, an HTML document, Markdown and CSV.

The templates live in `dialogues/templates/summary/` and run in the project's one strict
environment (autoescape on, undefined names are errors), so every text a person wrote is
escaped wherever it lands.
"""

from __future__ import annotations

import base64
import csv
import io
import re
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from bot.summaries.glance import glance
from bot.summaries.labels import Formatter
from bot.summaries.model import STATUSES, Report, Section, by_meeting

if TYPE_CHECKING:
    from jinja2 import Environment

# Telegram's limit is 4,096 characters; a margin keeps room for entities the client adds.
TELEGRAM_LIMIT = 4000

_MD_SPECIAL = re.compile(r"([\\`*_\[\]|#~])")
_MD_LEADING = re.compile(r"^([-+>])")
_MD_NUMBERED = re.compile(r"^(\d+)\.")


def md_escape(value: object) -> str:
    """Plain text that Markdown shows as it is: markup characters escaped, one line."""
    text = _MD_SPECIAL.sub(r"\\\1", " ".join(str(value).split()))
    # A line must not begin a list: "- x" becomes "\\- x", and "27. okt" becomes "27\\. okt".
    return _MD_NUMBERED.sub(r"\1\\.", _MD_LEADING.sub(r"\\\1", text))


def summary_environment() -> Environment:
    """The shared strict environment, with the one filter summaries add (idempotent).

    Jinja is loaded here, not with the module: a CSV summary uses no template.
    """
    from dialogues.templating import environment

    env = environment()
    env.filters.setdefault("md", md_escape)
    return env


@dataclass(frozen=True)
class Matrix:
    """One figure for every team and round: a network digest at a glance."""

    title: str
    explain: str
    columns: list[str]  # short labels ("M1", "R2"), so a dozen columns fit on A4
    rows: list[tuple[str, list[str]]]
    key: list[tuple[str, str]]  # each short label with what it stands for


def _columns(cells: list[tuple[str, datetime, str]], f: Formatter) -> list[tuple[str, str]]:
    """Rounds (or meetings) in time order, keyed, with their readable names and dates."""
    seen: dict[str, tuple[datetime, str]] = {}
    for key, at, label in cells:
        name = f.round_label(label, at)
        seen.setdefault(key, (at, name if name == f.day(at) else f"{name} ({f.day(at)})"))
    return [(key, name) for key, (_, name) in sorted(seen.items(), key=lambda kv: kv[1][0])]


def _matrix(
    title: str,
    explain: str,
    short: str,
    columns: list[tuple[str, str]],
    rows: list[tuple[str, list[str]]],
) -> Matrix:
    labels = [short.format(n=i) for i in range(1, len(columns) + 1)]
    key = [(label, name) for label, (_, name) in zip(labels, columns, strict=True)]
    return Matrix(title, explain, labels, rows, key)


def matrices(report: Report, f: Formatter) -> list[Matrix]:
    """Participation, safety and next steps per team (rows) and round (columns)."""
    teams = report.teams
    meetings = _columns(
        [(str(m.meeting_id), m.starts_at, m.title) for t in teams for m in t.meetings], f
    )
    rounds = _columns([(c.round_key, c.closed_at, c.label) for t in teams for c in t.safety], f)
    step_rounds = _columns([(c.round_key, c.closed_at, c.label) for t in teams for c in t.steps], f)
    hidden = "–"
    found: list[Matrix] = []
    if meetings:
        rows = []
        for t in teams:
            by = {str(m.meeting_id): f"{m.participants}/{m.members}" for m in t.meetings}
            rows.append((t.name, [by.get(key, "") for key, _ in meetings]))
        found.append(
            _matrix(f.L["participation"], f.L["took_part"], f.L["short_meeting"], meetings, rows)
        )
    if rounds:
        rows = []
        for t in teams:
            cells = {
                c.round_key: hidden
                if c.mean is None
                else f.num(c.mean) + ("" if c.spread is None else f" ±{f.num(c.spread)}")
                for c in t.safety
            }
            rows.append((t.name, [cells.get(key, "") for key, _ in rounds]))
        found.append(
            _matrix(f.L["safety"], f.L["safety_explain"], f.L["short_round"], rounds, rows)
        )
    if step_rounds:
        rows = []
        for t in teams:
            by_round: dict[str, str] = {}
            for c in t.steps:
                done = (c.counts or {}).get("done", 0)
                by_round[c.round_key] = hidden if c.counts is None else f"{done}/{c.total}"
                # several meetings' cohorts in one round: the latest written wins the cell
            rows.append((t.name, [by_round.get(key, "") for key, _ in step_rounds]))
        found.append(
            _matrix(f.L["steps"], f.L["steps_matrix"], f.L["short_round"], step_rounds, rows)
        )
    return found


def _context(report: Report) -> dict[str, object]:
    f = Formatter(report.lang, report.timezone)
    grid = matrices(report, f) if report.kind == "network" else []
    return {
        "r": report,
        "f": f,
        "L": f.L,
        "statuses": STATUSES,
        "matrices": grid,
        "glance": glance,
        "by_meeting": by_meeting,
    }


def _with_chart(report: Report, chart: bytes | None, chart_text: str) -> dict[str, object]:
    encoded = base64.b64encode(chart).decode("ascii") if chart else ""
    kind = "svg+xml" if chart and chart.lstrip().startswith((b"<?xml", b"<svg")) else "png"
    return _context(report) | {"chart": encoded, "chart_type": kind, "chart_text": chart_text}


def render_html(report: Report, chart: bytes | None = None, chart_text: str = "") -> str:
    """A self-contained, print-friendly page; the chart (SVG or PNG) is embedded when
    given, with `chart_text` saying in words what it shows."""
    template = summary_environment().get_template("summary/document.html.j2")
    return template.render(_with_chart(report, chart, chart_text)).strip() + "\n"


def render_html_body(report: Report, chart: bytes | None = None, chart_text: str = "") -> str:
    """What `render_html` shows below the report's title, for a page of another site: no
    styles of its own (`report_css` holds them) and headings from <h2> down."""
    template = summary_environment().get_template("summary/report.html.j2")
    return template.render(_with_chart(report, chart, chart_text)).strip() + "\n"


def report_title(report: Report) -> str:
    """The report's main heading: "Netværksoversigt: Netværk Nord"."""
    return f"{Formatter(report.lang, report.timezone).title(report)}: {report.group_name}"


def report_css() -> str:
    """The report body's styles, which `render_html` inlines (tables, quotes, print)."""
    return summary_environment().get_template("summary/report.css.j2").render().strip() + "\n"


def render_markdown(report: Report) -> str:
    template = summary_environment().get_template("summary/document.md.j2")
    text = template.render(_context(report)).strip() + "\n"
    # Quotes are harmless in Markdown and read badly as entities; <, > and & stay escaped.
    text = text.replace("&#39;", "'").replace("&#34;", '"').replace("&quot;", '"')
    return re.sub(r"\n{3,}", "\n\n", text)


def render_telegram(report: Report, limit: int = TELEGRAM_LIMIT) -> list[str]:
    """Telegram HTML, split at blank lines (then line breaks) below the limit."""
    # Imported here: a CSV or Markdown from the command line never loads the Telegram library.
    from bot.telegram.send import split_html

    template = summary_environment().get_template("summary/telegram.j2")
    text = re.sub(r"\n{3,}", "\n\n", template.render(_context(report)).strip())
    return split_html(text, limit)


def safe_cell(value: object) -> str:
    """A CSV cell that a spreadsheet will not run as a formula."""
    text = "" if value is None else str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text


CSV_COLUMNS = (
    "section",
    "group",
    "meeting",
    "round",
    "kind",
    "date",
    "respondents",
    "mean",
    "spread",
    *STATUSES,
    "participants",
    "members",
    "reason",
    "text",
)


def _figure_rows(s: Section, f: Formatter) -> list[dict[str, object]]:
    """A section's safety and next-step figures, and their totals over the teams on show."""
    rows: list[dict[str, object]] = []
    for c in s.safety:
        rows.append(
            {
                "section": "safety",
                "group": s.name,
                "meeting": c.meeting,
                "round": c.label or c.round_key,
                "kind": c.round_kind,
                "date": f.iso(c.closed_at),
                "respondents": c.respondents,
                "mean": "" if c.mean is None else round(c.mean, 2),
                "spread": "" if c.spread is None else round(c.spread, 2),
                "reason": f.L[c.hidden] if c.hidden else "",
            }
        )
        if c.partial is not None and c.partial.mean is not None:
            rows.append(
                {
                    "section": "safety",
                    "group": f.partial_group(s.name, c.partial),
                    "meeting": c.meeting,
                    "round": c.label or c.round_key,
                    "kind": c.round_kind,
                    "date": f.iso(c.closed_at),
                    "respondents": c.partial.respondents,
                    "mean": round(c.partial.mean, 2),
                    "reason": f.L["partial_reason"],
                }
            )
    for sc in s.steps:
        row: dict[str, object] = {
            "section": "next_steps",
            "group": s.name,
            "meeting": sc.meeting,
            "round": sc.label or sc.round_key,
            "kind": sc.round_kind,
            "date": f.iso(sc.closed_at),
            "respondents": sc.respondents,
            "reason": f.L[sc.hidden] if sc.hidden else "",
        }
        if sc.counts is not None:
            row |= {status: sc.counts.get(status, 0) for status in STATUSES}
        rows.append(row)
        if sc.partial is not None and sc.partial.counts is not None:
            rows.append(
                row
                | {
                    "group": f.partial_group(s.name, sc.partial),
                    "respondents": sc.partial.respondents,
                    "reason": f.L["partial_reason"],
                }
                | {status: sc.partial.counts.get(status, 0) for status in STATUSES}
            )
    return rows


def csv_rows(report: Report, f: Formatter) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    sections: list[Section] = [report.main, *report.teams]
    for s in sections:
        for m in s.meetings:
            rows.append(
                {
                    "section": "participation",
                    "group": s.name,
                    "meeting": m.title,
                    "date": f.iso(m.starts_at),
                    "participants": m.participants,
                    "members": m.members,
                }
            )
        rows += _figure_rows(s, f)
        for item in s.step_items:
            rows.append(
                {
                    "section": "shared_step",
                    "group": s.name,
                    "date": f.iso(item.due),
                    item.status: 1,
                    "text": item.what,
                }
            )
        for kind, texts in (("focus", s.focuses), ("reflection", s.reflections)):
            for t in texts:
                rows.append(
                    {
                        "section": kind,
                        "group": s.name,
                        "round": t.heading,
                        "date": f.iso(t.at),
                        "text": t.text,
                    }
                )
    if report.meeting is not None:
        d = report.meeting
        for phase in d.phases:
            for text in phase.contributions:
                rows.append(
                    {
                        "section": "circle",
                        "group": report.group_name,
                        "round": phase.heading,
                        "date": f.iso(d.starts_at),
                        "text": text,
                    }
                )
        for item in d.step_items:
            rows.append(
                {
                    "section": "shared_step",
                    "group": report.group_name,
                    "date": f.iso(item.due),
                    item.status: 1,
                    "text": item.what,
                }
            )
    return rows


def render_csv(report: Report) -> str:
    """One table with a row per figure or text; empty cells where a figure is not shown.

    Column names and section names are stable English keys, for tools; a person opening
    the file in a spreadsheet gets `bot.summaries.spreadsheet` instead."""
    f = Formatter(report.lang, report.timezone)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in csv_rows(report, f):
        writer.writerow({key: safe_cell(row.get(key)) for key in CSV_COLUMNS})
    return out.getvalue()
