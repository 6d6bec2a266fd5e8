"""Throughput and latency of the Telegram channel, beside an in-memory reference bot.

Each run is a fresh process (`python -m bench.throughput --one IMPL DB MODE`) that starts
the fake Bot API server and one bot, so peak memory belongs to that run alone (it includes
the fake server, which both bots share). The orchestrator interleaves the reference and
Refleks (A B A B …) and reports the ratio of median throughputs.

- closed loop: N people each send their next answer as soon as the reply arrives;
- open loop: answers arrive at a fixed rate (Poisson) from many people; latency is from
  the update being queued to the bot's reply being received by the fake server.

Both bots handle the same number of updates at once in a run (`REFLEKS_CONCURRENT_UPDATES`,
by default Refleks's own default). `BENCH_CONCURRENCY=32,256` compares several levels.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

PEOPLE = 200
STEPS = 10
RUNS = 5
RATE = 50.0
OPEN_LOOP_UPDATES = 600
# The reference as the example builds it, and the same bot with Refleks's connection pool.
SAME_POOL = "reference-same-pool"
REFERENCES = ("reference", SAME_POOL)
IMPLEMENTATIONS = (*REFERENCES, "refleks")
ROOT = Path(__file__).resolve().parent.parent


class Replies:
    """Resolve a waiter when the bot's next message to a chat is recorded by the fake."""

    def __init__(self, fake: Any) -> None:
        self.waiters: dict[int, asyncio.Future[float]] = {}
        original = fake.record_bot_message

        def record(message: Any) -> None:
            original(message)
            waiter = self.waiters.pop(message.chat_id, None)
            if waiter is not None and not waiter.done():
                waiter.set_result(time.perf_counter())

        fake.record_bot_message = record

    def expect(self, chat_id: int) -> asyncio.Future[float]:
        future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self.waiters[chat_id] = future
        return future


async def _database(db: str) -> tuple[Any, Callable[[], Any]]:
    from bench._postgres import PG_URL, pg_schema, search_path
    from storage.db import Database
    from storage.migrate import upgrade

    if db == "sqlite":
        folder = Path(tempfile.mkdtemp(prefix="refleks-bench-"))
        database = Database(f"sqlite+aiosqlite:///{folder / 'bench.db'}")
        await upgrade(database.engine)

        async def cleanup() -> None:
            await database.dispose()
            shutil.rmtree(folder)

        return database, cleanup
    schemas = AsyncExitStack()
    schema = await schemas.enter_async_context(pg_schema())
    database = Database(PG_URL, connect_args=search_path(schema))
    await upgrade(database.engine)

    async def drop() -> None:
        await database.dispose()
        await schemas.aclose()

    return database, drop


@asynccontextmanager
async def _refleks(fake: Any, db: str, users: list[Any], concurrency: int) -> AsyncIterator[Any]:
    """Refleks with every person consented, in a team, and at step 1 of `ti-trin`."""
    from bot.app import App
    from bot.config import Settings
    from bot.services import privacy, reflection
    from bot.services.membership import create_group
    from bot.telegram.builder import build_application
    from dialogues.loader import load_catalog
    from storage.enums import GroupKind, Role
    from storage.repositories import groups

    database, cleanup = await _database(db)
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, database_url=database.url, refleks_concurrent_updates=concurrency
    )
    app = App(
        settings=settings,
        db=database,
        catalog=load_catalog(ROOT / "bench" / "formats"),
        clock=lambda: datetime.now(UTC),
    )

    async def onboard(session: Any) -> None:
        team, _ = await create_group(app, session, name="Bench", kind=GroupKind.team)
        for user in users:
            person = await privacy.accept(
                app, session, language="da", display_name=user.first_name, telegram_id=user.id
            )
            await groups.add_member(
                session, group_id=team.id, person_id=person.id, role=Role.participant, now=app.now()
            )
            await reflection.start(
                app, session, person=person, format_id="ti-trin", group_id=team.id
            )

    await database.run(onboard)
    application = build_application(
        app,
        token=fake.token,
        base_url=fake.base_url,
        base_file_url=fake.base_file_url,
        rate_limit=False,
    )
    application.post_shutdown = None  # the harness disposes the database itself
    try:
        yield application
    finally:
        await cleanup()


@asynccontextmanager
async def _reference(
    fake: Any, users: list[Any], concurrency: int, connections: int | None
) -> AsyncIterator[Any]:
    from bench.reference_bot import build

    yield build(
        fake.token,
        fake.base_url,
        fake.base_file_url,
        concurrency=concurrency,
        connections=connections,
    )


def _connections(impl: str) -> int | None:
    """The reference's pool: PTB's default, or Refleks's for the like-for-like reference."""
    from bot.telegram.builder import HTTP_CONNECTIONS

    return HTTP_CONNECTIONS if impl == SAME_POOL else None


async def _warm(fake: Any, replies: Replies, users: list[Any], impl: str) -> None:
    if impl not in REFERENCES:
        return
    waits = []
    for user in users:
        waits.append(replies.expect(user.id))
        await fake.send_text(user, "/start")
    await asyncio.gather(*waits)


async def _closed_loop(fake: Any, replies: Replies, users: list[Any]) -> tuple[float, list[float]]:
    latencies: list[float] = []

    async def person(user: Any) -> None:
        for step in range(STEPS):
            waiter = replies.expect(user.id)
            sent = time.perf_counter()
            await fake.send_text(user, f"Svar {step + 1}: en tanke om praksis")
            latencies.append(await waiter - sent)

    started = time.perf_counter()
    await asyncio.gather(*(person(u) for u in users))
    return time.perf_counter() - started, latencies


async def _open_loop(fake: Any, replies: Replies, users: list[Any]) -> tuple[float, list[float]]:
    """Updates arrive at RATE per second (Poisson) from people whose last reply came back."""
    rng = random.Random(7)
    idle = list(users)
    rng.shuffle(idle)
    latencies: list[float] = []
    pending: set[asyncio.Task[None]] = set()
    answered = {u.id: 0 for u in users}

    async def one(user: Any) -> None:
        waiter = replies.expect(user.id)
        sent = time.perf_counter()
        answered[user.id] += 1
        await fake.send_text(user, f"Svar {answered[user.id]}")
        latencies.append(await waiter - sent)
        if answered[user.id] < STEPS:
            idle.append(user)

    started = time.perf_counter()
    next_at = started
    for _ in range(OPEN_LOOP_UPDATES):
        next_at += rng.expovariate(RATE)
        delay = next_at - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        if not idle:
            await asyncio.sleep(0.001)
            continue
        task = asyncio.create_task(one(idle.pop(0)))
        pending.add(task)
        task.add_done_callback(pending.discard)
    await asyncio.gather(*pending)
    return time.perf_counter() - started, latencies


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def run_one(impl: str, db: str, mode: str, concurrency: int) -> dict[str, Any]:
    from tests.fakebot.ptb import running_application
    from tests.fakebot.server import FakeBotApi

    os.environ.setdefault("PTB_TIMEDELTA", "true")
    fake = FakeBotApi()
    await fake.start()
    replies = Replies(fake)
    users = [fake.add_user(f"Lærer {i}", language_code="da") for i in range(PEOPLE)]
    context = (
        _reference(fake, users, concurrency, _connections(impl))
        if impl in REFERENCES
        else _refleks(fake, db, users, concurrency)
    )
    async with context as application, running_application(fake, application):
        await _warm(fake, replies, users, impl)
        loop = _closed_loop if mode == "closed" else _open_loop
        cpu = time.process_time()
        elapsed, latencies = await loop(fake, replies, users)
        cpu = time.process_time() - cpu
    await fake.stop()
    return {
        "impl": impl,
        "db": db,
        "mode": mode,
        "concurrency": concurrency,
        "updates": len(latencies),
        "seconds": round(elapsed, 3),
        "updates_per_s": round(len(latencies) / elapsed, 1),
        # CPU of this process (bot and fake server) per update: steadier than throughput
        # on a shared machine, and what the throughput is mostly made of.
        "cpu_ms_per_update": round(cpu * 1000 / len(latencies), 3),
        "p50_ms": round(_percentile(latencies, 0.50) * 1000, 1),
        "p95_ms": round(_percentile(latencies, 0.95) * 1000, 1),
        "p99_ms": round(_percentile(latencies, 0.99) * 1000, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "violations": len(fake.violations),
    }


def _spawn(impl: str, db: str, mode: str, concurrency: int) -> dict[str, Any]:
    out = subprocess.run(  # noqa: S603 - our own module, fixed arguments
        [
            sys.executable,
            "-m",
            "bench.throughput",
            "--one",
            impl,
            db,
            mode,
            "--concurrency",
            str(concurrency),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def _levels() -> list[int]:
    from bot.config import Settings

    default = Settings.model_fields["refleks_concurrent_updates"].default
    return [int(n) for n in os.environ.get("BENCH_CONCURRENCY", str(default)).split(",")]


def _compare(db: str, runs: int, concurrency: int) -> dict[str, Any]:
    closed: dict[str, list[dict[str, Any]]] = {impl: [] for impl in IMPLEMENTATIONS}
    for _ in range(runs):
        for impl in IMPLEMENTATIONS:
            closed[impl].append(_spawn(impl, db, "closed", concurrency))
    medians = {
        impl: statistics.median(r["updates_per_s"] for r in rows) for impl, rows in closed.items()
    }
    latency = _spawn("refleks", db, "open", concurrency)
    result = {
        "closed_loop": closed,
        "median_updates_per_s": medians,
        "ratio": round(medians["refleks"] / medians["reference"], 3),
        "ratio_same_pool": round(medians["refleks"] / medians[SAME_POOL], 3),
        "open_loop_refleks": latency,
        "open_loop_reference": _spawn("reference", db, "open", concurrency),
    }
    print(
        f"[throughput {db}, {concurrency} at once] reference {medians['reference']:.1f}/s "
        f"(with Refleks's pool {medians[SAME_POOL]:.1f}/s), "
        f"refleks {medians['refleks']:.1f}/s, ratio {result['ratio']} "
        f"(same pool {result['ratio_same_pool']}); "
        f"open loop {RATE:.0f}/s: p50 {latency['p50_ms']} ms, p95 {latency['p95_ms']} ms, "
        f"p99 {latency['p99_ms']} ms; peak RSS "
        f"{max(r['peak_rss_mb'] for r in closed['refleks'])} MB",
        flush=True,
    )
    return result


def main() -> dict[str, Any]:
    """Interleave reference and Refleks runs on each database; print and return the figures."""
    databases = os.environ.get("BENCH_DATABASES", "sqlite,postgresql").split(",")
    runs = int(os.environ.get("BENCH_RUNS", RUNS))
    report: dict[str, Any] = {"people": PEOPLE, "steps": STEPS, "runs": runs, "results": {}}
    for concurrency in _levels():
        for db in databases:
            report["results"][f"{db}@{concurrency}"] = _compare(db, runs, concurrency)
    return report


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--one", nargs=3, metavar=("IMPL", "DB", "MODE"))
    parser.add_argument("--concurrency", type=int, default=_levels()[0])
    args = parser.parse_args()
    if args.one:
        impl, db, mode = args.one
        print(json.dumps(asyncio.run(run_one(impl, db, mode, args.concurrency))))
    else:
        print(json.dumps(main(), indent=2))
