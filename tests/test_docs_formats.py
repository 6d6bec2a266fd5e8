"""docs/formater.md describes every format the bot offers, with its title, time and place."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from dialogues.loader import load_catalog
from dialogues.schema import Format

PAGE = Path(__file__).resolve().parent.parent / "docs" / "formater.md"
MENU_HEADINGS = {
    "visit": "Før eller efter et besøg",
    "team": "I teamet",
    "network": "Før og mellem netværksmøderne",
    "leader": "Som leder",
}
FORMATS = list(load_catalog())


def _sections(text: str) -> dict[str, tuple[str, str, str]]:
    """Each format section by id: its title, the situation heading above it, and its body."""
    found: dict[str, tuple[str, str, str]] = {}
    situation = ""
    parts = re.split(r"^(#{2,3} .*)$", text, flags=re.MULTILINE)
    for heading, body in zip(parts[1::2], parts[2::2], strict=True):
        if heading.startswith("## "):
            situation = heading[3:].strip()
            continue
        match = re.fullmatch(r"### (.+) \(`([a-z0-9-]+)`\)", heading.strip())
        assert match is not None, f"a format heading names its id: {heading!r}"
        found[match.group(2)] = (match.group(1), situation, body)
    return found


SECTIONS = _sections(PAGE.read_text(encoding="utf-8"))


def test_the_page_describes_every_format_and_no_other() -> None:
    assert sorted(SECTIONS) == sorted(f.id for f in FORMATS)


@pytest.mark.parametrize("fmt", FORMATS, ids=lambda f: f.id)
def test_each_format_has_its_title_time_and_situation(fmt: Format) -> None:
    title, situation, body = SECTIONS[fmt.id]
    assert title == fmt.title.get("da")
    assert situation == MENU_HEADINGS[fmt.situation]
    assert f"**Tid:** ca. {fmt.minutes} min." in body
    for field in ("**Til:**", "**Hvornår:**", "**Alene eller sammen:**", "**Kilde:**"):
        assert field in body, f"{fmt.id} says {field}"
    together = fmt.audience == "group"
    assert ("**Alene eller sammen:** sammen" in body) is together


@pytest.mark.parametrize("fmt", FORMATS, ids=lambda f: f.id)
def test_the_overview_table_agrees(fmt: Format) -> None:
    text = PAGE.read_text(encoding="utf-8")
    row = f"| {fmt.title.get('da')} | {MENU_HEADINGS[fmt.situation]} | {fmt.minutes} min |"
    assert row in text
