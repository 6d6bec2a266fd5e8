"""Sign-in through Telegram's Mini App, CSRF and other people's things, in Chromium."""

from __future__ import annotations

import re
from datetime import timedelta

from playwright.async_api import Route

from storage.repositories import people
from tests.e2e.flows import (
    join,
    new_team,
    participant_link,
)
from tests.fakebot.world import User
from tests.web.conftest import Site
from tests.web.init_data import signed_init_data, telegram_script
from tests.web.steps import FROM_THE_START, fill


async def _open_mini_app(site: Site, init_data: str) -> int:
    """Open /app as Telegram would, with `init_data` in Telegram's script; the status of
    the page the Mini App lands on."""

    async def serve_script(route: Route) -> None:
        await route.fulfill(content_type="text/javascript", body=telegram_script(init_data))

    await site.page.route(re.compile(r"https://telegram\.org/.*"), serve_script)
    async with site.page.expect_navigation(url=re.compile(r".*/(me|app/signin)$")) as landing:
        await site.page.goto(f"{site.base}/app")
    response = await landing.value
    assert response is not None
    return response.status


async def _member(site: Site, name: str) -> User:
    user = site.fake.add_user(name)
    await join(site.bot, user, await participant_link(site.bot, "Team 4A"))
    return user


async def test_the_mini_app_signs_in_with_genuine_fresh_init_data(site: Site) -> None:
    await new_team(site.bot, "Team 4A")
    ane = await _member(site, "Ane")
    init_data = signed_init_data(
        site.fake.token, user_id=ane.id, first_name="Ane", signed_at=site.bot.clock.now
    )
    assert await _open_mini_app(site, init_data) == 200
    assert site.page.url == f"{site.base}/me"
    assert "Min side" in await site.page.inner_text("h1")
    await site.accessible()


async def test_the_mini_app_refuses_forged_and_stale_init_data(site: Site) -> None:
    await new_team(site.bot, "Team 4A")
    ane = await _member(site, "Ane")
    now = site.bot.clock.now
    forged = signed_init_data(
        "123456:another-bot-token-xxxxxxxxxxxx", user_id=ane.id, first_name="Ane", signed_at=now
    )
    assert await _open_mini_app(site, forged) == 403
    assert "Vi kunne ikke logge dig ind" in await site.page.inner_text("h1")
    await site.accessible()

    stale = signed_init_data(
        site.fake.token, user_id=ane.id, first_name="Ane", signed_at=now - timedelta(hours=2)
    )
    assert await _open_mini_app(site, stale) == 403

    await site.page.goto(f"{site.base}/me")
    assert site.page.url == f"{site.base}/"  # not signed in


async def test_a_newcomer_in_the_mini_app_is_asked_for_consent_first(site: Site) -> None:
    """Someone who never said yes in the chat reads the same privacy text on the web; only
    their yes stores them."""
    init_data = signed_init_data(
        site.fake.token, user_id=4242, first_name="Bo", signed_at=site.bot.clock.now
    )
    assert await _open_mini_app(site, init_data) == 200
    assert "Før vi går i gang" in await site.page.inner_text("h1")
    await site.accessible()
    assert await site.bot.app.db.run(lambda s: people.by_telegram_id(s, 4242)) is None
    async with site.page.expect_navigation(url=re.compile(r".*/me$")):
        await site.page.get_by_role("button", name="Ja, jeg er med").click()
    assert await site.bot.app.db.run(lambda s: people.by_telegram_id(s, 4242)) is not None


async def test_a_form_post_without_the_csrf_token_is_refused(site: Site) -> None:
    await new_team(site.bot, "Team 4A")
    ane = await _member(site, "Ane")
    await site.sign_in(ane)
    await site.page.goto(f"{site.base}/reflect")
    await site.page.get_by_label("Roller og relationer i åben skole", exact=True).check()
    async with site.page.expect_navigation():
        await site.page.get_by_role("button", name="Begynd").click()
    turn = await site.page.locator("input[name=turn]").get_attribute("value")

    # The browser's own cookie goes along, as it would from another site's form.
    forged = await site.page.request.post(
        f"{site.base}/reflect/now", form={"turn": str(turn), "option": "0"}
    )
    assert forged.status == 403
    await site.page.reload()
    assert "Trin 1\n" in await site.page.inner_text("main")  # nothing was answered

    await site.page.evaluate("document.querySelector('#step input[name=csrf]').value = 'guess'")
    await site.page.get_by_label("Efter besøget", exact=True).check()
    async with site.page.expect_navigation():
        await site.page.locator("button[name=action][value=answer]").click()
    assert "Formularen er for gammel" in await site.page.inner_text("h1")
    await site.accessible()


async def test_another_persons_reflection_is_not_found(site: Site) -> None:
    """Bo opening Ane's reflection sees exactly what an address that never existed shows."""
    await new_team(site.bot, "Team 4A")
    ane = await _member(site, "Ane")
    bo = await _member(site, "Bo")
    await site.sign_in(ane)
    await site.page.goto(f"{site.base}/reflect")
    await site.page.get_by_label("Roller og relationer i åben skole", exact=True).check()
    async with site.page.expect_navigation():
        await site.page.get_by_role("button", name="Begynd").click()
    for steps in FROM_THE_START:
        await fill(site.page, steps)
    await site.page.goto(f"{site.base}/me")
    await site.page.get_by_role("link", name="Roller og relationer i åben skole").click()
    await site.page.wait_for_url(re.compile(r".*/me/reflections/\d+$"))
    own = site.page.url
    await site.accessible()
    await site.screenshot("en-refleksion")

    await site.page.context.clear_cookies()
    await site.sign_in(bo)
    theirs = await site.page.goto(own)
    assert theirs is not None
    assert theirs.status == 404
    shown = await site.page.inner_text("main")
    assert "Naturcenteret" not in shown
    await site.accessible()
    missing = await site.page.goto(f"{site.base}/me/reflections/987654")
    assert missing is not None
    assert missing.status == 404
    assert await site.page.inner_text("main") == shown
