"""A reflection as a form in Chromium: signed in by a one-time link from /web, the same
session and services as the chat, every page checked with axe-core."""

from __future__ import annotations

from tests.e2e.flows import join, new_team, participant_link, press, reply, text_of
from tests.web.conftest import Site
from tests.web.steps import AFTER_THE_ROLE, FROM_THE_START, NEXT_STEP, VISIT, fill


async def test_a_participant_signs_in_and_completes_roles_and_relations_as_a_form(
    site: Site,
) -> None:
    """Ane asks for a link in the chat, signs in, takes the reflection page by page, sees
    her answers played back, and finds the reflection in /mine and her step in /next."""
    bot, page = site.bot, site.page
    ane = site.fake.add_user("Ane")
    await new_team(bot, "Team 4A")
    await join(bot, ane, await participant_link(bot, "Team 4A"))

    await site.sign_in(ane)
    await site.accessible()
    await site.screenshot("min-side-tom")

    await page.get_by_role("link", name="Begynd en ny refleksion").click()
    await page.wait_for_url(f"{site.base}/reflect")
    await site.accessible()
    await site.screenshot("ny-refleksion")
    await page.get_by_label("Roller og relationer i åben skole", exact=True).check()
    async with page.expect_navigation():
        await page.get_by_role("button", name="Begynd").click()

    for number, steps in enumerate(FROM_THE_START):
        await site.accessible()
        if number == 1:
            assert "Kun du kan se dit svar" in await page.inner_text("#s1-who")
            await site.screenshot("formular")
            # What is typed is kept in the browser until it is sent, field by field.
            await page.locator("#s4-answer").fill("Et udkast, der ikke må gå tabt")
            await page.reload()
            assert await page.locator("#s4-answer").input_value() == (
                "Et udkast, der ikke må gå tabt"
            )
            assert await page.locator("#s3-answer").input_value() == ""
        await fill(page, steps)

    assert "/me/reflections/" in page.url
    body = await page.inner_text("main")
    assert "Tak for din refleksion" in body
    assert VISIT in body
    assert NEXT_STEP in body
    await site.accessible()
    await site.screenshot("gennemsyn")

    listed = await reply(bot, ane, "/mine")
    assert "Roller og relationer i åben skole (Team 4A)" in text_of(listed)
    steps = await reply(bot, ane, "/next")
    assert NEXT_STEP in text_of(steps) or NEXT_STEP in text_of(
        await site.fake.wait_for_message(ane)
    )


async def test_a_reflection_started_in_the_chat_is_finished_in_the_form(site: Site) -> None:
    """Ane answers the first questions in the chat; the form goes on from the same step,
    shows what she answered there, and finishes the same session."""
    bot, page = site.bot, site.page
    ane = site.fake.add_user("Ane")
    await new_team(bot, "Team 4A")
    await join(bot, ane, await participant_link(bot, "Team 4A"))
    menu = await reply(bot, ane, "/reflect")
    timing = await press(bot, ane, menu, "Roller og relationer")
    intro = await press(bot, ane, timing, "Efter besøget")
    role = await press(bot, ane, intro, "OK")
    visit = await press(bot, ane, role, "Lærer")
    assert "Besøget" in text_of(visit)

    await site.sign_in(ane)
    assert "Du er i gang med" in await page.inner_text("main")
    async with page.expect_navigation():
        await page.get_by_role("link", name="Fortsæt, hvor du slap").click()
    await site.accessible()
    assert "Besøget" in await page.inner_text("#s0 legend")
    assert "Lærer" in await page.inner_text(".playback")
    await fill(page, AFTER_THE_ROLE)
    assert "Tak for din refleksion" in await page.inner_text("main")

    listed = await reply(bot, ane, "/mine")
    assert text_of(listed).count("Roller og relationer i åben skole") == 1
