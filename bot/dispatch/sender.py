"""Send one view to one chat and say what Telegram made of it, without raising.

The dispatcher sends through a bot of its own without python-telegram-bot's rate
limiter: it paces itself (see pacing.py) and decides itself what a 429 or a 5xx means
for the row. Nothing here logs message text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

from telegram import Bot
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.request import HTTPXRequest

from bot.telegram.send import keyboard, split_html
from bot.views import View


@dataclass(frozen=True)
class Delivered:
    """Telegram confirmed the message."""

    message_id: int


@dataclass(frozen=True)
class RetryLater:
    """429: Telegram asks us to wait this many seconds."""

    seconds: float


@dataclass(frozen=True)
class Transient:
    """5xx, a timeout or a broken connection: it may work later."""

    reason: str


@dataclass(frozen=True)
class Blocked:
    """403: the person blocked the bot (or it left the group)."""

    reason: str


@dataclass(frozen=True)
class Rejected:
    """400 and the like: trying again will not help."""

    reason: str


@dataclass(frozen=True)
class Moved:
    """The group became a supergroup with a new chat id."""

    chat_id: int


Outcome = Delivered | RetryLater | Transient | Blocked | Rejected | Moved


class Sender(Protocol):
    async def send(self, chat_id: int, view: View) -> Outcome: ...


def _seconds(exc: RetryAfter) -> float:
    # Read the stored timedelta: the public attribute warns about its future type.
    value = getattr(exc, "_retry_after", None)
    if isinstance(value, timedelta):
        return max(value.total_seconds(), 1.0)
    return 1.0


class TelegramSender:
    """Sends through a plain `telegram.Bot` with a connection pool for parallel sends.

    Nothing is opened until the first message goes out, so a process that never has
    anything to send holds no connection.
    """

    def __init__(self, bot: Bot, request: HTTPXRequest) -> None:
        self.bot = bot
        self._request = request

    @classmethod
    def create(
        cls,
        *,
        token: str,
        base_url: str,
        base_file_url: str | None = None,
        pool: int = 32,
        timeout: float = 10.0,
    ) -> TelegramSender:
        request = HTTPXRequest(
            connection_pool_size=pool,
            read_timeout=timeout,
            write_timeout=timeout,
            connect_timeout=timeout,
            pool_timeout=timeout,
        )
        files = base_file_url or "https://api.telegram.org/file/bot"
        return cls(Bot(token, base_url=base_url, base_file_url=files, request=request), request)

    async def stop(self) -> None:
        """Close the connections (a later send would open new ones)."""
        await self._request.shutdown()

    async def send(self, chat_id: int, view: View) -> Outcome:
        parts = split_html(view.html)
        try:
            message_id = 0
            for index, part in enumerate(parts):
                markup = keyboard(view) if index == len(parts) - 1 else None
                sent = await self.bot.send_message(
                    chat_id, part, parse_mode=ParseMode.HTML, reply_markup=markup
                )
                message_id = sent.message_id
            return Delivered(message_id)
        except RetryAfter as exc:
            return RetryLater(_seconds(exc))
        except Forbidden as exc:
            return Blocked(exc.message)
        except ChatMigrated as exc:
            return Moved(exc.new_chat_id)
        except BadRequest as exc:
            return Rejected(exc.message)
        except NetworkError as exc:  # includes TimedOut and 5xx answers
            return Transient(type(exc).__name__)
        except TelegramError as exc:
            return Transient(type(exc).__name__)
