"""The facilitator's pages in Chromium, with the keyboard: from the own page to the group,
a new invite link with its QR code, a series of meetings planned, and one date skipped
after the question; every page passes axe-core."""

from __future__ import annotations

from tests.e2e.flows import join, new_team, participant_link
from tests.web.conftest import Site
from tests.web.test_own_page_in_browser import tab_to


async def test_the_facilitator_looks_after_the_group_in_the_browser(site: Site) -> None:
    bot, page = site.bot, site.page
    frida = site.fake.add_user("Frida")
    ane = site.fake.add_user("Ane")
    await join(bot, frida, await new_team(bot, "Team 4A"))
    await join(bot, ane, await participant_link(bot, "Team 4A"))
    await site.sign_in(frida)

    # From the own page to the group, by keyboard.
    await tab_to(page, "Se dine grupper", href="/groups")
    async with page.expect_navigation():
        await page.keyboard.press("Enter")
    await site.accessible()
    await tab_to(page, "Team 4A")
    async with page.expect_navigation():
        await page.keyboard.press("Enter")
    await site.accessible()
    members = await page.inner_text("#members ~ .table-wrap table")
    for shown in ("Frida", "Ane", "deltager", "facilitator"):
        assert shown in members

    # A link for a whole meeting, with a QR code the page is allowed to show.
    await page.get_by_label("Deltagere", exact=True).check()
    await page.get_by_label("Op til 40 personer", exact=True).check()
    await tab_to(page, "Lav linket")
    async with page.expect_navigation():
        await page.keyboard.press("Enter")
    assert "Linket er klar" in await page.inner_text("main")
    qr = page.locator("img.qr").first
    await qr.scroll_into_view_if_needed()
    assert await qr.evaluate("img => img.complete && img.naturalWidth > 0")
    assert "?start=" in await page.inner_text(".invites .link")
    await site.accessible()

    # A series of three meetings, every other week.
    await tab_to(page, "Dato")
    await page.fill("#plan-date", "2026-12-01")
    await page.fill("#plan-time", "14:00")
    await page.fill("#plan-minutes", "90")
    await page.fill("#plan-every", "2")
    await page.fill("#plan-count", "3")
    await tab_to(page, "Planlæg")
    async with page.expect_navigation():
        await page.keyboard.press("Enter")
    body = await page.inner_text("main")
    assert "3 møder i Team 4A er planlagt" in body
    assert "15. december 2026 kl. 14.00–15.30" in body
    await site.accessible()
    await site.screenshot("facilitator-side")

    # Skip the second date, after the question.
    await page.locator("#meetings ~ .table-wrap a").nth(1).focus()
    async with page.expect_navigation():
        await page.keyboard.press("Enter")
    await site.accessible()
    assert "Forberedelse" in await page.inner_text("main")
    await tab_to(page, "Spring denne dato over")
    async with page.expect_navigation():
        await page.keyboard.press("Enter")
    await site.accessible()
    assert "Vil du aflyse mødet" in await page.inner_text("main")
    await tab_to(page, "Ja, aflys")
    async with page.expect_navigation():
        await page.keyboard.press("Enter")
    body = await page.inner_text("main")
    assert "Mødet er aflyst" in body
    assert "15. december 2026" not in body
    assert "29. december 2026" in body
