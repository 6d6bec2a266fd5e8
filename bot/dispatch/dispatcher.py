"""The outbox dispatcher: claim due rows, decide, pace, send, and record each outcome.

A tick first opens and closes follow-up rounds, then drains the outbox: one task claims
small batches (each claim is its own short transaction) and decides what each row
becomes; a few sender tasks take the ready messages, wait for their turn under
Telegram's limits, send, and record the outcome at once in a transaction of its own.
A row Telegram confirmed is marked sent before anything else happens to it, so a crash
can repeat at most the messages that were in flight; a row whose lease ran out is not
sent by this worker any more, because another may have claimed it.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import App
from bot.dispatch import rounds
from bot.dispatch.compose import NOTICE, Decision, Drop, Later, Send, compose
from bot.dispatch.pacing import Pacing, SharedPacer, pacer_for
from bot.dispatch.sender import (
    Blocked,
    Delivered,
    Moved,
    Outcome,
    Rejected,
    RetryLater,
    Sender,
    Transient,
)
from bot.views import View
from storage.enums import OutboxStatus, Role
from storage.models import OutboxMessage
from storage.repositories import followups as followups_repo
from storage.repositories import groups as groups_repo
from storage.repositories import outbox, people
from storage.repositories.outbox import NewMessage

log = logging.getLogger(__name__)

BATCH = 50
CONCURRENCY = 16
LEASE = timedelta(minutes=5)
MAX_ATTEMPTS = 5
UPKEEP = "outbox-upkeep"  # the run-once lock of opening and closing rounds
BACKOFF_FIRST = timedelta(seconds=30)
BACKOFF_MAX = timedelta(hours=1)

Ready = tuple[OutboxMessage, View]


@dataclass
class Report:
    """What one tick did (counts only: nothing about what the messages said)."""

    opened: int = 0
    queued: int = 0
    closed: int = 0
    outcomes: int = 0
    claimed: int = 0
    sent: int = 0
    retried: int = 0
    deferred: int = 0
    dropped: int = 0
    failed: int = 0
    lost_lease: int = 0


def worker_name() -> str:
    """A name no other running worker has: host, process and a random tail."""
    return f"{socket.gethostname()[:32]}:{os.getpid()}:{secrets.token_hex(3)}"


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, … up to an hour, after the n-th failed attempt."""
    delay: timedelta = BACKOFF_FIRST * 2 ** max(attempts - 1, 0)
    return min(delay, BACKOFF_MAX)


class Dispatcher:
    """Sends the outbox; `tick()` is what the job queue (or a test) calls."""

    def __init__(
        self,
        app: App,
        sender: Sender,
        *,
        worker: str | None = None,
        pacer: Pacing | None = None,
        batch_size: int = BATCH,
        concurrency: int = CONCURRENCY,
        lease: timedelta = LEASE,
        max_attempts: int = MAX_ATTEMPTS,
    ) -> None:
        self.app = app
        self.sender = sender
        self.worker = worker or worker_name()
        self.pacer = pacer or pacer_for(app.db)
        self.batch_size = batch_size
        self.concurrency = concurrency
        self.lease = lease
        self.max_attempts = max_attempts
        self._lock = asyncio.Lock()

    # -- the tick -----------------------------------------------------------------------

    async def tick(self, *, wait: bool = True, max_rows: int | None = None) -> Report:
        """Open and close rounds, then send every due row (at most `max_rows`).

        With `wait=False` a tick that finds another one running returns at once (the
        job queue uses that); otherwise it waits its turn.
        """
        report = Report()
        if not wait and self._lock.locked():
            return report
        async with self._lock:
            await self.maintain(report)
            await self.drain(report, max_rows=max_rows)
        if report.claimed or report.opened:
            log.info("outbox tick", extra={"worker": self.worker, **vars(report)})
        return report

    async def maintain(self, report: Report) -> None:
        """Open the rounds that are due, close finished ones, note reported outcomes.

        One process at a time does this, however many dispatchers run; the others go
        straight on to sending (claims keep them from sending a row twice).
        """
        async with self.app.locks.try_hold("job", UPKEEP) as mine:
            if mine:
                await self._maintain(report)

    async def _maintain(self, report: Report) -> None:
        db, app = self.app.db, self.app
        while True:
            opened, queued = await db.run(lambda s: rounds.open_due(app, s))
            report.opened += opened
            report.queued += queued
            if not opened:
                break
        # Outcomes first, so that a round closing now freezes the statuses just reported.
        report.outcomes += await db.run(lambda s: rounds.sync_outcomes(app, s))
        report.closed += await db.run(lambda s: rounds.close_due(app, s))
        if isinstance(self.pacer, SharedPacer):
            await self.pacer.forget_idle()

    async def recover(self) -> int:
        """Take back claims left by an earlier run under this worker's name."""
        return await self.app.db.run(lambda s: outbox.recover(s, self.worker))

    async def drain(self, report: Report, *, max_rows: int | None = None) -> None:
        """Claim, decide and send until nothing is due (or `max_rows` were claimed)."""
        queue: asyncio.Queue[Ready | None] = asyncio.Queue(maxsize=self.batch_size * 2)
        senders = [
            asyncio.create_task(self._send_from(queue, report)) for _ in range(self.concurrency)
        ]
        try:
            while max_rows is None or report.claimed < max_rows:
                limit = self.batch_size
                if max_rows is not None:
                    limit = min(limit, max_rows - report.claimed)
                rows = await self._claim(limit)
                if not rows:
                    # Sends still in flight may queue more (a note to a facilitator).
                    await queue.join()
                    rows = await self._claim(limit)
                if not rows:
                    break
                report.claimed += len(rows)
                for ready in await self._decide(rows, report):
                    await queue.put(ready)
        finally:
            for _ in senders:
                await queue.put(None)
            await asyncio.gather(*senders)

    # -- claiming and deciding ----------------------------------------------------------

    async def _claim(self, limit: int) -> list[OutboxMessage]:
        now = self.app.now()

        async def claim(session: AsyncSession) -> list[OutboxMessage]:
            return await outbox.claim_due(
                session,
                worker=self.worker,
                now=now,
                lease_until=now + self.lease,
                limit=limit,
                skip_locked=not self.app.db.is_sqlite,
            )

        return await self.app.db.run(claim)

    async def _decide(self, rows: list[OutboxMessage], report: Report) -> list[Ready]:
        """Compose the batch; rows that may not go now are handed back or dropped."""
        worn = [r for r in rows if r.attempts > self.max_attempts]
        for row in worn:
            await self.app.db.run(lambda s, r=row: self._give_up(s, r, "too many attempts"))  # type: ignore[misc]
            report.failed += 1
        fresh = [r for r in rows if r.attempts <= self.max_attempts]
        try:
            decisions = await self.app.db.run(lambda s: compose(self.app, s, fresh))
        except Exception:
            log.exception("composing a batch failed; trying row by row")
            decisions = {}
            for row in fresh:
                try:
                    decisions.update(await self._compose_one(row))
                except Exception:
                    log.exception("composing a row failed", extra={"row": row.id})
                    decisions[row.id] = Drop("could not compose")
        ready: list[Ready] = []
        for row in fresh:
            decision = decisions[row.id]
            if isinstance(decision, Send):
                ready.append((row, decision.view))
            else:
                await self.app.db.run(lambda s, r=row, d=decision: self._settle(s, r, d))  # type: ignore[misc]
                if isinstance(decision, Later):
                    report.deferred += 1
                else:
                    report.dropped += 1
        return ready

    async def _compose_one(self, row: OutboxMessage) -> dict[int, Decision]:
        return await self.app.db.run(lambda s: compose(self.app, s, [row]))

    async def _settle(self, session: AsyncSession, row: OutboxMessage, decision: Decision) -> None:
        if isinstance(decision, Later):
            await outbox.release(
                session,
                row.id,
                self.worker,
                due_at=decision.until,
                error=decision.reason,
                count_attempt=False,
            )
        elif isinstance(decision, Drop):
            await outbox.finish(
                session, row.id, self.worker, status=OutboxStatus.cancelled, error=decision.reason
            )

    # -- sending ------------------------------------------------------------------------

    async def _send_from(self, queue: asyncio.Queue[Ready | None], report: Report) -> None:
        while (item := await queue.get()) is not None:
            try:
                await self._send_one(*item, report)
            except Exception:
                # The row stays claimed; when its lease ends it is tried again.
                log.exception("sending an outbox row failed", extra={"row": item[0].id})
            finally:
                queue.task_done()
        queue.task_done()

    async def _send_one(self, row: OutboxMessage, view: View, report: Report) -> None:
        await self.pacer.wait_turn(row.chat_id)
        if not await self._still_mine(row):
            report.lost_lease += 1
            return
        outcome = await self.sender.send(row.chat_id, view)
        await self._record(row, outcome, report)

    async def _still_mine(self, row: OutboxMessage) -> bool:
        """Whether the claim on `row` lasts through a send (renewed if half of it is gone).

        A row that waited long for its turn may be close to the end of its lease; sent
        then, another worker could claim it the moment the lease ends and send it again.
        So a claim with less than half its lease left is first extended in the database,
        which succeeds only while nobody else can have taken the row.
        """
        now = self.app.now()
        expires = row.claim_expires_at
        if expires is None or now >= expires:
            return False
        if expires - now >= self.lease / 2:
            return True
        until = now + self.lease
        renewed = await self.app.db.run(
            lambda s: outbox.renew(s, row.id, self.worker, now=now, lease_until=until)
        )
        if renewed:
            row.claim_expires_at = until
        return renewed

    async def _record(self, row: OutboxMessage, outcome: Outcome, report: Report) -> None:
        db, now = self.app.db, self.app.now()
        if isinstance(outcome, Delivered):
            marked = await db.run(
                lambda s: outbox.mark_sent(
                    s, row.id, self.worker, message_id=outcome.message_id, now=now
                )
            )
            report.sent += 1
            if not marked:
                log.warning("sent a row whose claim had passed on", extra={"row": row.id})
        elif isinstance(outcome, RetryLater):
            self.pacer.pause(outcome.seconds)
            await self._retry(row, now + timedelta(seconds=outcome.seconds), "429", report)
        elif isinstance(outcome, Transient):
            await self._retry(row, now + backoff(row.attempts), outcome.reason, report)
        elif isinstance(outcome, Blocked):
            await db.run(lambda s: self._blocked(s, row))
            report.failed += 1
        elif isinstance(outcome, Rejected):
            await db.run(lambda s: self._give_up(s, row, "rejected"))
            report.failed += 1
        elif isinstance(outcome, Moved):
            await db.run(lambda s: self._moved(s, row, outcome.chat_id))
            report.retried += 1

    async def _retry(self, row: OutboxMessage, due: datetime, reason: str, report: Report) -> None:
        if row.attempts >= self.max_attempts:
            await self.app.db.run(lambda s: self._give_up(s, row, reason))
            report.failed += 1
            return
        await self.app.db.run(
            lambda s: outbox.release(s, row.id, self.worker, due_at=due, error=reason)
        )
        report.retried += 1

    async def _blocked(self, session: AsyncSession, row: OutboxMessage) -> None:
        """The person blocked the bot: note it; trying again would not help."""
        if (
            await outbox.finish(
                session, row.id, self.worker, status=OutboxStatus.failed, error="blocked"
            )
            and row.person_id is not None
        ):
            await people.mark_unreachable(session, row.person_id, True)

    async def _moved(self, session: AsyncSession, row: OutboxMessage, chat_id: int) -> None:
        await groups_repo.migrate_chat(session, row.chat_id, chat_id)
        await outbox.release(
            session,
            row.id,
            self.worker,
            due_at=self.app.now(),
            chat_id=chat_id,
            count_attempt=False,
        )

    async def _give_up(self, session: AsyncSession, row: OutboxMessage, reason: str) -> None:
        """Mark the row failed and tell the group's facilitators, once, without content."""
        if not await outbox.finish(
            session, row.id, self.worker, status=OutboxStatus.failed, error=reason
        ):
            return
        if row.kind == NOTICE or row.group_id is None:
            return
        group = await groups_repo.get(session, row.group_id)
        if group is None:
            return
        person = await people.get(session, row.person_id) if row.person_id else None
        ids = [group.id] if group.parent_id is None else [group.id, group.parent_id]
        facilitators = await followups_repo.members_with_roles(session, ids, [Role.facilitator])
        notices = [
            NewMessage(
                key=f"outbox:{row.id}:gave-up:{f.id}",
                chat_id=f.telegram_id,
                kind=NOTICE,
                due_at=self.app.now(),
                payload={
                    "key": "dispatch.gave_up",
                    "params": {
                        "name": person.display_name if person else "?",
                        "group": group.name,
                    },
                },
                person_id=f.id,
                group_id=group.id,
            )
            for f in facilitators
            if f.telegram_id is not None and f.id != row.person_id
        ]
        await outbox.enqueue_many(session, notices, self.app.now())
