"""Webhook workers on PostgreSQL: throughput and latency for 1 and 2 workers beside the
in-memory reference bot, and fan-out with two dispatchers sharing Telegram's limits.

Throughput: the load of `bench.throughput` (200 people, each answering the ten free-text
questions of `ti-trin`; closed loop for updates per second, open loop at 50 a second for
latency), but Refleks runs as real worker processes under uvicorn's supervisor and gets
its updates by webhook from the fake Bot API in this process, as from Telegram. The
reference is `bench.throughput`'s `reference-same-pool` (python-telegram-bot's
`ConversationHandler` example, answers in memory, Refleks's pool of eight connections),
polling the fake in one process. Runs interleave reference, 1 worker, 2 workers, … and
the figures are medians. Reply pacing is off in both, as in `bench.throughput`.

Fan-out: `bench.fanout`'s round (BENCH_FANOUT_PEOPLE prompts, flood limits on at the
fake), sent by two dispatcher processes at once that keep the limits together through
PostgreSQL.

`python -m bench.workers` (or `make bench`); BENCH_RUNS sets the number of interleaved
runs (default 3); BENCH_WORKERS_PARTS=throughput,fanout picks parts.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench._postgres import PG_URL, Unreachable, pg_schema, search_path
from bench.throughput import (
    PEOPLE,
    SAME_POOL,
    Replies,
    _closed_loop,
    _open_loop,
    _percentile,
    _spawn,
)

ROOT = Path(__file__).resolve().parent.parent
RUNS = 3


async def run_workers(workers: int, mode: str) -> dict[str, Any]:
    """One run: the fake here, `workers` worker processes, people at question 1."""
    from storage.db import Database
    from storage.migrate import upgrade
    from tests.fakebot.server import FakeBotApi
    from tests.workers.cluster import CATALOG, cluster, onboard

    os.environ.setdefault("PTB_TIMEDELTA", "true")
    async with pg_schema() as schema:
        database = Database(PG_URL, connect_args=search_path(schema))
        await upgrade(database.engine)
        fake = FakeBotApi()
        await fake.start()
        replies = Replies(fake)
        users = [fake.add_user(f"Lærer {i}", language_code="da") for i in range(PEOPLE)]
        logs = Path(tempfile.mkdtemp(prefix="refleks-bench-workers-"))
        extra = {"REFLEKS_REPLY_PACING": "false"}
        try:
            async with cluster(fake, database, logs, catalog=CATALOG, extra_env=extra) as c:
                await onboard(c, users)
                parent = await c.workers(workers)
                # The first answer waits until every worker serves (imports take a while).
                await _until_serving(fake, replies, users[0])
                loop = _closed_loop if mode == "closed" else _open_loop
                harness, bots = time.process_time(), _cpu(parent.pid)
                elapsed, latencies = await loop(fake, replies, users[1:])
                harness, bots = time.process_time() - harness, _cpu(parent.pid) - bots
        finally:
            await fake.stop()
            await database.dispose()
    return {
        "impl": f"{workers} worker{'s' if workers > 1 else ''}",
        "mode": mode,
        "updates": len(latencies),
        "updates_per_s": round(len(latencies) / elapsed, 1),
        "p50_ms": round(_percentile(latencies, 0.50) * 1000, 1),
        "p95_ms": round(_percentile(latencies, 0.95) * 1000, 1),
        "p99_ms": round(_percentile(latencies, 0.99) * 1000, 1),
        # CPU per update: this process (the fake Bot API and the people), and the workers.
        "cpu_ms_per_update_fake": round(harness * 1000 / len(latencies), 3),
        "cpu_ms_per_update_workers": round(bots * 1000 / len(latencies), 3),
        "failed_deliveries": sum(fake.webhook.failed().values()),
        "violations": len(fake.violations),
        "load_average": round(os.getloadavg()[0], 1),
    }


def _cpu(parent: int) -> float:
    """CPU seconds used so far by the workers: `parent` (the worker itself when there is
    one) and the processes under it."""
    import psutil

    total = 0.0
    root = psutil.Process(parent)
    for child in [root, *root.children()]:
        try:
            times = child.cpu_times()
        except psutil.Error:
            continue
        total += times.user + times.system
    return total


async def _until_serving(fake: Any, replies: Replies, user: Any) -> None:
    waiter = replies.expect(user.id)
    await fake.send_text(user, "Svar 1: vi er i gang")
    await asyncio.wait_for(waiter, 300)


def _spawn_workers(workers: int, mode: str) -> dict[str, Any]:
    import subprocess

    out = subprocess.run(  # noqa: S603 - our own module, fixed arguments
        [sys.executable, "-m", "bench.workers", "--one", str(workers), mode],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def throughput(runs: int) -> dict[str, Any]:
    """Interleave the reference, 1 worker and 2 workers; medians and open-loop latency."""
    closed: dict[str, list[dict[str, Any]]] = {"reference": [], "1": [], "2": []}
    for _ in range(runs):
        closed["reference"].append(_spawn(SAME_POOL, "postgresql", "closed", 32))
        for workers in (1, 2):
            closed[str(workers)].append(_spawn_workers(workers, "closed"))
    medians = {k: statistics.median(r["updates_per_s"] for r in v) for k, v in closed.items()}
    latency = {
        "reference": _spawn(SAME_POOL, "postgresql", "open", 32),
        "1": _spawn_workers(1, "open"),
        "2": _spawn_workers(2, "open"),
    }
    result = {
        "closed_loop": closed,
        "median_updates_per_s": medians,
        "ratio_1": round(medians["1"] / medians["reference"], 3),
        "ratio_2": round(medians["2"] / medians["reference"], 3),
        "open_loop": latency,
    }
    print(
        f"[workers, webhook, PostgreSQL] reference (same pool) {medians['reference']:.1f}/s, "
        f"1 worker {medians['1']:.1f}/s ({result['ratio_1']}×), "
        f"2 workers {medians['2']:.1f}/s ({result['ratio_2']}×); open loop 50/s p95: "
        f"reference {latency['reference']['p95_ms']} ms, 1 worker {latency['1']['p95_ms']} ms, "
        f"2 workers {latency['2']['p95_ms']} ms; load average {os.getloadavg()[0]:.1f}",
        flush=True,
    )
    return result


async def fanout_two_dispatchers() -> dict[str, Any]:
    from bench import fanout

    async with pg_schema() as schema:
        result = await fanout.run_backend("postgresql", PG_URL, schema, dispatchers=2)
    fanout.report(result)
    return result


async def main() -> dict[str, Any]:
    parts = os.environ.get("BENCH_WORKERS_PARTS", "throughput,fanout").split(",")
    runs = int(os.environ.get("BENCH_RUNS", RUNS))
    results: dict[str, Any] = {}
    try:
        async with pg_schema():
            pass
    except Unreachable as exc:
        print(f"{exc}; the workers benchmark needs PostgreSQL, skipped.")
        return results
    if "throughput" in parts:
        results["throughput"] = await asyncio.to_thread(throughput, runs)
    if "fanout" in parts:
        started = time.perf_counter()
        results["fanout_two_dispatchers"] = await fanout_two_dispatchers()
        results["fanout_seconds"] = round(time.perf_counter() - started, 1)
    return results


if __name__ == "__main__":
    if sys.argv[1:2] == ["--one"]:
        count, mode = sys.argv[2:4]
        print(json.dumps(asyncio.run(run_workers(int(count), mode))))
    else:
        print(json.dumps(asyncio.run(main()), indent=2))
