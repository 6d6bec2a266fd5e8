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
