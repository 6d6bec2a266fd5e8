"""The learning circle in a team's group chat, end to end through the fake Bot API.

The fake runs with privacy mode on, as BotFather sets it: the bot sees commands and replies
to its own messages, so every contribution is a reply to the current phase message.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select
from telegram.ext import Application

from bot.app import App
from bot.services.membership import create_group, create_invite
from bot.telegram.builder import build_application
from bot.telegram.group import GroupChannel
from storage.db import Database
from storage.enums import GroupKind, Role, SessionStatus
from storage.models import Answer, DialogueSession, Group, Invite, NextStep, Person
from tests.fakebot.ptb import running_application
from tests.fakebot.server import FakeBotApi
from tests.fakebot.world import BotMessage, Chat, User
from tests.support import Clock, make_app

AnyApplication = Application[Any, Any, Any, Any, Any, Any]


@dataclass
class Circle:
    """A running bot, its team and the people in the group chat."""

    fake: FakeBotApi
    app: App
    clock: Clock
    application: AnyApplication
    anna: User  # facilitator
    bo: User
    cia: User
    dan: User  # in the group chat, but has never started the bot
    chat: Chat
    participant_code: str
    database: Database
    stack: AsyncExitStack

    async def restart(self) -> None:
        """Stop the running application and start a new one on the same database."""
        await self.stack.aclose()
        self.stack = AsyncExitStack()
        running = _running(self.fake, self.database, self.clock)
        self.app, self.application = await self.stack.enter_async_context(running)

    @property
    def channel(self) -> GroupChannel:
        channel = self.application.bot_data["circle"]
        assert isinstance(channel, GroupChannel)
        return channel


@asynccontextmanager
async def _running(
    fake: FakeBotApi, database: Database, clock: Clock
) -> AsyncIterator[tuple[App, AnyApplication]]:
    app = make_app(database, clock)
    # The test squeezes an hour's meeting into seconds; Telegram's 20 messages a minute per
    # group would make it wait for minutes, so the rate limiter is left out here.
    application = build_application(
        app,
        token=fake.token,
        base_url=fake.base_url,
        base_file_url=fake.base_file_url,
        rate_limit=False,
    )
    async with running_application(fake, application):
        # run_polling() would call post_init; here the test does it, as a start-up would.
        assert application.post_init is not None
        await application.post_init(application)
        try:
            yield app, application
        finally:
            # ... and what post_init started (the dispatcher), post_shutdown stops.
            assert application.post_shutdown is not None
            await application.post_shutdown(application)


def data_for(message: BotMessage, label_part: str) -> str:
    for label, data in message.buttons():
        if label_part.lower() in label.lower():
            return data
    raise AssertionError(f"no button like {label_part!r} in {message.buttons()}")


def has(text: str) -> Callable[[BotMessage], bool]:
    return lambda message: text.lower() in (message.text or "").lower()


async def _join(fake: FakeBotApi, user: User, code: str) -> None:
    """A newcomer opens an invite link and says yes to the privacy text."""
    await fake.send_text(user, f"/start {code}")
    welcome = await fake.wait_for_message(user, has("Før vi går i gang"))
    await fake.press_button(user, welcome, data_for(welcome, "Ja"))
    await fake.wait_for_message(user, has("Team 4A"))


async def _codes(app: App) -> tuple[str, str]:
    async def work(session):  # type: ignore[no-untyped-def]
        group, invite = await create_group(app, session, name="Team 4A", kind=GroupKind.team)
        participants = await create_invite(
            app, session, group_id=group.id, role=Role.participant, actor=None, uses=10
        )
        return invite.code, participants.code

    return await app.db.run(work)


@pytest.fixture
async def team(fake_bot_api: FakeBotApi, database: Database, clock: Clock) -> AsyncIterator[Circle]:
    """Anna facilitates Team 4A; Bo and Cia have joined; Dan is only in the group chat."""
    fake = fake_bot_api
    stack = AsyncExitStack()
    app, application = await stack.enter_async_context(_running(fake, database, clock))
    try:
        facilitator_code, participant_code = await _codes(app)
        anna = fake.add_user("Anna")
        bo, cia = fake.add_user("Bo"), fake.add_user("Cia")
        dan = fake.add_user("Dan", started=False)
        await _join(fake, anna, facilitator_code)
        for person in (bo, cia):
            await _join(fake, person, participant_code)
        chat = fake.add_group("Team 4A – lærerne", members=[bo, cia, dan], admins=[anna])
        circle = Circle(
            fake,
            app,
            clock,
            application,
            anna,
            bo,
            cia,
            dan,
            chat,
            participant_code,
            database,
            stack,
        )
        yield circle
    finally:
        await circle.stack.aclose() if "circle" in locals() else await stack.aclose()


async def _link_and_start(team: Circle, reflection: str = "Samlet efter data") -> BotMessage:
    """Anna links the chat, chooses Bo as focus person and the three settings."""
    fake, anna, chat = team.fake, team.anna, team.chat
    await fake.send_text(anna, "/circle", chat=chat)
    linked = await fake.wait_for_message(chat, has("hører nu til"))
    assert "Team 4A" in (linked.text or "")
    assert "svar på fasebeskeden" in (linked.text or "").lower()
    assert "/circle link" in (linked.text or "")
    assert "start=" not in (linked.text or "")  # no invite in the chat unless Anna turns it on
    focus = await fake.wait_for_message(chat, has("fokusperson i dag"))
    labels = [label for label, _ in focus.buttons()]
    assert sorted(labels) == ["Anna", "Bo", "Cia"]  # Dan has not said yes yet
    await fake.press_button(anna, focus, data_for(focus, "Bo"))
    first = await fake.wait_for_message(chat, has("Hvem har sat læringsfokus"))
    await fake.press_button(anna, first, data_for(first, "Fokuspersonen selv"))
    second = await fake.wait_for_message(chat, has("Hvem har data med"))
    await fake.press_button(anna, second, data_for(second, "Fokuspersonen"))
    third = await fake.wait_for_message(chat, has("Hvornår reflekterer teamet"))
    await fake.press_button(anna, third, data_for(third, reflection))
    return await fake.wait_for_message(chat, has("Sæt scenen"))


async def _next(team: Circle, phase: BotMessage, title: str) -> BotMessage:
    await team.fake.press_button(team.anna, phase, data_for(phase, "Næste"))
    return await team.fake.wait_for_message(team.chat, has(title))


async def _say(team: Circle, user: User, phase: BotMessage, text: str) -> None:
    await team.fake.send_text(user, text, chat=team.chat, reply_to=phase)
    await team.fake.idle()


def _last_answer(fake: FakeBotApi) -> dict[str, Any]:
    return fake.callback_answers[-1]


async def _session(app: App) -> DialogueSession:
    async def work(session):  # type: ignore[no-untyped-def]
        return (await session.scalars(select(DialogueSession))).one()

    return await app.db.run(work)


async def test_a_whole_learning_circle(team: Circle) -> None:
    fake, chat, anna, bo, cia, dan = team.fake, team.chat, team.anna, team.bo, team.cia, team.dan
    frame = await _link_and_start(team)
    text = frame.text or ""
    assert "🗣 Taler: Facilitator (Anna)" in text
    assert "👂 Lytter: Fokusperson (Bo), Teamet" in text
    assert "⏱ 5 min." in text
    assert "mundtligt" in text

    # A spoken phase: nothing is noted, and Bo is told so.
    await _say(team, bo, frame, "Skal jeg skrive noget?")
    assert "ikke noteret" in (fake.sent(chat)[-1].text or "")

    # Only the facilitator moves on; Bo's press gets a polite refusal as an alert.
    await fake.press_button(bo, frame, data_for(frame, "Næste"))
    await fake.idle()
    assert _last_answer(fake)["show_alert"] is True
    assert "facilitatoren" in _last_answer(fake)["text"]

    focus = await _next(team, frame, "Læringsfokus")
    assert frame.reply_markup is None  # the left phase keeps no buttons
    await _say(team, bo, focus, "Jeg vil gerne blive klogere på, hvordan eleverne giver feedback.")
    assert "Noteret indtil nu: 1" in (focus.text or "")
    await _say(team, cia, focus, "Jeg har en idé!")
    assert "lyttepositionen" in (fake.sent(chat)[-1].text or "")

    data = await _next(team, focus, "Data")
    assert "⚠️" in (data.text or "")  # the phase touches on pupils
    # Dan is not in the team: he is told to ask the facilitator, and no link is made.
    await _say(team, dan, data, "Jeg har også data med")
    ask = fake.sent(chat)[-1]
    assert "Dan" in (ask.text or "")
    assert "Bed facilitatoren om et link" in (ask.text or "")
    assert "start=" not in (ask.text or "")
    # Anna turns a link for the chat on; now newcomers are pointed to it.
    await fake.send_text(anna, "/circle link", chat=chat)
    shown = await fake.wait_for_message(chat, has("op til 40 personer i 7 dage"))
    await _say(team, dan, data, "Jeg har også data med")
    link_message = fake.sent(chat)[-1]
    found = re.search(
        r"https://t\.me/refleks_test_bot\?start=([A-Za-z0-9_-]+)", link_message.text or ""
    )
    assert found is not None
    assert "Dan" in (link_message.text or "")
    assert found.group(0) in (shown.text or "")
    await _join(fake, dan, found.group(1))
    await _say(team, dan, data, "Jeg har også data med")
    await _say(team, bo, data, "Exit tickets fra tre uger")
    assert "Noteret indtil nu: 2" in (data.text or "")

    # Too long, and a CPR number: refused with a reason, nothing kept.
    await _say(team, cia, data, "x" * 1600)
    assert "1500 tegn" in (fake.sent(chat)[-1].text or "")
    await _say(team, cia, data, "Eleven 010203-1234 sagde noget")
    assert "Noteret indtil nu: 2" in (data.text or "")

    # Five more minutes, then the warning a minute before time is up.
    await fake.press_button(anna, data, data_for(data, "+5"))
    await fake.idle()
    assert "⏱ 15 min." in (data.text or "")
    row = await _session(team.app)
    jobs = team.application.job_queue.get_jobs_by_name(f"circle-warning-{row.id}")  # type: ignore[union-attr]
    assert len(jobs) == 1
    team.clock.advance(minutes=14, seconds=5)
    await jobs[0].run(team.application)
    warning = await fake.wait_for_message(chat, has("et minut tilbage"))
    assert "Data" in (warning.text or "")
    assert not await team.channel.send_warning(team.application.bot, row.id, row.turn)

    clarify = await _next(team, data, "Opklarende spørgsmål")
    await _say(team, cia, clarify, "Hvornår samlede du dem ind?")
    reflect = await _next(team, clarify, "Reflekterende dialog")
    await _say(team, cia, reflect, "Jeg lægger mærke til, at de korte svar fylder.")
    await _say(team, dan, reflect, "Måske kunne vi prøve to stjerner og et ønske.")
    decide = await _next(team, reflect, "Fokuspersonens næste skridt")

    step = await _next(team, decide, "Fokusperson, hvad er dit næste skridt")
    assert "Dit team og jeres facilitatorer kan se" in (step.text or "")
    # Next cannot leave out the focus person's next step.
    await fake.press_button(anna, step, data_for(step, "Næste"))
    await fake.idle()
    assert "venter på et svar fra Fokusperson (Bo)" in _last_answer(fake)["text"]
    await _say(team, cia, step, "Mit næste skridt")
    assert "lyttepositionen" in (fake.sent(chat)[-1].text or "")
    await _say(team, bo, step, "Prøve exit tickets med to stjerner og et ønske")
    due = await fake.wait_for_message(chat, has("Hvornår vil du gerne have gjort det"))
    await _say(team, bo, due, "om to uger")
    reach = await fake.wait_for_message(chat, has("kolleger på skolen"))
    await _say(team, bo, reach, "Jeg fortæller det på fagteammødet")

    follow = await fake.wait_for_message(chat, has("Hvornår og hvordan følger I op"))
    date_step = await _next(team, follow, "Hvilken dato følger I op")
    await _say(team, anna, date_step, "3/12")
    close = await fake.wait_for_message(chat, has("Afrunding"))
    for person, words in ((bo, "Tak for hjælpen"), (cia, "Jeg tager ideen med"), (anna, "Tak")):
        await _say(team, person, close, words)
    await fake.press_button(anna, close, data_for(close, "Næste"))
    summary = await fake.wait_for_message(chat, has("Læringscirklen er slut"))
    text = summary.text or ""
    assert "klogere på, hvordan eleverne giver feedback" in text
    assert "to stjerner og et ønske" in text
    assert "Prøve exit tickets" in text
    assert "3. december 2026" in text
    assert "Næste skridt for Bo er gemt" in text
    assert "010203" not in text
    assert "Jeg har en idé" not in text

    async def stored(session):  # type: ignore[no-untyped-def]
        row = (await session.scalars(select(DialogueSession))).one()
        answers = (await session.scalars(select(Answer))).all()
        steps = (await session.scalars(select(NextStep))).all()
        names = {p.id: p.display_name for p in (await session.scalars(select(Person))).all()}
        return row, answers, steps, names

    row, answers, steps, names = await team.app.db.run(stored)
    assert row.status == SessionStatus.completed
    assert row.person_id is None
    by = {(names[a.person_id], a.step_id) for a in answers}
    assert ("Dan", "data") in by
    assert ("Bo", "focus") in by
    assert ("Anna", "followup_date") in by
    assert ("Cia", "focus") not in by
    assert all(a.visibility == "team" for a in answers)
    assert len(steps) == 1
    assert names[steps[0].person_id] == "Bo"
    assert steps[0].due is not None
    assert steps[0].how_shared == "Jeg fortæller det på fagteammødet"

    # Bo finds the next step in his private chat.
    await fake.send_text(bo, "/next")
    assert "Prøve exit tickets" in (await fake.wait_for_message(bo, has("exit tickets"))).text  # type: ignore[operator]

    # The circle's last buttons are gone; an old press says the phase is closed.
    assert close.reply_markup is None
    await _press_stale(fake, anna, close, data_for_history(close, "Næste"))
    assert "afsluttet" in _last_answer(fake)["text"]

    # Bo alone decides whether the leaders may see his focus and next step: Anna's press
    # is a polite refusal that changes nothing; Bo's yes shares those two and no more.
    ask = await fake.wait_for_message(chat, has("Må ledelsen se dit læringsfokus"))
    assert "Bo, du var fokusperson" in (ask.text or "")
    await fake.press_button(anna, ask, data_for(ask, "Ja, ledelsen"))
    await fake.idle()
    refusal = _last_answer(fake)
    assert refusal["show_alert"] is True
    assert "Det er Bo, der bestemmer" in refusal["text"]
    row, answers, steps, names = await team.app.db.run(stored)
    assert all(a.visibility == "team" for a in answers)
    await fake.press_button(bo, ask, data_for(ask, "Ja, ledelsen"))
    await fake.idle()
    assert "har givet ledelsen lov" in (ask.text or "")
    row, answers, steps, names = await team.app.db.run(stored)
    shared = {(names[a.person_id], a.step_id) for a in answers if a.visibility == "leaders"}
    assert shared == {("Bo", "focus"), ("Bo", "next"), ("Anna", "followup_date")}
    assert steps[0].visibility == "leaders"
    # And he can take it back: the message now offers that.
    await fake.press_button(bo, ask, data_for(ask, "Fortryd"))
    await fake.idle()
    assert "bliver i teamet, som Bo ønsker" in (ask.text or "")
    row, answers, steps, names = await team.app.db.run(stored)
    assert all(a.visibility == "team" for a in answers)
    assert steps[0].visibility == "team"


def data_for_history(message: BotMessage, label_part: str) -> str:
    """A button's data from an earlier version of a message (its keyboard was removed)."""
    for version in reversed(message.edits):
        rows = (version.get("reply_markup") or {}).get("inline_keyboard", [])
        for row in rows:
            for button in row:
                if label_part.lower() in button["text"].lower():
                    return str(button["callback_data"])
    raise AssertionError(f"no earlier button like {label_part!r}")


async def _press_stale(fake: FakeBotApi, user: User, message: BotMessage, data: str) -> None:
    """A press from a keyboard the person's app still showed (or forged data)."""
    query_id = str(fake.next_id())
    query = {
        "id": query_id,
        "from": user.to_api(),
        "message": message.data,
        "chat_instance": str(abs(message.chat_id) * 7 + 1),
        "data": data,
    }
    fake.callback_queries[query_id] = query
    fake.updates.push("callback_query", query)
    await fake.idle()


async def test_denials_stale_and_forged_buttons(team: Circle) -> None:
    fake, chat, anna, bo = team.fake, team.chat, team.anna, team.bo
    # A participant cannot link the chat to a team.
    await fake.send_text(bo, "/circle", chat=chat)
    assert "facilitator" in (await fake.wait_for_message(chat)).text  # type: ignore[operator]
    frame = await _link_and_start(team)
    # Nor start or show the circle once it is linked.
    await fake.send_text(bo, "/circle", chat=chat)
    assert "kun facilitatoren" in (await fake.wait_for_message(chat, has("facilitatoren"))).text  # type: ignore[operator]
    # Nor press +5.
    await fake.press_button(bo, frame, data_for(frame, "+5"))
    await fake.idle()
    assert _last_answer(fake)["show_alert"] is True
    old_next = data_for(frame, "Næste")
    focus = await _next(team, frame, "Læringsfokus")
    # An old phase's button, and forged data, change nothing.
    await _press_stale(fake, anna, frame, old_next)
    assert "afsluttet" in _last_answer(fake)["text"]
    await _press_stale(fake, anna, focus, "N:999999:1")
    assert "afsluttet" in _last_answer(fake)["text"]
    await _press_stale(fake, anna, focus, "N:bad")
    assert "virker ikke" in _last_answer(fake)["text"]
    # A reply to an older phase message is not taken as a contribution.
    await _say(team, bo, frame, "Her er mit fokus")
    assert "nyeste fasebesked" in (fake.sent(chat)[-1].text or "")
    # A sticker where text is expected.
    sticker = fake._media("sticker", b"RIFF", None, None)
    fake._user_message(bo, chat, {"sticker": sticker}, focus)
    await fake.idle()
    assert "kun gemme tekst" in (fake.sent(chat)[-1].text or "")
    # /circle again from Anna shows the phase once more, with a way to end the circle.
    await fake.send_text(anna, "/circle", chat=chat)
    await fake.wait_for_message(chat, has("allerede i gang"))
    again = await fake.wait_for_message(chat, has("Læringsfokus"))
    await fake.press_button(anna, again, data_for(again, "Afslut"))
    await fake.wait_for_message(chat, has("stoppet"))
    assert (await _session(team.app)).status == SessionStatus.cancelled


async def test_the_same_reply_delivered_twice_counts_once(team: Circle) -> None:
    fake = team.fake
    frame = await _link_and_start(team)
    focus = await _next(team, frame, "Læringsfokus")
    update_id = fake.updates._next_id  # the id the next update gets
    message = await fake.send_text(team.bo, "Mit fokus", chat=team.chat, reply_to=focus)
    await fake.idle()
    # Telegram delivers the same update again (same update_id), as it may after a timeout.
    fake.updates.pending.append({"update_id": update_id, "message": message})
    fake.updates._arrived.set()
    await fake.idle()

    async def count(session):  # type: ignore[no-untyped-def]
        return len((await session.scalars(select(Answer))).all())

    assert await team.app.db.run(count) == 1
    assert "Noteret indtil nu: 1" in (focus.text or "")


async def test_a_group_that_becomes_a_supergroup_keeps_its_circle(team: Circle) -> None:
    fake = team.fake
    frame = await _link_and_start(team)
    focus = await _next(team, frame, "Læringsfokus")
    await _say(team, team.bo, focus, "Før skiftet")
    supergroup = fake.migrate_to_supergroup(team.chat)
    await fake.wait_for_message(supergroup, has("supergruppe"))
    again = await fake.wait_for_message(supergroup, has("Læringsfokus"))
    assert "Noteret indtil nu: 1" in (again.text or "")
    await fake.send_text(team.bo, "Efter skiftet", chat=supergroup, reply_to=again)
    await fake.idle()
    assert "Noteret indtil nu: 2" in (again.text or "")
    await fake.press_button(team.anna, again, data_for(again, "Næste"))
    await fake.wait_for_message(supergroup, has("Data"))

    async def linked(session):  # type: ignore[no-untyped-def]
        return (await session.scalars(select(Group))).one().telegram_chat_id

    assert await team.app.db.run(linked) == supergroup.id


async def test_a_restart_in_the_middle_of_a_circle_loses_nothing(team: Circle) -> None:
    fake = team.fake
    frame = await _link_and_start(team)
    focus = await _next(team, frame, "Læringsfokus")
    await _say(team, team.bo, focus, "Før genstarten")
    team.clock.advance(minutes=1)
    await team.restart()
    row = await _session(team.app)
    # The warning was planned again from when the phase began.
    jobs = team.application.job_queue.get_jobs_by_name(f"circle-warning-{row.id}")  # type: ignore[union-attr]
    assert len(jobs) == 1
    await fake.send_text(team.bo, "Efter genstarten", chat=team.chat, reply_to=focus)
    await fake.idle()
    assert "Noteret indtil nu: 2" in (focus.text or "")
    await fake.press_button(team.anna, focus, data_for(focus, "Næste"))
    await fake.wait_for_message(team.chat, has("Data"))


async def _invites(app: App) -> list[tuple[int | None, int | None]]:
    async def work(session):  # type: ignore[no-untyped-def]
        rows = await session.scalars(select(Invite).order_by(Invite.id))
        return [(row.uses_left, row.created_by) for row in rows]

    return await app.db.run(work)


async def test_no_open_link_for_strangers_anonymous_admins_or_bots(team: Circle) -> None:
    """Someone outside the team, an anonymous administrator or another bot replying never
    makes the bot post an invite; the facilitator turns the chat link on and off."""
    fake, chat, anna, bo = team.fake, team.chat, team.anna, team.bo
    frame = await _link_and_start(team)
    focus = await _next(team, frame, "Læringsfokus")
    before = await _invites(team.app)
    robot = fake.add_user("Robotten", is_bot=True)
    chat.members.append(robot.id)
    sent = len(fake.sent(chat))

    await _say(team, team.dan, focus, "Hej")  # in the chat, not in the team
    await fake.send_anonymously(anna, "Jeg har en idé", chat, reply_to=focus)
    await fake.idle()
    await fake.send_text(robot, "Automatisk svar", chat=chat, reply_to=focus)
    await fake.send_text(robot, "/circle", chat=chat)
    await fake.idle()

    said = [m.text or "" for m in fake.sent(chat)[sent:]]
    assert len(said) == 2  # Dan and the anonymous administrator; the other bot gets nothing
    assert "Bed facilitatoren om et link" in said[0]
    assert "anonymt som administrator" in said[1]
    assert not any("start=" in text for text in said)
    assert await _invites(team.app) == before  # no link was made
    assert "Noteret" not in (focus.text or "")

    # Only a facilitator turns the chat link on; switched off, it stops working.
    await fake.send_text(bo, "/circle link", chat=chat)
    assert "facilitatoren" in (await fake.wait_for_message(chat, has("facilitatoren"))).text  # type: ignore[operator]
    await fake.send_text(anna, "/circle link", chat=chat)
    on = await fake.wait_for_message(chat, has("op til 40 personer"))
    code = re.search(r"start=([A-Za-z0-9_-]+)", on.text or "")
    assert code is not None
    anna_id = await team.app.db.run(_person_id(anna.id))
    assert (await _invites(team.app))[-1] == (40, anna_id)  # limited, and Anna's
    await fake.send_text(anna, "/circle nolink", chat=chat)
    await fake.wait_for_message(chat, has("slået fra"))
    late = fake.add_user("Eva")
    await fake.send_text(late, f"/start {code.group(1)}")
    refused = await fake.wait_for_message(late)
    assert "Team 4A" not in (refused.text or "")


def _person_id(telegram_id: int) -> Callable[[Any], Any]:
    async def work(session):  # type: ignore[no-untyped-def]
        found = await session.scalar(select(Person).where(Person.telegram_id == telegram_id))
        return found.id

    return work


async def test_a_contribution_with_control_characters_is_kept_cleaned(team: Circle) -> None:
    """A NUL byte or an invisible character in a group reply is cleaned as in private chat."""
    frame = await _link_and_start(team)
    focus = await _next(team, frame, "Læringsfokus")
    await _say(team, team.bo, focus, "Feedback\x00 fra\u200b eleverne\u202e")
    assert "Noteret indtil nu: 1" in (focus.text or "")

    async def kept(session):  # type: ignore[no-untyped-def]
        return [a.value for a in await session.scalars(select(Answer))]

    assert await team.app.db.run(kept) == ["Feedback fra eleverne"]
