"""Localized text: every word the bot says exists in Danish and English."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, StringConstraints

Lang = Literal["da", "en"]
LANGS: tuple[Lang, ...] = ("da", "en")

# Empty or whitespace-only text counts as missing: a prompt nobody can read is a bug.
NonEmpty = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class LocalizedText(BaseModel):
    """A text in Danish (first) and English; both are required."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    da: NonEmpty
    en: NonEmpty

    def get(self, lang: Lang) -> str:
        """Return the text in `lang`."""
        return self.da if lang == "da" else self.en


def pick(lang: Lang, da: str, en: str) -> str:
    """Choose between two inline texts; keeps small code-side texts readable."""
    return da if lang == "da" else en
