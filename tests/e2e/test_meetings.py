"""Meetings and follow-up over Telegram: /schedule with typed Danish times and lengths,
notices, /meetings with a calendar file, a follow-up prompt with its buttons, /pause, who has
answered; and the dispatcher's real sender against the fake's 429, 500, timeouts, blocks and
flood limits.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from bot.dispatch import Dispatcher, Pacer
from bot.dispatch.compose import NOTICE
from bot.dispatch.sender import TelegramSender
from bot.services.membership import create_invite
from storage.enums import GroupKind, OutboxStatus, Role
from storage.models import Meeting, OutboxMessage, Person
from storage.repositories import outbox
from storage.repositories.outbox import NewMessage
from tests.e2e.conftest import Harness
from tests.e2e.flows import button, join, new_team, press, reply, text_of
from tests.fakebot.world import BotMessage, User


async def _invite(bot: Harness, role: Role) -> str:
    async def work(session: Any) -> str:
        made = await create_invite(bot.app, session, group_id=1, role=role, actor=None, uses=10)
        return made.code

    return await bot.app.db.run(work)


async def _changed(bot: Harness, message: BotMessage, part: str) -> BotMessage:
    """Wait until the bot edited `message` to contain `part`."""
    await bot.fake.wait_until(lambda: part in text_of(message))
    return message


def _dispatcher(bot: Harness, **kwargs: Any) -> Dispatcher:
    sender = TelegramSender.create(
        token=bot.fake.token, base_url=bot.fake.base_url, timeout=kwargs.pop("timeout", 10.0)
    )
    return Dispatcher(bot.app, sender, **kwargs)


async def _network(bot: Harness) -> tuple[User, User, User]:
    """Fie facilitates Netværk Nord; Ane and Asta take part."""
    fie, ane, asta = (bot.fake.add_user(n) for n in ("Fie", "Ane", "Asta"))
    await join(bot, fie, await new_team(bot, "Netværk Nord", GroupKind.network))
    code = await _invite(bot, Role.participant)
    await join(bot, ane, code)
    await join(bot, asta, code)
    return fie, ane, asta


async def test_a_facilitator_plans_a_series_and_participants_follow_up(bot: Harness) -> None:
    fake = bot.fake
    fie, ane, asta = await _network(bot)
    ticker = _dispatcher(bot)
    try:
        overview = await reply(bot, fie, "/schedule")
        assert "Møder i Netværk Nord" in text_of(overview)
        ask = await press(bot, fie, overview, "Nyt møde")
        assert "Hvornår starter mødet" in text_of(ask)
        unclear = await reply(bot, fie, "engang efter jul")
        assert "forstod jeg ikke" in text_of(unclear)
        repeat = await reply(bot, fie, "tirsdag 14:00")
        assert "tirsdag den 24. november kl. 14.00" in text_of(repeat)
        await fake.press_button(fie, repeat, button(repeat, "Hver 6. uge"))
        await _changed(bot, repeat, "Hvor mange møder")
        await fake.press_button(fie, repeat, button(repeat, "3"))
        await _changed(bot, repeat, "Jeg planlægger disse møder")
        assert "tirsdag den 16. februar kl. 14.00" in text_of(repeat)  # winter time all along
        await fake.press_button(fie, repeat, button(repeat, "Gem"))
        await _changed(bot, repeat, "3 møder i Netværk Nord er planlagt")

        await ticker.tick()
        notice = await fake.wait_for_message(ane)
        assert "Nye møder i Netværk Nord" in text_of(notice)
        assert "tirsdag den 5. januar kl. 14.00–17.00" in text_of(notice)
        assert "Nye møder" in text_of(await fake.wait_for_message(asta))

        coming = await reply(bot, ane, "/meetings")
        assert text_of(coming).count("Netværk Nord") == 3
        await fake.press_button(ane, coming, coming.buttons()[0][1])
        ics = await fake.wait_for_message(ane)
        assert ics.filename is not None
        assert ics.filename.endswith(".ics")
        assert b"BEGIN:VCALENDAR" in (ics.document or b"")

        # The first meeting ends at 17:00: the next-step prompt goes out.
        bot.clock.now = bot.clock.now.replace(day=24, hour=16, minute=0)
        await ticker.tick()
        prompt = await fake.wait_for_message(ane, lambda m: "Tak for i dag" in text_of(m))
        first_step = await press(bot, ane, prompt, "Start nu")
        assert "Læringssamtalen" in text_of(first_step)
        later = await fake.wait_for_message(asta, lambda m: "Tak for i dag" in text_of(m))
        await fake.press_button(asta, later, button(later, "I morgen"))
        await _changed(bot, later, "jeg vender tilbage onsdag den 25. november kl. 17.00")

        holiday = await reply(bot, asta, "/pause")
        await fake.press_button(asta, holiday, button(holiday, "En uge"))
        await _changed(bot, holiday, "holder pause med opfølgning til tirsdag den 1. december")

        overview = await reply(bot, fie, "/schedule")
        who = await press(bot, fie, overview, "Hvem har svaret? (Næste skridt)")
        assert "Ane – er i gang" in text_of(who)
        assert "Asta – holder pause" in text_of(who)
        assert "Svar til" not in text_of(who)
    finally:
        assert isinstance(ticker.sender, TelegramSender)
        await ticker.sender.stop()


async def _lengths(bot: Harness) -> list[tuple[int, int]]:
    """Each planned meeting's start hour (UTC) and length in minutes, in order."""

    async def work(session: Any) -> list[tuple[int, int]]:
        rows = (await session.scalars(select(Meeting).order_by(Meeting.starts_at))).all()
        return [(m.starts_at.hour, (m.ends_at - m.starts_at) // timedelta(minutes=1)) for m in rows]

    return await bot.app.db.run(work)


async def test_a_facilitator_gives_a_meeting_its_length_or_keeps_the_default(
    bot: Harness,
) -> None:
    fake = bot.fake
    fie, _, _ = await _network(bot)
    overview = await reply(bot, fie, "/schedule")
    ask = await press(bot, fie, overview, "Nyt møde")
    assert "Et møde varer 3 timer, hvis du ikke skriver andet" in text_of(ask)
    assert "»tirsdag 14-16«" in text_of(ask)

    backwards = await reply(bot, fie, "torsdag 15:30–13:00")
    assert "slutter mødet, før det begynder" in text_of(backwards)
    too_long = await reply(bot, fie, "torsdag kl. 7 i 13 timer")
    assert "fra et kvarter til 12 timer" in text_of(too_long)
    too_short = await reply(bot, fie, "torsdag 13:00-13:10")
    assert "fra et kvarter til 12 timer" in text_of(too_short)
    assert await _lengths(bot) == []

    ranged = await reply(bot, fie, "torsdag 13:00–15:30")
    assert "torsdag den 26. november kl. 13.00–15.30" in text_of(ranged)
    await fake.press_button(fie, ranged, button(ranged, "Kun denne gang"))
    await _changed(bot, ranged, "Jeg planlægger")
    assert "torsdag den 26. november kl. 13.00–15.30" in text_of(ranged)
    await fake.press_button(fie, ranged, button(ranged, "Gem"))
    await _changed(bot, ranged, "Mødet i Netværk Nord er planlagt")

    overview = await reply(bot, fie, "/schedule")
    await press(bot, fie, overview, "Nyt møde")
    default = await reply(bot, fie, "3/12 kl. 9")
    assert "torsdag den 3. december kl. 09.00–12.00" in text_of(default)
    await fake.press_button(fie, default, button(default, "Kun denne gang"))
    await _changed(bot, default, "Jeg planlægger")
    await fake.press_button(fie, default, button(default, "Gem"))
    await _changed(bot, default, "er planlagt")
    # 13:00 and 9:00 in Copenhagen are 12:00 and 8:00 UTC in winter.
    assert await _lengths(bot) == [(12, 150), (8, 180)]

    overview = await reply(bot, fie, "/schedule")
    meeting = await press(bot, fie, overview, "3. december")
    ask_move = await press(bot, fie, meeting, "ændr længden")
    assert "»2 timer«" in text_of(ask_move)
    moved = await reply(bot, fie, "i 90 minutter")
    assert "torsdag den 3. december kl. 09.00–10.30" in text_of(moved)
    meeting = await press(bot, fie, await reply(bot, fie, "/schedule"), "26. november")
    await press(bot, fie, meeting, "ændr længden")
    moved = await reply(bot, fie, "fredag kl. 10-11")
    assert "fredag den 27. november kl. 10.00–11.00" in text_of(moved)
    assert await _lengths(bot) == [(9, 60), (8, 90)]


async def _people(bot: Harness, names: list[str]) -> list[User]:
    users = [bot.fake.add_user(name) for name in names]

    async def work(session: Any) -> None:
        for user in users:
            session.add(
                Person(
                    telegram_id=user.id,
                    display_name=user.first_name,
                    language="da",
                    language_chosen=False,
                    unreachable=False,
                    created_at=bot.clock.now,
                    last_seen_at=bot.clock.now,
                )
            )

    await bot.app.db.run(work)
    return users


async def _queue(bot: Harness, users: list[User]) -> None:
    messages = [
        NewMessage(
            key=f"e2e:{u.id}",
            chat_id=u.id,
            kind=NOTICE,
            due_at=bot.clock.now,
            payload={"key": "pause.resumed"},
        )
        for u in users
    ]
    await bot.app.db.run(lambda s: outbox.enqueue_many(s, messages, bot.clock.now))


async def _statuses(bot: Harness) -> dict[int, OutboxStatus]:
    async def work(session: Any) -> dict[int, OutboxStatus]:
        rows = (await session.scalars(select(OutboxMessage))).all()
        return {row.chat_id: row.status for row in rows}

    return await bot.app.db.run(work)


async def test_the_dispatcher_copes_with_429_500_timeouts_and_blocks(bot: Harness) -> None:
    fake = bot.fake
    ane, asta, bo, bent = await _people(bot, ["Ane", "Asta", "Bo", "Bent"])
    await _queue(bot, [ane, asta, bo, bent])
    fake.fail("sendMessage", 429, retry_after=3, chat_id=ane.id)
    fake.fail("sendMessage", 500, chat_id=asta.id)
    fake.fail("sendMessage", status=None, delay=1.0, chat_id=bo.id)  # answers too late
    fake.block(bent)
    ticker = _dispatcher(bot, timeout=0.3)
    try:
        report = await ticker.tick()
        assert report.sent == 0
        assert report.retried == 3
        assert report.failed == 1
        assert (await _statuses(bot))[bent.id] == OutboxStatus.failed

        bot.clock.advance(seconds=3)
        await ticker.tick()
        assert len(fake.sent(ane)) == 1  # after retry_after, once

        bot.clock.advance(minutes=1)
        await ticker.tick()
        assert len(fake.sent(asta)) == 1
        # Bo's first answer came after the timeout: Telegram had it, we could not know.
        # A send that was never confirmed is tried again, so Bo may see it twice.
        assert 1 <= len(fake.sent(bo)) <= 2
        assert set((await _statuses(bot)).values()) == {OutboxStatus.sent, OutboxStatus.failed}
        await ticker.tick()
        assert len(fake.sent(ane)) == 1  # a confirmed send is never repeated

        async def bent_row(session: Any) -> bool:
            found = await session.scalar(select(Person).where(Person.telegram_id == bent.id))
            return bool(found.unreachable)

        assert await bot.app.db.run(bent_row)
    finally:
        assert isinstance(ticker.sender, TelegramSender)
        await ticker.sender.stop()


async def test_paced_sends_never_hit_the_flood_limits(bot: Harness) -> None:
    fake = bot.fake
    users = await _people(bot, [f"Lærer {n}" for n in range(45)])
    await _queue(bot, users)
    fake.enable_flood_limits()
    ticker = _dispatcher(bot, pacer=Pacer())
    try:
        report = await ticker.tick()
    finally:
        assert isinstance(ticker.sender, TelegramSender)
        await ticker.sender.stop()
    assert report.sent == 45
    assert fake.flood_violations == []
    assert Counter(int(c["chat_id"]) for c in fake.calls("sendMessage")) == Counter(
        {u.id: 1 for u in users}
    )
