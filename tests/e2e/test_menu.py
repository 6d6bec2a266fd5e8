"""/reflect says what each reflection is for and about how long it takes, grouped by the
situation it belongs to; the learning circle, chosen in private, says where it runs."""

from __future__ import annotations

from tests.e2e.conftest import Harness
from tests.e2e.flows import join, new_team, participant_link, press, reply, text_of


async def test_the_menu_groups_formats_by_situation_with_purpose_and_time(bot: Harness) -> None:
    ane = bot.fake.add_user("Ane")
    await new_team(bot, "Team 4A")
    await join(bot, ane, await participant_link(bot, "Team 4A"))
    menu = await reply(bot, ane, "/reflect")
    text = text_of(menu)
    headings = ["Før eller efter et besøg", "I teamet", "Før og mellem netværksmøderne"]
    headings.append("Som leder")
    places = [text.index(h) for h in headings]
    assert places == sorted(places)
    visit = text.index("Roller og relationer i åben skole · ca. 15 min")
    assert places[0] < visit < places[1]
    assert "Se på roller og relationer før eller efter et besøg uden for skolen." in text
    assert places[1] < text.index("Læringscirklen · ca. 55 min · i teamets gruppechat")
    assert places[3] < text.index("Læringssamtalen på skolen · ca. 20 min")
    # One button per format, in the order they are listed.
    labels = [label for label, _ in menu.buttons()]
    assert len(labels) == len(list(bot.app.catalog))
    assert [text.index(f"{label} ·") for label in labels] == sorted(
        text.index(f"{label} ·") for label in labels
    )

    circle = await press(bot, ane, menu, "Læringscirklen")
    assert "teamets gruppechat" in text_of(circle)
    assert "/circle" in text_of(circle)


async def test_the_menu_in_english(bot: Harness) -> None:
    ben = bot.fake.add_user("Ben", language_code="en")
    await new_team(bot, "Team 4A")
    await join(bot, ben, await participant_link(bot, "Team 4A"))
    text = text_of(await reply(bot, ben, "/reflect"))
    assert "Before or after a visit" in text
    assert "about 15 min" in text
    assert "Prepare a learning conversation, or sum one up afterwards." in text


async def test_an_introduction_comes_before_its_background(bot: Harness) -> None:
    """The introduction says what the reflection is about; the three roles it rests on
    follow it, not the other way round."""
    ane = bot.fake.add_user("Ane")
    await new_team(bot, "Team 4A")
    await join(bot, ane, await participant_link(bot, "Team 4A"))
    menu = await reply(bot, ane, "/reflect")
    timing = await press(bot, ane, menu, "Roller og relationer")
    intro = text_of(await press(bot, ane, timing, "Efter besøget"))
    assert intro.index("Når skolen møder et eksternt læringsmiljø") < intro.index("Tre roller")


async def test_a_reflection_in_english_counts_its_steps_and_reads_the_answers_back(
    bot: Harness,
) -> None:
    """The same thank-you with the answers read back, and the same step counter, in
    English."""
    ben = bot.fake.add_user("Ben", language_code="en")
    await new_team(bot, "Team 4A")
    await join(bot, ben, await participant_link(bot, "Team 4A"))
    menu = await reply(bot, ben, "/reflect")
    intro = await press(bot, ben, menu, "The four questions")
    first = await press(bot, ben, intro, "OK")
    assert "Step 2 of" in text_of(first)
    answers = [
        "Feeling safe enough to try.",
        "To explain their thinking in maths.",
        "When they can explain a solution to a classmate.",
        "Pair them with a talk partner.",
    ]
    shown = first
    for words in answers:
        shown = await reply(bot, ben, words)
    step = await press(bot, ben, shown, "1.")
    done = await press(bot, ben, step, "Skip")
    played = text_of(done)
    assert "What you answered in The four questions" in played
    for words in answers:
        assert words in played, words
    assert "👁" in played
    assert any("Change an answer" in label for label, _ in done.buttons())
