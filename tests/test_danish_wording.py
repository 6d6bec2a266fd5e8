"""Every Danish text speaks with one voice: no phrasings we have replaced, and »Danish quotes«.

The scan covers the bot's Danish texts (bot/texts/da), every Danish field of every format
(the `da` side, never `en`), the few Danish texts kept in code, and the literal words of
the summary, export and web templates (what is left once Jinja and HTML tags are removed;
those templates serve both languages, so a quotation mark there would be wrong in one).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.i18n import catalog
from dialogues.prompts import DEFAULT_DUE_TEXT, DEFAULT_REACH_TEXT
from dialogues.templating import _LABELS

ROOT = Path(__file__).resolve().parent.parent
FORMATS = ROOT / "dialogues" / "formats"
TEMPLATES = [
    *sorted((ROOT / "dialogues" / "templates").rglob("*.j2")),
    *sorted((ROOT / "bot" / "web" / "templates").glob("*.html")),
]

# What we no longer say, with what we say instead.
FORBIDDEN: dict[str, str] = {
    # "lave en refleksion", or "Hvad vil du reflektere over?"
    "tage en refleksion": r"\btag(?:e|er)?\s+(?:en\s+|nye?\s+|flere\s+)*refleksion",
    # "tage kontakt på en anden måde"
    "række ud": r"\brække\s+ud\b",
    # "kolleger på skolen"
    "derhjemme": r"\bderhjemme\b",
    # "Læg til side" / "lagt til side" (the stored status stays `dropped`)
    "drop": r"\bdrop(?:pe[rt]?)?\b",
    "tak for din iver": r"\btak\s+for\s+din\s+iver\b",
    # "Svaret kan allerede kun ses af så få som muligt."
    "færre kan ikke se": r"\bfærre\s+kan\s+ikke\s+se\b",
    # "hvordan det går med hvert skridt"
    "hvor langt hvert skridt": r"\bhvor\s+langt\s+hvert\s+skridt\b",
    # "Sådan nåede det kollegerne"
    "nåede kollegerne sådan": r"\bnåede\s+kollegerne\s+sådan\b",
    # uddannelse og job is an obligatorisk emne, not a fag
    "faget uddannelse og job": r"\bfaget\s+uddannelse\s+og\s+job\b",
    # "Beskriv, hvilke data I har"
    "fortæl, hvad data er": r"\bfortæl,?\s+hvad\s+data\s+er\b",
    # anything but "der er ingen rigtige eller forkerte svar" (removed before this is tried)
    "intet rigtigt eller forkert": (
        r"\b(?:intet|ingen|hverken|ikke\s+noget)\s+(?:rigtig|forkert)\w*"
        r"|\brigtig\w*\s+(?:eller|og)\s+forkert"
    ),
    # agreement scales run from "Helt uenig" to "Helt enig"
    "slet ikke enig": r"\b(?:slet\s+ikke|meget|fuldstændig|totalt)\s+u?enig\b",
}
NO_RIGHT_OR_WRONG = re.compile(r"\bingen\s+rigtige\s+eller\s+forkerte\s+svar\b", re.IGNORECASE)
_PATTERNS = {name: re.compile(rx, re.IGNORECASE) for name, rx in FORBIDDEN.items()}

_JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.DOTALL)
_STYLE = re.compile(r"<(style|script)\b.*?</\1>", re.DOTALL | re.IGNORECASE)
_TAG = re.compile(r"<[^>]*>")
# Quotation marks of other languages; Danish quotes »like this«.
_FOREIGN_QUOTES = '„“”"'


def prose(text: str) -> str:
    """The words of `text` a reader sees: no Jinja, no HTML tags or their attributes."""
    return _TAG.sub(" ", _STYLE.sub(" ", _JINJA.sub(" ", text)))


def forbidden_in(text: str) -> list[str]:
    """The forbidden phrasings `text` uses."""
    words = NO_RIGHT_OR_WRONG.sub(" ", prose(text))
    return [name for name, pattern in _PATTERNS.items() if pattern.search(words)]


def quote_problems(text: str) -> list[str]:
    """Quotation marks that are not Danish: „“”, straight quotes, or «the wrong way round»."""
    words = prose(text)
    found = [f"uses {mark}" for mark in _FOREIGN_QUOTES if mark in words]
    marks = "".join(ch for ch in words if ch in "»«")
    if marks != "»«" * (len(marks) // 2):
        found.append("guillemets must open with » and close with «")
    return found


def _danish_in(node: Any, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "da" and isinstance(value, str):
                yield path, value
            else:
                yield from _danish_in(value, f"{path}.{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _danish_in(value, f"{path}[{i}]")


def danish_texts() -> Iterator[tuple[str, str]]:
    """(where, text) for every Danish text the product says."""
    for key, text in catalog("da").items():
        yield f"bot/texts/da: {key}", text
    for path in sorted(FORMATS.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        yield from _danish_in(data, path.name)
    yield "dialogues/prompts.py: DEFAULT_DUE_TEXT", DEFAULT_DUE_TEXT.da
    yield "dialogues/prompts.py: DEFAULT_REACH_TEXT", DEFAULT_REACH_TEXT.da
    for key, (da, _) in _LABELS.items():
        yield f"dialogues/templating.py: {key}", da


def template_texts() -> Iterator[tuple[str, str]]:
    for path in TEMPLATES:
        yield str(path.relative_to(ROOT)), path.read_text(encoding="utf-8")


TEXTS = list(danish_texts())


def test_the_scan_sees_every_kind_of_text() -> None:
    places = {where.split(":")[0].split(".")[0] for where, _ in TEXTS}
    assert {"bot/texts/da", "opfoelgning", "laeringscirkel", "dialogues/prompts"} <= places
    assert len(TEMPLATES) > 10


def test_no_danish_text_uses_a_replaced_phrasing() -> None:
    found = [(where, forbidden_in(text)) for where, text in TEXTS]
    found += [(where, forbidden_in(text)) for where, text in template_texts()]
    assert [(where, names) for where, names in found if names] == []


def test_danish_texts_quote_the_danish_way() -> None:
    found = [(where, quote_problems(text)) for where, text in TEXTS]
    assert [(where, problems) for where, problems in found if problems] == []


def test_templates_carry_no_quotation_marks_of_their_own() -> None:
    """Templates serve both languages; quotes come from the texts, in the reader's language."""
    marks = "„“”«»"
    found = [
        (where, sorted({ch for ch in prose(text) if ch in marks}))
        for where, text in template_texts()
    ]
    assert [(where, chars) for where, chars in found if chars] == []


@pytest.mark.parametrize(
    ("name", "sentence"),
    [
        ("tage en refleksion", "Skriv /reflect for at tage en refleksion."),
        ("tage en refleksion", "Du kan ikke tage refleksioner i den gruppe."),
        ("tage en refleksion", "Tag en ny refleksion"),
        ("række ud", "Måske vil du række ud på anden vis?"),
        ("derhjemme", "Hvordan når det dine kolleger derhjemme?"),
        ("drop", "Drop"),
        ("drop", "står nu som droppet"),
        ("tak for din iver", "Tak for din iver! Det er facilitatoren, der styrer."),
        ("færre kan ikke se", "Færre kan ikke se det svar, end der gør nu."),
        ("hvor langt hvert skridt", "ser din facilitator, hvor langt hvert skridt er nået"),
        ("nåede kollegerne sådan", "  Nåede kollegerne sådan: {text}"),
        ("faget uddannelse og job", "fx i faget uddannelse og job."),
        ("fortæl, hvad data er", "Fortæl, hvad data er, og hvordan de er samlet."),
        ("intet rigtigt eller forkert", "Der er intet rigtigt eller forkert her."),
        ("intet rigtigt eller forkert", "Der er ingen rigtige svar her."),
        ("intet rigtigt eller forkert", "Der er ingen forkerte svar."),
        ("slet ikke enig", "Slet ikke enig"),
        ("slet ikke enig", "Meget uenig"),
    ],
)
def test_the_scan_catches_each_replaced_phrasing(name: str, sentence: str) -> None:
    assert name in forbidden_in(sentence)
    assert name in forbidden_in(f"<b>{sentence.upper()}</b>")


@pytest.mark.parametrize(
    "sentence",
    [
        "Skriv /reflect for at lave en refleksion.",
        "Der er ingen rigtige eller forkerte svar.",
        "Helt uenig … Helt enig",
        "Læg til side",
        "Hvordan når det dine kolleger på skolen?",
        "Giv eller tag en rolle",
        '<a href="https://example.org">{{ "Drop" }}</a>',
    ],
)
def test_the_scan_lets_the_new_wording_pass(sentence: str) -> None:
    assert forbidden_in(sentence) == []


@pytest.mark.parametrize(
    "sentence",
    [
        "Prøv fx „15/1“ eller „om to uger“.",
        'Tak – "{what}" står nu som gjort.',
        "Tak – “{what}” står nu som gjort.",
        "Du er i gang med «{title}».",
    ],
)
def test_the_scan_catches_foreign_quotation_marks(sentence: str) -> None:
    assert quote_problems(sentence) != []


@pytest.mark.parametrize(
    "sentence",
    [
        "Du er i gang med »{title}«.",
        'Se <a href="https://example.org">siden</a>.',
        "Sidst satte du dig: »{{ ctx.get('next_step') }}«.",
        '{% if x == "a" %}Ja{% endif %}',
    ],
)
def test_the_scan_lets_danish_quotes_and_markup_pass(sentence: str) -> None:
    assert quote_problems(sentence) == []
