"""Refleks as real processes (workers, dispatchers) against the fake Bot API in this process.

Shared by the crash test and the benchmark. The fake delivers updates by webhook to the
workers' port, as Telegram would to the proxy in front of them.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any

import psutil
from sqlalchemy.ext.asyncio import AsyncSession
from telegram import Bot

from bot.app import App
from bot.config import Settings
from bot.dispatch.compose import NOTICE
from bot.services import privacy, reflection
from bot.services.membership import create_group
from bot.telegram.webhook import Webhook, register
from dialogues.loader import load_catalog
from storage.db import Database
from storage.enums import GroupKind, Role
from storage.repositories import groups, outbox
from storage.repositories.outbox import NewMessage
from tests.fakebot.server import FakeBotApi
from tests.fakebot.world import User

ROOT = Path(__file__).resolve().parents[2]
# Monday 2 March 2026, 10:00 in Copenhagen: inside allowed hours, whatever the real time.
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
URL = "https://refleks.kommune.example/telegram/webhook"
SECRET = "cluster-secret_0123456789"
CATALOG = ROOT / "bench" / "formats"  # `ti-trin`: ten free-text questions


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Cluster:
    """The processes of one Refleks installation, started and stopped by a test."""

    fake: FakeBotApi
    database: Database
    logs: Path
    epoch: float
    catalog: Path | None = None
    extra_env: dict[str, str] = field(default_factory=dict)
    processes: list[asyncio.subprocess.Process] = field(default_factory=list)
    _files: list[IO[bytes]] = field(default_factory=list)
    port: int = field(default_factory=free_port)

    def environment(self) -> dict[str, str]:
        server = (self.database.connect_args or {}).get("server_settings", {})
        env = {
            **os.environ,
            "PTB_TIMEDELTA": "true",
            "DATABASE_URL": self.database.url,
            "TELEGRAM_BOT_TOKEN": self.fake.token,
            "TELEGRAM_API_URL": self.fake.base_url,
            "TELEGRAM_WEBHOOK_URL": URL,
            "TELEGRAM_WEBHOOK_SECRET": SECRET,
            "REFLEKS_DISPATCH_IN_BOT": "false",
            "REFLEKS_TEST_START": START.isoformat(),
            "REFLEKS_TEST_EPOCH": repr(self.epoch),
            **self.extra_env,
        }
        if "search_path" in server:
            env["REFLEKS_TEST_SCHEMA"] = server["search_path"]
        if self.catalog is not None:
            env["REFLEKS_TEST_CATALOG"] = str(self.catalog)
        return env

    async def spawn(self, name: str, *args: str) -> asyncio.subprocess.Process:
        """Start `python -m tests.workers.process ARGS`, its output in a log file."""
        log = (self.logs / f"{name}.log").open("wb")
        self._files.append(log)
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "tests.workers.process",
            *args,
            cwd=ROOT,
            env=self.environment(),
            stdout=log,
            stderr=log,
        )
        self.processes.append(process)
        return process

    async def workers(self, count: int) -> asyncio.subprocess.Process:
        """uvicorn's supervisor with `count` workers; the webhook points at their port."""
        parent = await self.spawn("workers", "workers", str(count), str(self.port))
        self.fake.webhook.route(f"http://127.0.0.1:{self.port}")
        async with Bot(self.fake.token, base_url=self.fake.base_url) as bot:
            await register(bot, Webhook(URL, SECRET, max_connections=40))
        return parent

    async def dispatcher(self, name: str, lease: float) -> asyncio.subprocess.Process:
        return await self.spawn(name, "dispatcher", repr(lease))

    async def stop(self) -> None:
        for process in self.processes:
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                await asyncio.wait_for(process.wait(), 15)
            except TimeoutError:
                _kill_tree(process.pid)
                await process.wait()
        for log in self._files:
            log.close()

    def tail(self, lines: int = 40) -> str:
        """The end of every process's log, for a failure message."""
        parts = []
        for path in sorted(self.logs.glob("*.log")):
            text = path.read_text(errors="replace").splitlines()[-lines:]
            parts.append(f"--- {path.name}\n" + "\n".join(text))
        return "\n".join(parts)


def worker_pids(parent: asyncio.subprocess.Process) -> list[int]:
    """The worker processes uvicorn's supervisor runs (not its helpers)."""
    found = []
    for child in psutil.Process(parent.pid).children():
        try:
            if child.status() != psutil.STATUS_ZOMBIE and "resource_tracker" not in " ".join(
                child.cmdline()
            ):
                found.append(child.pid)
        except psutil.Error:  # gone meanwhile
            continue
    return found


def _kill_tree(pid: int) -> None:
    try:
        root = psutil.Process(pid)
    except psutil.NoSuchProcess:
        return
    for process in [*root.children(recursive=True), root]:
        try:
            process.kill()
        except psutil.NoSuchProcess:
            continue


@asynccontextmanager
async def cluster(
    fake: FakeBotApi, database: Database, logs: Path, **kwargs: Any
) -> AsyncIterator[Cluster]:
    running = Cluster(fake, database, logs, epoch=time.time(), **kwargs)
    try:
        yield running
    finally:
        await running.stop()


def clock_of(running: Cluster) -> datetime:
    """The processes' clock, read in the test."""
    return START + timedelta(seconds=time.time() - running.epoch)


async def onboard(running: Cluster, users: list[User], *, followups: int = 0) -> None:
    """Everyone consented, in a team and at question 1 of `ti-trin`; and `followups`
    notices queued for them in turn, due now."""
    settings = Settings(_env_file=None, database_url=running.database.url)  # type: ignore[call-arg]
    app = App(
        settings=settings,
        db=running.database,
        catalog=load_catalog(CATALOG),
        clock=lambda: clock_of(running),
    )

    async def work(session: AsyncSession) -> None:
        team, _ = await create_group(app, session, name="Klynge", kind=GroupKind.team)
        for user in users:
            person = await privacy.accept(
                app,
                session,
                language="da",
                display_name=user.first_name,
                telegram_id=user.id,
            )
            await groups.add_member(
                session,
                group_id=team.id,
                person_id=person.id,
                role=Role.participant,
                now=app.now(),
            )
            await reflection.start(
                app, session, person=person, format_id="ti-trin", group_id=team.id
            )

    await app.db.run(work)
    now = app.now()
    rows = [
        NewMessage(
            key=f"round:{n}",
            chat_id=users[n % len(users)].id,
            kind=NOTICE,
            due_at=now,
            payload={"key": "dispatch.gave_up", "params": {"name": f"#{n}", "group": "Klynge"}},
        )
        for n in range(followups)
    ]
    await app.db.run(lambda s: outbox.enqueue_many(s, rows, now))
