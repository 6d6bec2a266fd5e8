"""Calendars and holidays over Telegram: the .ics a person fetches, a follow-up that waits
for the day after a public holiday."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import icalendar

from bot.dispatch import Dispatcher
from bot.dispatch.sender import TelegramSender
from bot.services import meetings
from storage.enums import GroupKind, Role
from storage.repositories import groups
from tests.e2e.conftest import Harness
from tests.e2e.flows import button, join, new_team, reply, text_of
from tests.e2e.test_meetings import _invite

COPENHAGEN = ZoneInfo("Europe/Copenhagen")


def _dispatcher(bot: Harness) -> Dispatcher:
    sender = TelegramSender.create(token=bot.fake.token, base_url=bot.fake.base_url)
    return Dispatcher(bot.app, sender)


async def _plan(bot: Harness, start: datetime) -> None:
    async def work(session: Any) -> None:
        await meetings.schedule(bot.app, session, actor=None, group_id=1, first_start=start)

    await bot.app.db.run(work)


async def test_a_meeting_as_a_calendar_file_and_a_check_that_waits_out_a_holiday(
    bot: Harness,
) -> None:
    fake = bot.fake
    fie, ane = fake.add_user("Fie"), fake.add_user("Ane")
    bot.clock.now = datetime(2027, 4, 19, 8, 0, tzinfo=UTC)  # Monday 19 April 2027
    await join(bot, fie, await new_team(bot, "Netværk Syd", GroupKind.network))
    await join(bot, ane, await _invite(bot, Role.participant))
    # Thursday 22 April, 14:00-17:00 in Copenhagen (summer time, UTC+2).
    await _plan(bot, datetime(2027, 4, 22, 12, 0, tzinfo=UTC))
    ticker = _dispatcher(bot)
    try:
        await ticker.tick()
        await fake.idle()

        coming = await reply(bot, ane, "/meetings")
        await fake.press_button(ane, coming, coming.buttons()[0][1])
        ics = await fake.wait_for_message(ane, lambda m: m.filename is not None)
        assert ics.filename is not None
        assert ics.filename.endswith(".ics")
        calendar = icalendar.Calendar.from_ical(ics.document or b"")
        event = next(iter(calendar.walk("VEVENT")))
        start = event.decoded("DTSTART")
        end = event.decoded("DTEND")
        assert start.astimezone(COPENHAGEN).strftime("%Y-%m-%d %H:%M") == "2027-04-22 14:00"
        assert end.astimezone(COPENHAGEN).strftime("%H:%M") == "17:00"
        assert "Netværk Syd" in str(event.get("SUMMARY"))

        # The meeting ends; the next-step prompt and its reminder come and go.
        for moment in (
            datetime(2027, 4, 22, 15, 5, tzinfo=UTC),
            datetime(2027, 4, 26, 9, 0, tzinfo=UTC),
        ):
            bot.clock.now = moment
            await ticker.tick()
            await fake.idle()

        # Fourteen days after the meeting is Kristi Himmelfartsdag (6 May 2027): no check.
        sent_before = len(fake.sent(ane))
        bot.clock.now = datetime(2027, 5, 6, 15, 30, tzinfo=UTC)
        await ticker.tick()
        await fake.idle()
        holiday = [text_of(m) for m in fake.sent(ane)[sent_before:]]
        assert not any("siden mødet" in text for text in holiday), holiday

        # The next working morning it arrives.
        bot.clock.now = datetime(2027, 5, 7, 6, 0, tzinfo=UTC)
        await ticker.tick()
        check = await fake.wait_for_message(ane, lambda m: "siden mødet" in text_of(m))
        assert "Netværk Syd" in text_of(check)
    finally:
        await ticker.sender.stop()  # type: ignore[attr-defined]


async def test_a_facilitator_sets_the_school_holidays_in_telegram(bot: Harness) -> None:
    fake = bot.fake
    fie = fake.add_user("Fie")
    await join(bot, fie, await new_team(bot, "Team 4A"))
    overview = await reply(bot, fie, "/schedule")
    await fake.press_button(fie, overview, button(overview, "Opfølgningsplan"))
    plan = await fake.wait_for_message(fie)
    await fake.press_button(fie, plan, button(plan, "Skoleferier (0)"))
    ask = await fake.wait_for_message(fie)
    assert "Ingen skoleferier" in text_of(ask)
    assert "forstod jeg ikke" in text_of(await reply(bot, fie, "efterårsferien"))
    saved = await reply(bot, fie, "12/10-16/10, 21/12-1/1")
    assert "2 ferieperiode" in text_of(saved)

    async def closed(session: Any) -> list[list[str]]:
        team = await groups.get(session, 1)
        assert team is not None
        return list((team.settings or {}).get("closed_periods", []))

    # The clock says 23 November 2026, so October is next year's; Christmas runs into 2027.
    assert await bot.app.db.run(closed) == [
        ["2027-10-12", "2027-10-16"],
        ["2026-12-21", "2027-01-01"],
    ]
    again = await reply(bot, fie, "/schedule")
    await fake.press_button(fie, again, button(again, "Opfølgningsplan"))
    plan = await fake.wait_for_message(fie)
    assert button(plan, "Skoleferier (2)")
