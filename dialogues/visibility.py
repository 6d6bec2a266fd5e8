"""Who may see an answer: the five levels of the privacy model."""

from __future__ import annotations

from enum import StrEnum

from dialogues.text import Lang


class Visibility(StrEnum):
    """Who sees an answer; a leader sees text only at `leaders`."""

    private = "private"
    facilitator = "facilitator"
    team = "team"
    leaders = "leaders"
    aggregate = "aggregate"


# The levels in a fixed order: a visibility button carries a level's index in it.
LEVELS: tuple[Visibility, ...] = tuple(Visibility)

# The levels at which a group's facilitators read the words themselves.
SEEN_BY_FACILITATORS: frozenset[Visibility] = frozenset(
    {Visibility.facilitator, Visibility.team, Visibility.leaders}
)

# From most to least private for levels that show text. `aggregate` is outside the
# ladder: it never shows text at all, so it is neither wider nor narrower than the rest.
TEXT_LADDER: tuple[Visibility, ...] = (
    Visibility.private,
    Visibility.facilitator,
    Visibility.team,
    Visibility.leaders,
)

_SENTENCES: dict[Visibility, tuple[str, str]] = {
    Visibility.private: ("Kun du kan se dit svar.", "Only you can see your answer."),
    Visibility.facilitator: (
        "Du og gruppens facilitatorer kan se dit svar.",
        "You and the group's facilitators can see your answer.",
    ),
    Visibility.team: (
        "Dit team og jeres facilitatorer kan se dit svar, men ikke ledere.",
        "Your team and its facilitators can see your answer, but not leaders.",
    ),
    Visibility.leaders: (
        "Dit team, jeres facilitatorer og lederne af gruppen og netværket over den kan se "
        "dit svar.",
        "Your team, its facilitators and the leaders of the group and the network above it "
        "can see your answer.",
    ),
    Visibility.aggregate: (
        "Ingen ser dit svar for sig: det tæller kun med i et anonymt samlet billede.",
        "Nobody sees your answer on its own: it only counts in an anonymous total.",
    ),
}

_LABELS: dict[Visibility, tuple[str, str]] = {
    Visibility.private: ("Kun mig", "Only me"),
    Visibility.facilitator: ("Mig og facilitatorer", "Me and facilitators"),
    Visibility.team: ("Mit team", "My team"),
    Visibility.leaders: ("Team og ledere", "Team and leaders"),
    Visibility.aggregate: ("Kun anonymt samlet", "Only as an anonymous total"),
}


def describe_visibility(level: Visibility, lang: Lang) -> str:
    """One short sentence saying who will see an answer at `level`."""
    da, en = _SENTENCES[Visibility(level)]
    return da if lang == "da" else en


def visibility_label(level: Visibility, lang: Lang) -> str:
    """A short label for a button that chooses `level`."""
    da, en = _LABELS[Visibility(level)]
    return da if lang == "da" else en


def is_narrowing(new: Visibility, old: Visibility) -> bool:
    """True when `new` shows an answer to the same people as `old` or fewer."""
    if new == old:
        return True
    if Visibility.aggregate in (new, old):
        # Text can always be withdrawn into the anonymous total, never brought out of it.
        return new == Visibility.aggregate
    return TEXT_LADDER.index(new) < TEXT_LADDER.index(old)
