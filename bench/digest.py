"""Digest benchmark: render the HTML network digest for 100 teams x 8 members x 20 meetings.

A generator fills a fresh database (SQLite in a temporary file; PostgreSQL in a schema of
its own when reachable at TEST_DATABASE_URL), the 20 rounds are frozen by the real
`freeze_round`, and a warm process then builds and renders the leader's network digest
(queries included, chart excluded) several times. Reported: median and slowest render, and
the number of database statements one digest costs.

Run with `make bench` (all benchmarks) or `python -m bench.digest`.
"""

from __future__ import annotations

import asyncio
import os
import random
import statistics
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import event, insert
from sqlalchemy.ext.asyncio import AsyncSession

from bench._postgres import PG_URL, Unreachable, pg_schema, search_path
from bot.app import App
from bot.config import Settings
from bot.services.aggregates import freeze_round
from bot.services.reflection import pin
from bot.services.summaries import SummaryRequest, build
from bot.summaries.output import render_html
from dialogues.loader import load_catalog
from storage.db import Database
from storage.enums import GroupKind, MeetingStatus, NextStepStatus, Role, SessionStatus
from storage.migrate import upgrade
from storage.models import (
    Answer,
    DialogueSession,
    Group,
    Meeting,
    Membership,
    NextStep,
    NextStepEvent,
    Person,
    SessionScore,
)

TEAMS, MEMBERS, MEETINGS = 100, 8, 20
RUNS = 7
LIMIT_SECONDS = 1.0
START = datetime(2025, 8, 18, 12, 0, tzinfo=UTC)
ITEMS = ("ps_mistakes", "ps_raise_issues", "ps_different", "ps_risk", "ps_ask_help", "ps_valued")
STATUSES = (
    NextStepStatus.done,
    NextStepStatus.partly,
    NextStepStatus.not_yet,
    NextStepStatus.dropped,
)


@dataclass
class Clock:
    now: datetime = START

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Result:
    backend: str
    rows: int
    fill_seconds: float
    median: float
    slowest: float
    cpu_median: float
    statements: int
    html_bytes: int


async def _bulk(session: AsyncSession, model: Any, rows: list[dict[str, Any]]) -> int:
    for start in range(0, len(rows), 5000):
        await session.execute(insert(model), rows[start : start + 5000])
    return len(rows)


def _people_and_groups(now: datetime) -> dict[str, list[dict[str, Any]]]:
    groups = [
        {
            "id": 1,
            "name": "Netværk Øst",
            "kind": GroupKind.network,
            "language": "da",
            "settings": {},
            "created_at": now,
        }
    ]
    groups += [
        {
            "id": t + 2,
            "name": f"Team {t + 1:03d}",
            "kind": GroupKind.team,
            "parent_id": 1,
            "language": "da",
            "settings": {},
            "created_at": now,
        }
        for t in range(TEAMS)
    ]
    people = [
        {
            "id": p + 1,
            "console_handle": f"p{p + 1}",
            "display_name": f"Person {p + 1}",
            "language": "da",
            "language_chosen": False,
            "unreachable": False,
            "created_at": now,
            "last_seen_at": now,
        }
        for p in range(TEAMS * MEMBERS + 1)
    ]
    members = [
        {
            "group_id": 2 + p // MEMBERS,
            "person_id": p + 1,
            "role": Role.participant,
            "joined_at": now,
        }
        for p in range(TEAMS * MEMBERS)
    ]
    members.append(
        {"group_id": 1, "person_id": TEAMS * MEMBERS + 1, "role": Role.leader, "joined_at": now}
    )
    return {"groups": groups, "people": people, "members": members}


def _round_rows(
    meeting: int, starts: datetime, snapshot: int, rng: random.Random, ids: dict[str, int]
) -> dict[str, list[dict[str, Any]]]:
    """One meeting's check-ins, answers, scores and next steps for every member."""
    out: dict[str, list[dict[str, Any]]] = {
        "sessions": [],
        "answers": [],
        "scores": [],
        "steps": [],
        "events": [],
    }
    for p in range(TEAMS * MEMBERS):
        person, team = p + 1, 2 + p // MEMBERS
        done = starts + timedelta(days=2, minutes=p)
        ids["session"] += 1
        sid = ids["session"]
        out["sessions"].append(
            {
                "id": sid,
                "format_id": "psykologisk-tryghed",
                "format_version": 1,
                "snapshot_id": snapshot,
                "person_id": person,
                "started_by": person,
                "group_id": team,
                "meeting_id": meeting,
                "language": "da",
                "state": {},
                "status": SessionStatus.completed,
                "turn": 9,
                "started_at": done,
                "updated_at": done,
                "completed_at": done,
            }
        )
        points = [rng.randint(3, 7) for _ in ITEMS]
        for item, point in zip(ITEMS, points, strict=True):
            out["answers"].append(
                {
                    "session_id": sid,
                    "person_id": person,
                    "step_id": item,
                    "item": "",
                    "seq": 0,
                    "value": point,
                    "visibility": "aggregate",
                    "created_at": done,
                    "updated_at": done,
                }
            )
        if p % 4 == 0:
            out["answers"].append(
                {
                    "session_id": sid,
                    "person_id": person,
                    "step_id": "practise_how",
                    "item": "",
                    "seq": 0,
                    "value": f"Jeg vil spørge mere åbent i møde {meeting} <og> lytte færdigt.",
                    "visibility": "leaders",
                    "created_at": done,
                    "updated_at": done,
                }
            )
        out["scores"].append(
            {
                "session_id": sid,
                "index_id": "psychological_safety",
                "value": sum(points) / len(points),
            }
        )
        ids["step"] += 1
        status = STATUSES[rng.randrange(len(STATUSES))]
        out["steps"].append(
            {
                "id": ids["step"],
                "person_id": person,
                "group_id": team,
                "meeting_id": meeting,
                "what": f"Prøve exit-billetter efter møde {meeting}",
                "due": None,
                "how_shared": None,
                "visibility": "leaders" if p % 8 == 0 else "team",
                "status": status,
                "created_at": starts,
                "updated_at": done,
            }
        )
        out["events"].append(
            {"next_step_id": ids["step"], "status": NextStepStatus.open, "at": starts}
        )
        out["events"].append({"next_step_id": ids["step"], "status": status, "at": done})
    return out


async def fill(app: App, clock: Clock) -> tuple[int, int]:
    """Fill the database; returns (rows written, the leader's person id)."""
    rng = random.Random(20261123)
    written = 0
    ids = {"session": 0, "step": 0}
    async with app.db.transaction() as session:
        base = _people_and_groups(START)
        written += await _bulk(session, Group, base["groups"])
        written += await _bulk(session, Person, base["people"])
        written += await _bulk(session, Membership, base["members"])
        fmt = app.catalog.get("psykologisk-tryghed")
        assert fmt is not None
        snapshot = await pin(app, session, fmt)
    for m in range(MEETINGS):
        starts = START + timedelta(days=14 * m)
        async with app.db.transaction() as session:
            await session.execute(
                insert(Meeting),
                [
                    {
                        "id": m + 1,
                        "group_id": 1,
                        "title": f"Netværksmøde {m + 1}",
                        "starts_at": starts,
                        "ends_at": starts + timedelta(hours=3),
                        "status": MeetingStatus.planned,
                        "sequence": m,
                        "created_at": START,
                        "updated_at": START,
                    }
                ],
            )
            rows = _round_rows(m + 1, starts, snapshot, rng, ids)
            written += 1 + await _bulk(session, DialogueSession, rows["sessions"])
            written += await _bulk(session, Answer, rows["answers"])
            written += await _bulk(session, SessionScore, rows["scores"])
            written += await _bulk(session, NextStep, rows["steps"])
            written += await _bulk(session, NextStepEvent, rows["events"])
        clock.now = starts + timedelta(days=10)
        async with app.db.transaction() as session:
            await freeze_round(
                app, session, 1, f"round-{m + 1}", label=f"Runde {m + 1}", meeting_id=m + 1
            )
    clock.now = START + timedelta(days=14 * MEETINGS)
    return written, TEAMS * MEMBERS + 1


async def measure(app: App, leader_id: int) -> tuple[list[float], list[float], int, int]:
    """Render the digest RUNS times in this warm process; the first run warms caches."""
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    timings: list[float] = []
    cpu: list[float] = []
    size = 0
    for run in range(RUNS + 1):
        statements.clear()
        engine = app.db.engine.sync_engine
        event.listen(engine, "before_cursor_execute", count)
        began, began_cpu = time.perf_counter(), time.process_time()

        async def work(session: AsyncSession) -> str:
            leader = await session.get(Person, leader_id)
            report = await build(app, session, viewer=leader, request=SummaryRequest(1))
            return render_html(report)

        page = await app.db.run(work)
        elapsed = time.perf_counter() - began
        used = time.process_time() - began_cpu
        event.remove(engine, "before_cursor_execute", count)
        if run:
            timings.append(elapsed)
            cpu.append(used)
        size = len(page.encode())
    return timings, cpu, len(statements), size


async def run_backend(name: str, url: str, connect_args: dict[str, Any] | None = None) -> Result:
    database = Database(url, connect_args=connect_args)
    try:
        await upgrade(database.engine)
        clock = Clock()
        config = Settings(_env_file=None, database_url=url)  # type: ignore[call-arg]
        app = App(settings=config, db=database, catalog=load_catalog(), clock=clock)
        began = time.perf_counter()
        rows, leader = await fill(app, clock)
        filled = time.perf_counter() - began
        timings, cpu, statements, size = await measure(app, leader)
    finally:
        await database.dispose()
    return Result(
        name,
        rows,
        filled,
        statistics.median(timings),
        max(timings),
        statistics.median(cpu),
        statements,
        size,
    )


def _report(result: Result) -> None:
    verdict = "within" if result.slowest <= LIMIT_SECONDS else "OVER"
    print(
        f"digest {result.backend:10} {TEAMS} teams x {MEMBERS} members x {MEETINGS} meetings "
        f"({result.rows:,} rows, filled in {result.fill_seconds:.1f} s): "
        f"median {result.median * 1000:.0f} ms, slowest {result.slowest * 1000:.0f} ms "
        f"of {RUNS} runs ({verdict} {LIMIT_SECONDS:.0f} s; this process's CPU "
        f"{result.cpu_median * 1000:.0f} ms), "
        f"{result.statements} statements, HTML {result.html_bytes / 1024:.0f} KiB, "
        f"load average {os.getloadavg()[0]:.1f}"
    )


async def main() -> None:
    """Run the digest benchmark on SQLite and, when reachable, on PostgreSQL."""
    print(f"digest: {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "digest.db"
        _report(await run_backend("sqlite", f"sqlite+aiosqlite:///{path}"))
    try:
        async with pg_schema() as schema:
            _report(await run_backend("postgresql", PG_URL, search_path(schema)))
    except Unreachable as exc:
        print(f"{exc}; skipped.")


if __name__ == "__main__":
    asyncio.run(main())
