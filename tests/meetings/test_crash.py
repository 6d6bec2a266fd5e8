"""A dispatcher killed with SIGKILL in the middle of a large dispatch loses nothing.

The dispatcher runs in a process of its own against the fake Bot API in this process. It
is killed once a third of 300 messages went out; a new process, started after the lease
of the dead one ran out, sends the rest. Every message arrives; the only repeats are
messages that were claimed (in flight) when the process died.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections import Counter
from datetime import timedelta
from pathlib import Path

from bot.app import App
from bot.dispatch.compose import NOTICE
from bot.dispatch.dispatcher import LEASE
from storage.db import Database
from storage.repositories import outbox
from storage.repositories.outbox import NewMessage
from tests.fakebot.server import FakeBotApi
from tests.meetings.support import search_path
from tests.support import Clock

ROOT = Path(__file__).resolve().parents[2]
ROWS = 300


async def _start_worker(
    database: Database, fake: FakeBotApi, worker: str, now: str
) -> asyncio.subprocess.Process:
    schema = await search_path(database)
    command = [
        sys.executable,
        "-m",
        "tests.meetings.worker",
        "--url",
        database.url,
        "--worker",
        worker,
        "--token",
        fake.token,
        "--base-url",
        fake.base_url,
        "--now",
        now,
        "--rate",
        "150",
    ]
    if schema:
        command += ["--schema", schema]
    return await asyncio.create_subprocess_exec(
        *command,
        cwd=ROOT,
        env={**os.environ, "PTB_TIMEDELTA": "true"},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


def _delivered(fake: FakeBotApi) -> Counter[int]:
    return Counter(int(call["chat_id"]) for call in fake.calls("sendMessage"))


async def _until(fake: FakeBotApi, count: int, process: asyncio.subprocess.Process) -> None:
    """Wait (bounded) for `count` messages to reach the fake, or the process to end."""
    async with asyncio.timeout(60):
        while sum(_delivered(fake).values()) < count and process.returncode is None:
            event = fake.new_message_event
            try:
                await asyncio.wait_for(event.wait(), 1)
            except TimeoutError:
                continue


async def test_a_killed_dispatcher_loses_nothing_and_repeats_at_most_what_was_in_flight(
    database: Database, fake_bot_api: FakeBotApi, app: App, clock: Clock
) -> None:
    fake = fake_bot_api
    users = [fake.add_user(f"Lærer {n}") for n in range(ROWS)]
    messages = [
        NewMessage(
            key=f"crash:{u.id}",
            chat_id=u.id,
            kind=NOTICE,
            due_at=clock.now,
            payload={"key": "pause.resumed"},
        )
        for u in users
    ]
    await app.db.run(lambda s: outbox.enqueue_many(s, messages, clock.now))

    first = await _start_worker(database, fake, "worker-1", clock.now.isoformat())
    await _until(fake, ROWS // 3, first)
    first.send_signal(signal.SIGKILL)
    await first.wait()
    assert first.returncode == -signal.SIGKILL  # it died mid-dispatch, not at the end

    counts = await app.db.run(outbox.count_by_status)
    before = _delivered(fake)
    in_flight = counts.get("claimed", 0)
    assert counts.get("sent", 0) <= len(before)  # nothing is marked sent unless it arrived
    assert len(before) - counts.get("sent", 0) <= in_flight
    assert len(before) < ROWS

    later = (clock.now + LEASE + timedelta(seconds=1)).isoformat()
    second = await _start_worker(database, fake, "worker-2", later)
    _, err = await second.communicate()
    assert second.returncode == 0, err.decode()[-2000:]

    delivered = _delivered(fake)
    assert sorted(delivered) == sorted(u.id for u in users)  # nothing lost
    repeats = sum(n - 1 for n in delivered.values())
    assert repeats <= in_flight  # at most what was in flight when the process died
    assert await app.db.run(outbox.count_by_status) == {"sent": ROWS}
