"""Limits on what arrives: flood control per person and per group chat, and edits.

The guard runs first (handler group -1) for every update. Someone sending far more than a
person can type is slowed: their extra updates are dropped, and they get one polite message
saying so and that everything they answered is kept (answers are committed one by one, so
nothing already answered is lost). An edit of an old message is not taken as a new answer.
Buckets live in memory, per process: with several workers each one slows a flood on its own.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from telegram import Update
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import ApplicationHandlerStop, ContextTypes

from bot.i18n import language_of
from bot.views import say

log = logging.getLogger(__name__)

Context = ContextTypes.DEFAULT_TYPE
_GROUPS = (ChatType.GROUP, ChatType.SUPERGROUP)
# Forget idle buckets once there are this many, so memory does not grow with every sender.
_PRUNE_AT = 10_000


@dataclass
class Bucket:
    """A token bucket: `capacity` updates at once, refilled at `rate` per second."""

    capacity: float
    rate: float
    tokens: float
    stamp: float
    warned: bool = False

    def take(self, now: float) -> bool:
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= self.capacity / 2:
            self.warned = False  # calm again: a later flood deserves a word of its own
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False

    def idle(self, now: float) -> bool:
        return self.tokens + (now - self.stamp) * self.rate >= self.capacity


class FloodControl:
    """Token buckets per person and per group chat; `per_minute` 0 switches a kind off."""

    def __init__(
        self,
        per_minute: int,
        group_per_minute: int,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.per_minute = per_minute
        self.group_per_minute = group_per_minute
        self.clock = clock
        self.people: dict[int, Bucket] = {}
        self.groups: dict[int, Bucket] = {}

    def _bucket(self, table: dict[int, Bucket], key: int, per_minute: int, now: float) -> Bucket:
        found = table.get(key)
        if found is None:
            if len(table) >= _PRUNE_AT:
                for stale in [k for k, b in table.items() if b.idle(now)]:
                    del table[stale]
            # A full minute's allowance at once, then one minute's worth per minute.
            found = table[key] = Bucket(per_minute, per_minute / 60, per_minute, now)
        return found

    def admit(self, person: int | None, group: int | None) -> tuple[bool, bool]:
        """Whether to handle an update, and whether to tell the sender they are slowed."""
        now = self.clock()
        buckets: list[Bucket] = []
        if person is not None and self.per_minute > 0:
            buckets.append(self._bucket(self.people, person, self.per_minute, now))
        if group is not None and self.group_per_minute > 0:
            buckets.append(self._bucket(self.groups, group, self.group_per_minute, now))
        refused = [b for b in buckets if not b.take(now)]
        if not refused:
            return True, False
        warn = not any(b.warned for b in refused)
        for bucket in refused:
            bucket.warned = True
        return False, warn


class UpdateGuard:
    """The first handler: slow floods, answer edits, and let everything else through."""

    def __init__(self, flood: FloodControl) -> None:
        self.flood = flood

    async def check(self, update: Update, context: Context) -> None:
        """Stop an update that floods or edits; otherwise let the handlers have it."""
        user, chat = update.effective_user, update.effective_chat
        group = chat.id if chat is not None and chat.type in _GROUPS else None
        allowed, warn = self.flood.admit(user.id if user else None, group)
        if not allowed:
            await self._slowed(update, context, warn)
            raise ApplicationHandlerStop
        if update.edited_message is not None or update.edited_channel_post is not None:
            await self._edited(update, context)
            raise ApplicationHandlerStop

    async def _slowed(self, update: Update, context: Context, warn: bool) -> None:
        user, chat = update.effective_user, update.effective_chat
        log.info(
            "update dropped by flood control",
            extra={"update_id": update.update_id, "warned": warn},
        )
        try:
            if update.callback_query is not None:
                await update.callback_query.answer()
            if warn and chat is not None and chat.type in (ChatType.PRIVATE, *_GROUPS):
                lang = language_of(user.language_code if user else None)
                await context.bot.send_message(chat.id, say(lang, "flood"))
        except TelegramError:
            log.info(
                "could not tell a sender they are slowed", extra={"update_id": update.update_id}
            )

    async def _edited(self, update: Update, context: Context) -> None:
        chat, user = update.effective_chat, update.effective_user
        if chat is None or chat.type != ChatType.PRIVATE:
            return  # in a group an edit changes nothing and needs no answer
        lang = language_of(user.language_code if user else None)
        try:
            await context.bot.send_message(chat.id, say(lang, "edit.unsupported"))
        except TelegramError:
            log.info("could not answer an edit", extra={"update_id": update.update_id})
