"""Every log record of a whole run, at DEBUG from every logger, is free of answers and token.

The run is the end-to-end story: a team is created, people join, reflect with answers
nobody else would write, export their data, hit injected Telegram failures (a server error,
a flood answer, a refused message), and one of them forgets everything. Every record any
logger produced is captured by a plain handler on the root logger, as a platform's log
shipper would see it.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from sqlalchemy import select

from bot.services import retention
from storage.db import Database
from storage.models import Answer, NextStep
from tests.e2e.conftest import Harness, started
from tests.e2e.flows import (
    finish_after_relations,
    join,
    new_team,
    press,
    reply,
    roles_and_relations_after_visit,
    text_of,
)
from tests.fakebot.server import FakeBotApi
from tests.support import Clock

# Words nobody but these people would write, so finding them anywhere means a leak.
SECRET_ANSWERS = (
    "Zebrafinken i 3.x spurgte om regnormens hjerte 4711",
    "Ugleboksen på taget blev vores bedste lektion 0815",
    "Vi byttede roller med museumsformidleren: kvasar-eksperiment 2208",
)
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}
_LOUD = (
    "",
    "httpx",
    "httpcore",
    "telegram",
    "aiosqlite",
    "asyncpg",
    "sqlalchemy",
    "sqlalchemy.engine",
    "sqlalchemy.engine.Engine",
    "sqlalchemy.pool",
    "apscheduler",
    "aiohttp",
    "asyncio",
    "bot",
    "storage",
)


class Everything(logging.Handler):
    """Keep every record, formatted as a log shipper would send it (with extras)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)
        extras = {k: v for k, v in vars(record).items() if k not in _STANDARD}
        line = logging.Formatter().format(record)
        self.lines.append(f"{record.name} {line} {extras!r} {record.stack_info or ''}")


@pytest.fixture
def every_log() -> Iterator[Everything]:
    handler = Everything()
    names = set(_LOUD) | set(logging.root.manager.loggerDict)
    levels = {name: logging.getLogger(name).level for name in names}
    root = logging.getLogger()
    root.addHandler(handler)
    for name in names:
        logging.getLogger(name).setLevel(logging.DEBUG)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)


@pytest.fixture
async def loud_bot(
    every_log: Everything, fake_bot_api: FakeBotApi, database: Database, clock: Clock
) -> AsyncIterator[Harness]:
    """The bot, started only once every logger speaks at DEBUG."""
    del every_log
    async with started(fake_bot_api, database, clock) as harness:
        yield harness


async def _stored_texts(bot: Harness) -> set[str]:
    async def work(session: Any) -> set[str]:
        texts = {a.value for a in await session.scalars(select(Answer)) if isinstance(a.value, str)}
        for step in await session.scalars(select(NextStep)):
            texts |= {step.what, step.how_shared or ""}
        return {t for t in texts if isinstance(t, str) and len(t) >= 12}

    return await bot.app.db.run(work)


async def test_no_answer_and_no_token_in_any_log_record(
    loud_bot: Harness, every_log: Everything
) -> None:
    bot, fake = loud_bot, loud_bot.fake
    ane, bo = fake.add_user("Ane"), fake.add_user("Bo")
    await join(bot, ane, await new_team(bot, "Team 4A"))
    await join(bot, bo, await new_team(bot, "Team 5C"))

    prompt = await roles_and_relations_after_visit(bot, ane, stop_after_relations=0)
    for secret in SECRET_ANSWERS[:2]:
        prompt = await reply(bot, ane, secret)
    assert "Trin" in text_of(prompt)
    # Telegram fails in three ways while Ane answers; the bot explains, nothing is lost.
    fake.fail("sendMessage", status=500, chat_id=ane.id)
    sorry = await reply(bot, ane, SECRET_ANSWERS[2])
    assert "noget gik galt" in text_of(sorry)
    fake.fail("sendMessage", status=429, retry_after=1, chat_id=ane.id)
    await reply(bot, ane, "Eleverne tog mere ansvar end ventet: zebrafinke-opdagelse")
    fake.fail("sendMessage", status=400, description="Bad Request: injected", chat_id=ane.id)
    await fake.send_text(ane, "Lade eleverne lede næste besøg om regnorme og ugler")
    await fake.wait_for_message(ane)  # the error message after the refused reply
    await reply(bot, ane, "om to uger")
    await reply(bot, ane, "Jeg fortæller det på teammødet om zebrafinker.")

    await roles_and_relations_after_visit(bot, bo, stop_after_relations=3)
    await finish_after_relations(bot, bo)
    await fake.send_text(bo, "/mydata")
    for _ in range(3):
        await fake.wait_for_message(bo)
    await reply(bot, bo, "/next")
    step = await fake.wait_for_message(bo)
    assert step.buttons()
    asked = await reply(bot, ane, "/forget")
    await press(bot, ane, asked, "Ja, slet")
    await retention.purge(bot.app)
    await fake.idle()

    written = await _stored_texts(bot) | set(SECRET_ANSWERS)
    assert len(written) >= 8
    token, secret_part = fake.token, fake.token.split(":", 1)[1]
    leaks = [
        (needle[:30], line[:300])
        for line in every_log.lines
        for needle in (*written, token, secret_part)
        if needle in line
    ]
    assert leaks == []
    # The capture really saw the noisy libraries, so the absence of leaks means something.
    names = {r.name for r in every_log.records}
    assert any(n.startswith("httpx") for n in names)
    assert any(n.startswith("telegram") for n in names)
    assert any(r.levelno == logging.DEBUG for r in every_log.records)
    assert any("«redacted»" in line for line in every_log.lines if line.startswith("httpx"))
    assert any("update failed" in line for line in every_log.lines)
    assert len(every_log.records) > 200
