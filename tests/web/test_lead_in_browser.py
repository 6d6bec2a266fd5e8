"""A leader's summary in Chromium: Lea leads a realistic network (four teams, six meetings
over a school year), finds its summary from her own page, narrows it to the autumn with the
form, and prints it: every page passes axe-core, the print is A4, and no table is wider
than the paper."""

from __future__ import annotations

import io
import os
from collections.abc import AsyncIterator
from typing import Any

import pytest
from playwright.async_api import Page
from pypdf import PdfReader

from bot.services import web_sign_in
from storage.db import Database
from storage.repositories import people
from tests.summaries.network import NETWORK, build_network
from tests.support import Clock, make_app
from tests.web.conftest import SCREENSHOTS, Site, _free_port, browsing

A4 = (595.0, 842.0)  # points
A4_WIDTH_PX = 794  # 210 mm at 96 px to the inch


@pytest.fixture
async def leader_site(
    database: Database, axe_source: str, chromium: str
) -> AsyncIterator[tuple[Site, str]]:
    """The web part alone (no chat is needed here) on the realistic network; Chromium at a
    phone's width, and the one-time sign-in link of the network's leader."""
    port = _free_port()
    clock = Clock()
    app = make_app(database, clock, refleks_web_port=port)
    built = await build_network(app, clock)

    async def link(session: Any) -> str:
        leader = await people.get(session, built.leader.id)
        assert leader is not None
        return await web_sign_in.issue_link(app, session, leader)

    sign_in = await app.db.run(link)
    async with browsing(app, chromium=chromium, axe=axe_source) as site:
        yield site, sign_in


async def _screenshot(page: Page, name: str) -> None:
    """The top of the page as the screen shows it (the whole summary is many screens long);
    kept for the leaders' guide with REFLEKS_SCREENSHOTS=1, like `Site.screenshot`."""
    picture = await page.screenshot(full_page=False)
    assert picture.startswith(b"\x89PNG")
    if os.environ.get("REFLEKS_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        (SCREENSHOTS / f"{name}.png").write_bytes(picture)


async def _tables_fit(page: Page) -> list[str]:
    """Every table wider than the box it sits in (or than the page), as print lays it out."""
    found: list[str] = await page.evaluate(
        """() => [...document.querySelectorAll("table")]
            .filter(t => t.scrollWidth > t.parentElement.clientWidth
                      || t.getBoundingClientRect().right > document.documentElement.clientWidth)
            .map(t => `${t.querySelector("caption, th")?.innerText}: ${t.scrollWidth}px`
                      + ` in ${t.parentElement.clientWidth}px`)"""
    )
    return found


async def test_a_leader_reads_narrows_and_prints_the_networks_summary(
    leader_site: tuple[Site, str],
) -> None:
    site, sign_in = leader_site
    page = site.page
    await page.goto(sign_in)
    await page.get_by_role("button", name="Log ind").click()
    await page.wait_for_url(f"{site.base}/me")

    # From the own page to the list of groups, and on to the network.
    async with page.expect_navigation():
        await page.get_by_role("link", name="Se opsummeringer af dine grupper").click()
    await site.accessible()
    assert await page.get_by_role("link", name="Skovly").count() == 1  # teams under it too
    async with page.expect_navigation():
        await page.get_by_role("link", name=NETWORK, exact=True).click()
    await site.accessible()
    main = await page.inner_text("main")
    assert f"Netværksoversigt: {NETWORK}" in main
    assert "Kort fortalt" in main
    assert "Log ud" in await page.inner_text("header")
    whole_year = await page.locator("table").count()
    assert await page.locator("img.chart").count() == 1  # the chart's data: address passes the CSP

    # The autumn only, with every snapshot.
    await page.get_by_label("Fra en dato til en anden").check()
    await page.get_by_label("Fra", exact=True).fill("2026-08-01")
    await page.get_by_label("Til", exact=True).fill("2026-12-31")
    await page.get_by_label("Vis hvert øjebliksbillede").check()
    async with page.expect_navigation():
        await page.get_by_role("button", name="Vis", exact=True).click()
    await site.accessible()
    assert "Periode: 1. aug. 2026 – 31. dec. 2026" in await page.inner_text("main")
    assert "period=2026-08-01..2026-12-31&history=1" in (
        await page.get_by_role("link", name="Hent som regneark (CSV til Excel)").get_attribute(
            "href"
        )
        or ""
    )
    assert await page.locator("table").count() <= whole_year

    # A period the service cannot read is said beside its field, and the page still passes.
    await page.goto(f"{page.url.split('?')[0]}?period=year&year=sidste+år")
    await site.accessible()
    problem = page.locator("#year-problem")
    assert "fire cifre" in await problem.inner_text()
    assert await page.get_by_label("År", exact=True).get_attribute("aria-invalid") == "true"

    # The whole period at a laptop's width, for the leaders' guide.
    await page.goto(page.url.split("?")[0])
    await page.set_viewport_size({"width": 1100, "height": 1500})
    await site.accessible()
    await _screenshot(page, "leder-side")

    # On paper: A4 from the page's own print styles, no menu, no table wider than the page.
    pdf = await page.pdf(prefer_css_page_size=True, print_background=True)
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) >= 2
    for sheet in reader.pages:
        size = (float(sheet.mediabox.width), float(sheet.mediabox.height))
        assert abs(size[0] - A4[0]) <= 2, size
        assert abs(size[1] - A4[1]) <= 2, size
    printed = "".join(sheet.extract_text() for sheet in reader.pages)
    assert "Netværksoversigt" in printed
    assert "Log ud" not in printed
    assert "Tag opsummeringen med" not in printed

    await page.set_viewport_size({"width": A4_WIDTH_PX, "height": 1123})
    await page.emulate_media(media="print")
    assert await page.locator("form.period").is_hidden()
    assert await page.locator("table.matrix").count() >= 3
    assert await _tables_fit(page) == []
