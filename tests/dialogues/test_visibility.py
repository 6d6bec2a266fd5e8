"""Every visibility level says, in both languages, who will see an answer."""

import pytest

from dialogues.visibility import Visibility, describe_visibility, is_narrowing, visibility_label


@pytest.mark.parametrize("level", list(Visibility))
def test_every_level_is_described_in_both_languages(level: Visibility) -> None:
    da, en = describe_visibility(level, "da"), describe_visibility(level, "en")
    assert da
    assert en
    assert da != en
    assert visibility_label(level, "da") != visibility_label(level, "en")


def test_private_says_only_you() -> None:
    assert describe_visibility(Visibility.private, "da") == "Kun du kan se dit svar."
    assert describe_visibility(Visibility.private, "en") == "Only you can see your answer."


def test_team_level_says_leaders_do_not_see() -> None:
    assert "ikke ledere" in describe_visibility(Visibility.team, "da")
    assert "not leaders" in describe_visibility(Visibility.team, "en")


def test_narrowing_follows_the_ladder() -> None:
    assert is_narrowing(Visibility.private, Visibility.team)
    assert is_narrowing(Visibility.team, Visibility.team)
    assert not is_narrowing(Visibility.leaders, Visibility.facilitator)
    assert is_narrowing(Visibility.aggregate, Visibility.leaders)
    assert not is_narrowing(Visibility.private, Visibility.aggregate)


def test_the_levels_are_defined_once_and_everything_else_follows_the_enum() -> None:
    from bot.services.summaries import LEVELS as READ_BY
    from dialogues.visibility import LEVELS, SEEN_BY_FACILITATORS
    from storage.models import Answer, NextStep

    assert tuple(Visibility) == LEVELS
    assert set(READ_BY["facilitator"]) == SEEN_BY_FACILITATORS
    assert all(isinstance(level, Visibility) for levels in READ_BY.values() for level in levels)
    for model in (Answer, NextStep):
        checks = [
            str(c.sqltext) for c in model.__table__.constraints if "visibility" in str(c.name)
        ]
        assert checks == [
            "visibility IN ('private', 'facilitator', 'team', 'leaders', 'aggregate')"
        ], model
