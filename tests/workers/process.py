"""Refleks's real processes for tests and benchmarks, on a test clock and a test schema.

    python -m tests.workers.process workers N PORT    # uvicorn's supervisor, N workers
    python -m tests.workers.process dispatcher LEASE  # an outbox dispatcher, ticking

Both read the environment: `DATABASE_URL`, `REFLEKS_TEST_SCHEMA` (a PostgreSQL schema),
`TELEGRAM_*` (the fake's address, the webhook), `REFLEKS_TEST_CATALOG` (a folder of
formats) and `REFLEKS_TEST_EPOCH`/`REFLEKS_TEST_START`: the clock reads START plus the
seconds since EPOCH, so every process agrees on the time and it is a weekday morning.
The workers are the production ones (`bot.telegram.workers.worker_app`) under uvicorn's
own supervisor, which starts a new worker when one dies.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import uvicorn
from starlette.applications import Starlette

from bot.app import App
from bot.config import load_settings
from bot.dispatch.dispatcher import Dispatcher
from bot.dispatch.sender import TelegramSender
from bot.logs import setup_logging
from bot.telegram.workers import WORKER_STARTUP_SECONDS, worker_app
from dialogues.loader import load_catalog
from storage.db import Database

FACTORY = "tests.workers.process:create_app"


def _app() -> App:
    settings = load_settings(_env_file=None)
    schema = os.environ.get("REFLEKS_TEST_SCHEMA")
    connect_args = {"server_settings": {"search_path": schema}} if schema else None
    start = datetime.fromisoformat(os.environ["REFLEKS_TEST_START"])
    epoch = float(os.environ["REFLEKS_TEST_EPOCH"])
    folder = os.environ.get("REFLEKS_TEST_CATALOG")
    return App(
        settings=settings,
        db=Database(settings.database_url, connect_args=connect_args),
        catalog=load_catalog(Path(folder)) if folder else load_catalog(),
        clock=lambda: start + timedelta(seconds=time.time() - epoch),
    )


def create_app() -> Starlette:
    """uvicorn's factory in each worker."""
    setup_logging("WARNING")
    return worker_app(_app())


def serve_workers(workers: int, port: int) -> None:
    uvicorn.run(
        FACTORY,
        factory=True,
        host="127.0.0.1",
        port=port,
        workers=workers,
        timeout_worker_healthcheck=WORKER_STARTUP_SECONDS,
        lifespan="on",
        log_config=None,
        access_log=False,
    )


async def dispatch(lease: float) -> None:
    setup_logging("WARNING")
    app = _app()
    token = app.settings.telegram_bot_token
    if token is None:
        raise SystemExit("TELEGRAM_BOT_TOKEN is not set")
    sender = TelegramSender.create(
        token=token.get_secret_value(), base_url=app.settings.telegram_api_url
    )
    dispatcher = Dispatcher(app, sender, lease=timedelta(seconds=lease))
    stopping = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stopping.set)
    try:
        while not stopping.is_set():
            await dispatcher.tick()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stopping.wait(), 0.5)
    finally:
        await sender.stop()
        await app.close()


def main() -> None:
    role, *args = sys.argv[1:]
    if role == "workers":
        serve_workers(int(args[0]), int(args[1]))
    elif role == "dispatcher":
        asyncio.run(dispatch(float(args[0])))
    else:
        raise SystemExit(f"unknown role {role!r}")


if __name__ == "__main__":
    main()
