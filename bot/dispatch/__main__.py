"""Run the outbox dispatcher as a process of its own (several may share one PostgreSQL).

python -m bot.dispatch           # tick every 10 seconds until SIGTERM or Ctrl-C
python -m bot.dispatch --once    # send what is due now, then exit
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys

from bot.app import App
from bot.config import ConfigError, load_settings
from bot.dispatch.dispatcher import Dispatcher
from bot.dispatch.job import INTERVAL_SECONDS
from bot.dispatch.sender import TelegramSender
from bot.logs import REDACTOR, setup_logging


async def run(*, once: bool, interval: float) -> int:
    try:
        settings = load_settings()
    except ConfigError as exc:
        sys.stderr.write(f"Configuration error: {exc}\n")
        return 2
    setup_logging(settings.refleks_log_level)
    if settings.telegram_bot_token is None:
        sys.stderr.write("TELEGRAM_BOT_TOKEN is not set: there is nobody to send as.\n")
        return 2
    token = settings.telegram_bot_token.get_secret_value()
    REDACTOR.add_secret(token)
    app = App.create(settings)
    sender = TelegramSender.create(token=token, base_url=settings.telegram_api_url)
    dispatcher = Dispatcher(app, sender)
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stopping.set)
    try:
        while not stopping.is_set():
            await dispatcher.tick()
            if once:
                break
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stopping.wait(), interval)
    finally:
        await sender.stop()
        await app.close()
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--once", action="store_true", help="send what is due, then exit")
    parser.add_argument("--interval", type=float, default=INTERVAL_SECONDS)
    args = parser.parse_args()
    sys.exit(asyncio.run(run(once=args.once, interval=args.interval)))


if __name__ == "__main__":
    main()
