"""Every summary, in Danish and English, in every format, against its golden file.

Run with REFLEKS_UPDATE_GOLDEN=1 to write the files after a deliberate change, then read
the diff before committing it.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.summaries.model import Report
from bot.summaries.output import render_csv, render_html, render_markdown, render_telegram
from tests.summaries.sample import meeting_report, network_report, team_report

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("REFLEKS_UPDATE_GOLDEN") == "1"

REPORTS: dict[str, Callable[[str], Report]] = {
    "meeting": meeting_report,
    "team": team_report,
    "network": network_report,
}
RENDERERS: dict[str, Callable[[Report], str]] = {
    "html": render_html,
    "md": render_markdown,
    "csv": render_csv,
    "telegram.txt": lambda r: "\n\n----- next message -----\n\n".join(render_telegram(r)),
}


@pytest.mark.parametrize("lang", ["da", "en"])
@pytest.mark.parametrize("kind", sorted(REPORTS))
@pytest.mark.parametrize("ext", sorted(RENDERERS))
def test_matches_golden_file(kind: str, lang: str, ext: str) -> None:
    text = RENDERERS[ext](REPORTS[kind](lang))
    path = GOLDEN / f"{kind}.{lang}.{ext}"
    if UPDATE:
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"{path.name} is missing: run with REFLEKS_UPDATE_GOLDEN=1"
    assert text == path.read_text(encoding="utf-8")


def test_danish_and_english_differ_only_in_words() -> None:
    da, en = render_csv(team_report("da")), render_csv(team_report("en"))
    assert da.splitlines()[0] == en.splitlines()[0]  # column names are stable for tools
    assert len(da.splitlines()) == len(en.splitlines())
    assert "Teamoversigt" in render_html(team_report("da"))
    assert "Team digest" in render_html(team_report("en"))
