"""A dispatcher process for the crash test: `python -m tests.meetings.worker ...`.

It sends what is due through the fake Bot API at the given URL, on a fixed clock, and
prints its report as JSON. The test kills it with SIGKILL halfway and starts it again.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from dataclasses import asdict
from datetime import datetime

from bot.app import App
from bot.config import Settings
from bot.dispatch import Dispatcher, Pacer
from bot.dispatch.sender import TelegramSender
from dialogues.loader import Catalog
from storage.db import Database


async def run(args: argparse.Namespace) -> dict[str, int]:
    connect_args = {"server_settings": {"search_path": args.schema}} if args.schema else None
    database = Database(args.url, connect_args=connect_args)
    settings = Settings(_env_file=None, database_url=args.url)  # type: ignore[call-arg]
    moment = datetime.fromisoformat(args.now)
    # The rows here are plain notices: no format is needed, and none is loaded.
    app = App(settings=settings, db=database, catalog=Catalog([]), clock=lambda: moment)
    sender = TelegramSender.create(token=args.token, base_url=args.base_url)
    pacer = Pacer(per_second=args.rate)
    dispatcher = Dispatcher(app, sender, worker=args.worker, pacer=pacer)
    try:
        report = await dispatcher.tick()
    finally:
        await sender.stop()
        await database.dispose()
    return asdict(report)


def main() -> None:
    parser = argparse.ArgumentParser()
    for name in ("--url", "--worker", "--token", "--base-url", "--now"):
        parser.add_argument(name, required=True)
    parser.add_argument("--schema")
    parser.add_argument("--rate", type=float, default=29.0)
    print(json.dumps(asyncio.run(run(parser.parse_args()))))


if __name__ == "__main__":
    main()
