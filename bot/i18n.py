"""What the bot says, in Danish and English, kept as data in bot/texts/<lang>/*.yaml.

Each feature keeps its texts in a file of its own; keys are unique across files.

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
# libyaml's safe loader when PyYAML has it (its wheels do): the texts load in milliseconds.
_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@cache
def catalog(lang: Lang) -> dict[str, str]:
    texts: dict[str, str] = {}
    for path in sorted((TEXTS / lang).glob("*.yaml")):
        with path.open(encoding="utf-8") as handle:
            data = yaml.load(handle, Loader=_LOADER) or {}  # noqa: S506 (a safe loader)
        if not isinstance(data, dict):
            raise TypeError(f"{path} must be a mapping of keys to texts")
        for key, value in data.items():
            if str(key) in texts:
                raise ValueError(f"{path}: the key {key} is defined twice")
            texts[str(key)] = str(value).rstrip("\n")
    return texts


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
