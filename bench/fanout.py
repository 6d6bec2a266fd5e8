"""Fan-out benchmark: 10,000 due follow-up prompts to 10,000 people within Telegram's limits.

A network of 10,000 participants had a meeting two weeks ago; its mid-point check is due
now (17:00 in Copenhagen on a Tuesday, inside allowed hours). The fake Bot API server runs
in this process with Telegram's flood limits switched on (30 messages a second overall,
one a second per chat, 20 a minute per group). The bot's dispatcher runs in a process of
its own (`python -m bench.fanout --one ...`): it opens the round (queues a prompt and a
reminder per person) and sends every due prompt. Reported: messages per second at the
fake (from the first to the last arrival, and the slowest 30-second stretch), flood-limit
answers, duplicates, losses, the time to open the round, and the bot process's peak RSS.

Run with `make bench` (all benchmarks) or `python -m bench.fanout`; BENCH_FANOUT_PEOPLE
changes the number of people, BENCH_DATABASES the databases (default sqlite,postgresql).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert

from bench._postgres import PG_URL, Unreachable, pg_schema, search_path

ROOT = Path(__file__).resolve().parent.parent
PEOPLE = int(os.environ.get("BENCH_FANOUT_PEOPLE", "10000"))
# Tuesday 17 March 2026, 17:00 in Copenhagen: two weeks after a meeting that ended then.
NOW = datetime(2026, 3, 17, 16, 0, tzinfo=UTC)
MEETING_START = datetime(2026, 3, 3, 13, 0, tzinfo=UTC)
WINDOW = 30.0


async def _fill(url: str, connect_args: dict[str, Any] | None, telegram_ids: list[int]) -> None:
    """One network, its participants, and the meeting whose mid-point check is due."""
    from bot.app import App
    from bot.config import Settings
    from bot.services import followups
    from dialogues.loader import Catalog
    from storage.db import Database
    from storage.enums import GroupKind, Role
    from storage.migrate import upgrade
    from storage.models import Group, Membership, Person
    from storage.repositories import meetings

    database = Database(url, connect_args=connect_args)
    await upgrade(database.engine)
    settings = Settings(_env_file=None, database_url=url)  # type: ignore[call-arg]
    app = App(settings=settings, db=database, catalog=Catalog([]), clock=lambda: NOW)
    people = [
        {
            "id": n + 1,
            "telegram_id": tid,
            "display_name": f"Lærer {n + 1}",
            "language": "da",
            "language_chosen": False,
            "unreachable": False,
            "created_at": NOW,
            "last_seen_at": NOW,
        }
        for n, tid in enumerate(telegram_ids)
    ]
    members = [
        {"group_id": 1, "person_id": n + 1, "role": Role.participant, "joined_at": NOW}
        for n in range(len(telegram_ids))
    ]

    async def work(session: Any) -> None:
        await session.execute(
            insert(Group),
            [
                {
                    "id": 1,
                    "name": "Netværk Nord",
                    "kind": GroupKind.network,
                    "language": "da",
                    "settings": {},
                    "created_at": NOW,
                }
            ],
        )
        for start in range(0, len(people), 2000):
            await session.execute(insert(Person), people[start : start + 2000])
            await session.execute(insert(Membership), members[start : start + 2000])
        await meetings.create_meeting(
            session,
            group_id=1,
            starts_at=MEETING_START,
            ends_at=MEETING_START + timedelta(hours=3),
            now=MEETING_START - timedelta(days=30),
        )
        group = await session.get(Group, 1)
        await followups.replan(app, session, group)

    try:
        await database.run(work)
    finally:
        await database.dispose()


async def dispatch(
    url: str, schema: str, base_url: str, token: str, *, open_round: bool = True
) -> dict[str, Any]:
    """The bot's side (run in its own process): open the round, send what is due.

    Without `open_round` it only sends (a second dispatcher, started once the first has
    opened the round)."""
    from bot.app import App
    from bot.config import Settings
    from bot.dispatch import Dispatcher, Report
    from bot.dispatch.sender import TelegramSender
    from dialogues.loader import load_catalog
    from storage.db import Database

    connect_args = search_path(schema) if schema else None
    database = Database(url, connect_args=connect_args)
    started = time.monotonic()
    settings = Settings(_env_file=None, database_url=url)  # type: ignore[call-arg]
    app = App(
        settings=settings,
        db=database,
        catalog=load_catalog(),
        clock=lambda: NOW + timedelta(seconds=time.monotonic() - started),
    )
    sender = TelegramSender.create(token=token, base_url=base_url)
    dispatcher = Dispatcher(app, sender)
    report = Report()
    try:
        began = time.perf_counter()
        if open_round:
            await dispatcher.maintain(report)
        opened = time.perf_counter()
        await dispatcher.drain(report)
        drained = time.perf_counter()
        counts = await database.run(_counts)
    finally:
        await sender.stop()
        await database.dispose()
    return {
        "queued": report.queued,
        "open_seconds": round(opened - began, 2),
        "drain_seconds": round(drained - opened, 1),
        "sent": report.sent,
        "retried": report.retried,
        "failed": report.failed,
        "deferred": report.deferred,
        "rows": counts,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


async def _counts(session: Any) -> dict[str, int]:
    from storage.repositories import outbox

    return await outbox.count_by_status(session)


def _slowest_window(arrivals: list[float]) -> float:
    """Messages per second in the slowest full 30-second stretch (0 when shorter)."""
    if not arrivals or arrivals[-1] - arrivals[0] < WINDOW:
        return 0.0
    slowest, right = float("inf"), 0
    for left, start in enumerate(arrivals):
        if start + WINDOW > arrivals[-1]:
            break
        while right < len(arrivals) and arrivals[right] < start + WINDOW:
            right += 1
        slowest = min(slowest, (right - left) / WINDOW)
    return slowest


async def _dispatcher(url: str, schema: str, fake: Any, *flags: str) -> Any:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench.fanout",
        "--one",
        url,
        schema,
        fake.base_url,
        fake.token,
        *flags,
        cwd=ROOT,
        env={**os.environ, "PTB_TIMEDELTA": "true"},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def _until_opened(url: str, connect_args: dict[str, Any] | None) -> None:
    """Until the first dispatcher has queued the round (a prompt per person)."""
    from storage.db import Database

    database = Database(url, connect_args=connect_args)
    try:
        for _ in range(6000):
            counts = await database.run(_counts)
            if sum(counts.values()) >= PEOPLE:
                return
            await asyncio.sleep(0.05)
    finally:
        await database.dispose()
    raise RuntimeError("the round was never opened")


async def run_backend(
    backend: str, url: str, schema: str = "", *, dispatchers: int = 1
) -> dict[str, Any]:
    from tests.fakebot.server import FakeBotApi

    async with FakeBotApi() as fake:
        fake.enable_flood_limits()
        arrivals: list[float] = []
        record = fake.record_bot_message

        def timed(message: Any) -> None:
            arrivals.append(time.perf_counter())
            record(message)

        fake.record_bot_message = timed  # type: ignore[method-assign]
        users = [fake.add_user(f"Lærer {n + 1}") for n in range(PEOPLE)]
        connect_args = search_path(schema) if schema else None
        filling = time.perf_counter()
        await _fill(url, connect_args, [u.id for u in users])
        filled = time.perf_counter() - filling
        child = await _dispatcher(url, schema, fake)
        helpers = []
        if dispatchers > 1:
            await _until_opened(url, connect_args)
            helpers = [await _dispatcher(url, schema, fake, "--send-only")]
        bots = []
        for process in [child, *helpers]:
            out, err = await process.communicate()
            if process.returncode != 0:
                raise RuntimeError(err.decode()[-3000:])
            bots.append(json.loads(out.decode().strip().splitlines()[-1]))
        bot = bots[0]
        delivered = Counter({u.id: len(fake.sent(u)) for u in users})
        span = arrivals[-1] - arrivals[0] if len(arrivals) > 1 else 0.0
        return {
            "backend": backend,
            "dispatchers": dispatchers,
            "date": date.today().isoformat(),  # noqa: DTZ011 - the day the figure was taken
            "people": PEOPLE,
            "fill_seconds": round(filled, 1),
            "messages": len(arrivals),
            "per_second": round((len(arrivals) - 1) / span, 2) if span else 0.0,
            "slowest_30s_per_second": round(_slowest_window(arrivals), 2),
            "flood_429": len(fake.flood_violations),
            "duplicates": sum(n - 1 for n in delivered.values() if n > 1),
            "losses": sum(1 for n in delivered.values() if n == 0),
            "spec_violations": len(fake.violations),
            "load_average": round(os.getloadavg()[0], 1),
            "bot": bot,
            "sent_by_each": [b["sent"] for b in bots],
        }


def report(result: dict[str, Any]) -> None:
    bot = result["bot"]
    print(
        f"[fanout {result['backend']}, {result['dispatchers']} dispatcher(s), sent "
        f"{'/'.join(str(n) for n in result['sent_by_each'])}] {result['messages']:,} "
        f"messages to {result['people']:,} "
        f"people: {result['per_second']} msg/s (slowest 30 s: "
        f"{result['slowest_30s_per_second']}/s), flood 429s {result['flood_429']}, "
        f"duplicates {result['duplicates']}, losses {result['losses']}; opening the round "
        f"queued {bot['queued']:,} rows in {bot['open_seconds']} s; bot peak RSS "
        f"{bot['peak_rss_mb']} MB; load average {result['load_average']}",
        flush=True,
    )


async def main() -> dict[str, Any]:
    """Fan out on SQLite and, when reachable, on PostgreSQL; print and return the figures."""
    print(f"fanout: {os.cpu_count()} cores, {PEOPLE:,} people", flush=True)
    results: dict[str, Any] = {}
    databases = os.environ.get("BENCH_DATABASES", "sqlite,postgresql").split(",")
    if "sqlite" in databases:
        with tempfile.TemporaryDirectory() as folder:
            url = f"sqlite+aiosqlite:///{Path(folder) / 'fanout.db'}"
            results["sqlite"] = await run_backend("sqlite", url)
            report(results["sqlite"])
    if "postgresql" in databases:
        try:
            async with pg_schema() as schema:
                results["postgresql"] = await run_backend("postgresql", PG_URL, schema)
                report(results["postgresql"])
        except Unreachable as exc:
            print(f"{exc}; skipped.")
    return results


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--one", nargs=4, metavar=("URL", "SCHEMA", "BASE_URL", "TOKEN"))
    parser.add_argument("--send-only", action="store_true", help="do not open the round")
    args = parser.parse_args()
    if args.one:
        print(json.dumps(asyncio.run(dispatch(*args.one, open_round=not args.send_only))))
    else:
        print(json.dumps(asyncio.run(main()), indent=2))
