"""The own page in Chromium, with the keyboard alone: after a reflection in the form, Ane
edits an answer from the playback, marks her next step and opens her data page; every
page passes axe-core, and the chat's /mine shows the edited words."""

from __future__ import annotations

from playwright.async_api import Page

from tests.e2e.flows import join, new_team, participant_link, reply, text_of
from tests.web.conftest import Site
from tests.web.steps import FROM_THE_START, NEXT_STEP, VISIT, fill

EDITED = "Skovskolen ved søen, 7. klasse"


async def tab_to(page: Page, name: str, *, href: str = "", most: int = 80) -> None:
    """Press Tab until the focused element's text or label holds `name` (and, if given, it
    links to `href`), as a person would look for it; fails if the keyboard cannot reach it."""
    for _ in range(most):
        await page.keyboard.press("Tab")
        focused = await page.evaluate(
            """() => {
                const e = document.activeElement;
                if (!e) return ["", ""];
                const label = e.labels && e.labels.length ? e.labels[0].innerText : "";
                const name = `${e.innerText || ""} ${e.value || ""} ${label}`;
                return [name, e.getAttribute("href") || ""];
            }"""
        )
        if name in focused[0] and focused[1].endswith(href):
            return
    raise AssertionError(f"{name!r} is not reachable with Tab on {page.url}")


async def test_the_own_page_works_with_the_keyboard_alone(site: Site) -> None:
    bot, page = site.bot, site.page
    ane = site.fake.add_user("Ane")
    await new_team(bot, "Team 4A")
    await join(bot, ane, await participant_link(bot, "Team 4A"))
    await site.sign_in(ane)
    await page.goto(f"{site.base}/reflect")
    await page.get_by_label("Roller og relationer i åben skole", exact=True).check()
    async with page.expect_navigation():
        await page.get_by_role("button", name="Begynd").click()
    for steps in FROM_THE_START:
        await fill(page, steps)
    assert VISIT in await page.inner_text("main")
    assert "Her er det, du har svaret" in await page.inner_text("main")

    # From the playback to the visit's answer page, and the words changed, by keyboard.
    question = await page.evaluate(
        """(visit) => [...document.querySelectorAll("dl.playback dd")]
            .find(d => d.innerText === visit).previousElementSibling.id""",
        VISIT,
    )
    visit = "/me/answers/" + question.removeprefix("answer-")
    await tab_to(page, "Ret, lad færre se eller træk tilbage", href=visit)
    async with page.expect_navigation():
        await page.keyboard.press("Enter")
    await site.accessible()
    await site.screenshot("ret-svar")
    await tab_to(page, "Dit svar")
    await page.keyboard.press("Control+A")
    await page.keyboard.type(EDITED)
    await tab_to(page, "Gem")
    async with page.expect_navigation():
        await page.keyboard.press("Enter")
    body = await page.inner_text("main")
    assert "Dit svar er rettet" in body
    assert EDITED in body
    await site.accessible()

    # The next step marked done from the own page.
    await page.goto(f"{site.base}/me")
    await site.accessible()
    await site.screenshot("min-side")
    assert NEXT_STEP in await page.inner_text("#steps + ul")
    await tab_to(page, "Gjort")
    async with page.expect_navigation():
        await page.keyboard.press("Enter")
    assert "står nu som gjort" in await page.inner_text("main")

    # The data page: both downloads and the question before deleting.
    await tab_to(page, "Hent en kopi af dine data")
    async with page.expect_navigation():
        await page.keyboard.press("Enter")
    await site.accessible()
    assert "Vil du slette dine data?" in await page.inner_text("main")
    async with page.expect_download() as waiting:
        await tab_to(page, "som fil (JSON)")
        await page.keyboard.press("Enter")
    download = await waiting.value
    assert download.suggested_filename.endswith(".json")

    listed = await reply(bot, ane, "/mine")
    assert "Roller og relationer i åben skole" in text_of(listed)
