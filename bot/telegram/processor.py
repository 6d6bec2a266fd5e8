"""Handle updates concurrently across chats, but one at a time within a chat.

A person who sends two answers quickly gets them handled in order, while two hundred
people reflecting at once do not wait for each other.

With several worker processes (webhook mode on PostgreSQL) one chat's updates may reach
two processes at once: Telegram sends a chat's updates one after the other, but sends an
update again when the first attempt timed out, possibly while that attempt still runs
elsewhere. So each update is also handled under a PostgreSQL advisory lock of its chat,
held from before its first read until its last reply has gone. The second attempt waits,
then finds the update id recorded and changes nothing; the chat's next update is sent by
Telegram only after an attempt was answered, so it comes after both. A worker that dies
lets go of its locks with its connections.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

from storage.locks import AdvisoryLocks

CHAT_LOCKS = "chat"


def _chat_key(update: object) -> int | None:
    if isinstance(update, Update):
        if update.effective_chat is not None:
            return update.effective_chat.id
        if update.effective_user is not None:
            return update.effective_user.id
    return None


class PerChatUpdateProcessor(BaseUpdateProcessor):
    """Concurrency across chats; strict order inside one chat."""

    def __init__(
        self, max_concurrent_updates: int, chat_locks: AdvisoryLocks | None = None
    ) -> None:
        super().__init__(max_concurrent_updates)
        self.chat_locks = chat_locks
        self._locks: dict[int, asyncio.Lock] = {}
        self._waiting: dict[int, int] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = _chat_key(update)
        if key is None:
            await coroutine
            return
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._waiting[key] = self._waiting.get(key, 0) + 1
        try:
            async with lock:
                if self.chat_locks is None:
                    await coroutine
                else:
                    await self._under_chat_lock(key, coroutine)
        finally:
            self._waiting[key] -= 1
            if self._waiting[key] == 0:
                # Forget idle chats so the table does not grow with every person ever seen.
                del self._waiting[key]
                self._locks.pop(key, None)

    async def _under_chat_lock(self, key: int, coroutine: Awaitable[Any]) -> None:
        if self.chat_locks is None:
            raise RuntimeError("no chat locks")
        try:
            async with self.chat_locks.hold(CHAT_LOCKS, str(key)):
                await coroutine
        except BaseException:
            if inspect.iscoroutine(coroutine):
                coroutine.close()  # never started when the lock could not be had
            raise

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Close the connections that held chat locks."""
        if self.chat_locks is not None:
            await self.chat_locks.dispose()
