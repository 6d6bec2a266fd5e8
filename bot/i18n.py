"""What the bot says, in Danish and English, kept as data in bot/texts/<lang>.yaml.

Texts may contain Telegram's small HTML subset (<b>, <i>); values passed in are plain text
and are escaped by the channel that renders them.
"""

from __future__ import annotations

import string
from functools import cache
from pathlib import Path
from typing import Any, Literal

import yaml

Lang = Literal["da", "en"]
LANGUAGES: tuple[Lang, ...] = ("da", "en")
TEXTS = Path(__file__).with_name("texts")


@cache
def catalog(lang: Lang) -> dict[str, str]:
    with (TEXTS / f"{lang}.yaml").open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    if not isinstance(data, dict):
        raise TypeError(f"{lang}.yaml must be a mapping of keys to texts")
    return {str(k): str(v).rstrip("\n") for k, v in data.items()}


def language_of(code: str | None) -> Lang:
    """A person's language from their Telegram language: English when English, else Danish."""
    return "en" if code and code.lower().startswith("en") else "da"


def as_lang(value: str | None, default: Lang = "da") -> Lang:
    if value == "en":
        return "en"
    if value == "da":
        return "da"
    return default


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def t(lang: str, key: str, **params: Any) -> str:
    """The text `key` in `lang`, with `params` filled in."""
    texts = catalog(as_lang(lang))
    template = texts[key]
    return template.format(**params) if params else template
