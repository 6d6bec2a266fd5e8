"""Both languages say the same things: same keys, same placeholders, valid markup."""

from __future__ import annotations

import re

import pytest

from bot.i18n import LANGUAGES, catalog, language_of, placeholders, t

ALLOWED_TAGS = {"b", "i", "u", "s", "code", "pre", "a", "blockquote"}


def test_catalogs_have_the_same_keys() -> None:
    da, en = catalog("da"), catalog("en")
    assert sorted(set(da) ^ set(en)) == []


@pytest.mark.parametrize("key", sorted(catalog("da")))
def test_placeholders_match(key: str) -> None:
    assert placeholders(catalog("da")[key]) == placeholders(catalog("en")[key])


@pytest.mark.parametrize("lang", LANGUAGES)
def test_only_telegram_html_and_balanced(lang: str) -> None:
    for key, text in catalog(lang).items():  # type: ignore[arg-type]
        tags = re.findall(r"<(/?)([a-z-]+)[^>]*>", text)
        assert {name for _, name in tags} <= ALLOWED_TAGS, key
        depth: list[str] = []
        for closing, name in tags:
            if closing:
                assert depth, key
                assert depth.pop() == name, key
            else:
                depth.append(name)
        assert depth == [], key
        assert "&" not in re.sub(r"&(amp|lt|gt|quot);", "", text), key


def test_language_from_telegram() -> None:
    assert language_of("en-GB") == "en"
    assert language_of("da") == "da"
    assert language_of("de") == "da"
    assert language_of(None) == "da"


def test_texts_fill_in_values() -> None:
    assert "Team 4A" in t("da", "start.joined", group="Team 4A", role="deltager")
    assert t("en", "role.leader") == "leader"
