"""Two workers and two dispatchers as real processes on PostgreSQL; one of each is killed.

200 people reflect (their answers reach the workers by webhook from the fake Bot API)
while two dispatchers send a round of 2,000 follow-ups. In the middle, one worker and one
dispatcher are killed with SIGKILL; uvicorn's supervisor starts a new worker, the other
dispatcher carries on and takes over the dead one's rows when their lease runs out.

Afterwards: every answer the bot acknowledged is stored once and in the order it was
sent, every reflection went on where it was, every follow-up arrived exactly once except
those in flight at the kill (at most twice, counted), and the fake saw no flood-limit
answer and no specification violation.
"""

from __future__ import annotations

import asyncio
import gc
import os
import re
import signal
from collections import Counter
from pathlib import Path

from sqlalchemy import select

from bot.dispatch.compose import NOTICE
from storage.db import Database
from storage.enums import OutboxStatus
from storage.models import Answer, OutboxMessage, Person
from tests.fakebot.server import FakeBotApi
from tests.fakebot.world import BotMessage, User
from tests.workers.cluster import CATALOG, cluster, onboard, worker_pids

PEOPLE = int(os.environ.get("REFLEKS_KILL_PEOPLE", "200"))
FOLLOWUPS = int(os.environ.get("REFLEKS_KILL_FOLLOWUPS", "2000"))
ANSWERS = 3  # per person; their replies share Telegram's budget with the follow-ups
LEASE = 45.0  # seconds: the dead dispatcher's claims go back to the other after this
SILENCE = 30.0  # seconds without the next question before a person asks where they are
_MARK = re.compile(r"#(\d+)\b")


def _question(number: int) -> str:
    return f"Spørgsmål {number} af 10"


def _text(message: BotMessage) -> str:
    return message.text or ""


class FollowUps:
    """The round's messages that reached people, counted as they come.

    A send the fake refused (a 429) did not arrive, so only the messages it delivered
    count: a refused send tried again is one arrival, as it is for a person.
    """

    def __init__(self, fake: FakeBotApi) -> None:
        self.fake = fake
        self.read = 0
        self.counts: Counter[int] = Counter()

    def seen(self) -> Counter[int]:
        delivered = list(self.fake.bot_messages.values())
        for message in delivered[self.read :]:
            found = _MARK.search(_text(message))
            if found:
                self.counts[int(found.group(1))] += 1
        self.read = len(delivered)
        return self.counts


class LoopLag:
    """The longest this event loop (the fake's) was late for a 50 ms tick."""

    def __init__(self) -> None:
        self.worst = 0.0
        self._task = asyncio.get_running_loop().create_task(self._watch())

    async def _watch(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            before = loop.time()
            await asyncio.sleep(0.05)
            self.worst = max(self.worst, loop.time() - before - 0.05)

    def stop(self) -> None:
        self._task.cancel()


class People:
    """200 people answering question after question, as fast as the bot lets them."""

    def __init__(self, fake: FakeBotApi, users: list[User]) -> None:
        self.fake = fake
        self.users = users
        self.sent: dict[int, list[str]] = {u.id: [] for u in users}
        self.resumed = 0

    def answers(self) -> int:
        return sum(len(texts) for texts in self.sent.values())

    async def _resume(self, user: User) -> int:
        """Ask where the reflection stands (/reflect, Fortsæt); the question shown."""
        self.resumed += 1
        fake = self.fake
        await fake.send_text(user, "/reflect")
        offer = await fake.wait_for_message(user, lambda m: "Fortsæt" in str(m.buttons()), 60)
        data = next(d for label, d in offer.buttons() if label == "Fortsæt")
        await fake.press_button(user, offer, data)
        shown = await fake.wait_for_message(user, lambda m: "af 10" in _text(m), 60)
        found = re.search(r"Spørgsmål (\d+) af 10", _text(shown))
        assert found is not None, _text(shown)
        return int(found.group(1))

    async def reflect(self, user: User, index: int) -> None:
        question = 1
        while question <= ANSWERS:
            text = f"P{index} svar {question}"
            self.sent[user.id].append(text)
            await self.fake.send_text(user, text)
            wanted = _question(question + 1)
            try:
                await self.fake.wait_for_message(user, lambda m, w=wanted: w in _text(m), SILENCE)
                question += 1
            except AssertionError:
                # The answer may be stored with its reply lost in a killed worker.
                question = await self._resume(user)


async def test_killed_worker_and_dispatcher_lose_nothing(
    fake_bot_api: FakeBotApi, pg_database: Database, tmp_path: Path
) -> None:
    # The fake Bot API shares this process with the whole test run before it: a full
    # garbage collection over that heap can stall its loop for seconds, after which it
    # would meet a bunch of requests at once that arrived evenly, and refuse some as a
    # flood. Freezing what exists now keeps collections small for the test's length.
    gc.collect()
    gc.freeze()
    try:
        await _kill_and_check(fake_bot_api, pg_database, tmp_path)
    finally:
        gc.unfreeze()


async def _kill_and_check(fake: FakeBotApi, pg_database: Database, tmp_path: Path) -> None:
    lag = LoopLag()
    fake.enable_flood_limits()
    fake.webhook.timeout = 30.0
    users = [fake.add_user(f"Lærer {n}") for n in range(PEOPLE)]
    async with cluster(fake, pg_database, tmp_path, catalog=CATALOG) as running:
        await onboard(running, users, followups=FOLLOWUPS)
        workers = await running.workers(2)
        first = await running.dispatcher("dispatcher-1", LEASE)
        await running.dispatcher("dispatcher-2", LEASE)
        people = People(fake, users)
        reflecting = asyncio.gather(*(people.reflect(u, i) for i, u in enumerate(users)))

        follow_ups = FollowUps(fake)
        try:
            await fake.wait_until(
                lambda: len(follow_ups.seen()) >= FOLLOWUPS // 3 and people.answers() >= PEOPLE,
                timeout=180,
            )
            victims = worker_pids(workers)
            assert len(victims) == 2, victims
            os.kill(victims[0], signal.SIGKILL)
            first.send_signal(signal.SIGKILL)
            await first.wait()
            in_flight = await _claimed_by(pg_database, first.pid)
            async with asyncio.timeout(420):
                await reflecting
            await fake.wait_until(lambda: len(follow_ups.seen()) >= FOLLOWUPS, timeout=240)
            # Marked sent too (a row sent twice is marked by whoever sent it last).
            for _ in range(600):
                if not await _unsent(pg_database):
                    break
                await asyncio.sleep(0.2)
        except BaseException:
            reflecting.cancel()
            print(running.tail())
            failed = sum(fake.webhook.failed().values())
            print(
                f"follow-ups {len(follow_ups.seen())}, answers {people.answers()}, "
                f"deliveries {len(fake.webhook.attempts)} ({failed} failed), "
                f"pending {len(fake.updates.pending)}, "
                f"statuses {Counter(a.status for a in fake.webhook.attempts)}, "
                f"last error {fake.webhook.last_error}, "
                f"longest stall of this loop {lag.worst:.2f} s"
            )
            raise
        assert first.returncode == -signal.SIGKILL
        for _ in range(600):  # the supervisor starts a new worker (bounded wait)
            if len(worker_pids(workers)) == 2 and victims[0] not in worker_pids(workers):
                break
            await asyncio.sleep(0.1)
        else:
            raise AssertionError(f"no new worker: {worker_pids(workers)}")

    # Follow-ups: all arrived; repeats only among those in flight at the kill.
    delivered = follow_ups.seen()
    assert sorted(delivered) == list(range(FOLLOWUPS))
    repeated = {n for n, count in delivered.items() if count > 1}
    assert max(delivered.values()) <= 2
    history = await _history(pg_database, repeated - in_flight)
    lag.stop()
    assert repeated <= in_flight, (
        f"{history}; flood refusals {len(fake.flood_violations)}; "
        f"longest stall of this loop {lag.worst:.2f} s"
    )
    print(f"follow-ups in flight at the kill: {len(in_flight)}, sent twice: {len(repeated)}")

    # Answers: each stored once, in the order it was sent, and every reflection moved on.
    stored = await _answers(pg_database)
    acknowledged = _acknowledged_texts(fake)
    for user in users:
        texts = stored[user.id]
        assert len(texts) == len(set(texts)), texts  # none twice
        assert texts == [f"{t.split(' svar ')[0]} svar {n}" for n, t in enumerate(texts, 1)]
        assert len(texts) == ANSWERS  # went on to the end, where it was
        answers_acknowledged = {t for t in acknowledged.get(user.id, set()) if " svar " in t}
        assert answers_acknowledged <= set(texts)
    print(f"people who asked where they were after a silence: {people.resumed}")

    assert fake.flood_violations == [], f"longest stall of this loop {lag.worst:.2f} s"
    assert not fake.violations, fake.describe_problems()


async def _claimed_by(database: Database, pid: int | None) -> set[int]:
    """Rows the killed dispatcher held claimed (their follow-up numbers)."""
    async with database.transaction() as session:
        rows = await session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.status == OutboxStatus.claimed,
                OutboxMessage.claimed_by.like(f"%:{pid}:%"),
            )
        )
        return {int(r.payload["params"]["name"][1:]) for r in rows if r.kind == NOTICE}


async def _history(database: Database, numbers: set[int]) -> str:
    """What the outbox knows of follow-ups sent twice: tries, last error, who sent them."""
    async with database.transaction() as session:
        rows = await session.scalars(select(OutboxMessage).where(OutboxMessage.kind == NOTICE))
        found = [r for r in rows if int(r.payload["params"]["name"][1:]) in numbers]
        return "sent twice though not in flight at the kill: " + "; ".join(
            f"{r.payload['params']['name']} attempts={r.attempts} error={r.last_error} "
            f"status={r.status} sent_at={r.sent_at}"
            for r in found
        )


async def _unsent(database: Database) -> int:
    async with database.transaction() as session:
        rows = await session.scalars(
            select(OutboxMessage.id).where(OutboxMessage.status != OutboxStatus.sent)
        )
        return len(rows.all())


async def _answers(database: Database) -> dict[int, list[str]]:
    """Each person's stored answers, by question."""
    async with database.transaction() as session:
        rows = await session.execute(
            select(Person.telegram_id, Answer.step_id, Answer.value)
            .join(Answer, Answer.person_id == Person.id)
            .order_by(Person.telegram_id, Answer.step_id)
        )
        found: dict[int, list[tuple[int, str]]] = {}
        for telegram_id, step_id, value in rows:
            text = value if isinstance(value, str) else str(value.get("text", value))
            found.setdefault(int(telegram_id), []).append((int(step_id[1:]), text))
    return {k: [t for _, t in sorted(v)] for k, v in found.items()}


def _acknowledged_texts(fake: FakeBotApi) -> dict[int, set[str]]:
    """The texts of messages the bot answered with a 2xx, per chat."""
    found: dict[int, set[str]] = {}
    for update in fake.webhook.acknowledged:
        message = update.get("message") or {}
        if "text" in message:
            found.setdefault(message["chat"]["id"], set()).add(message["text"])
    return found
