"""The fake's small world: users, chats, messages, files and the update queue."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


class ApiError(Exception):
    """A Telegram-shaped error answer.

    `violation` marks answers that only a buggy bot provokes (replying to a message that
    does not exist, editing a message it never sent): those are also recorded as spec
    violations. Answers a correct bot must cope with (blocked user, not modified,
    migrated group) are not.
    """

    def __init__(
        self,
        status: int,
        description: str,
        *,
        parameters: dict[str, Any] | None = None,
        violation: bool = False,
        parameter: str = "",
    ) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters
        self.violation = violation
        self.parameter = parameter


def bad_request(message: str, parameter: str = "", *, violation: bool = True) -> ApiError:
    """A 400 answer for a request only a buggy bot would make."""
    return ApiError(400, f"Bad Request: {message}", violation=violation, parameter=parameter)


@dataclass(slots=True)
class User:
    """A person who talks to the bot."""

    id: int
    first_name: str
    username: str | None = None
    language_code: str | None = None
    last_name: str | None = None
    blocked_bot: bool = False
    is_bot: bool = False

    def to_api(self) -> dict[str, Any]:
        """Render as a Bot API User object."""
        data: dict[str, Any] = {"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name}
        for key in ("last_name", "username", "language_code"):
            value = getattr(self, key)
            if value is not None:
                data[key] = value
        return data


@dataclass(slots=True)
class Chat:
    """A private chat, group or supergroup."""

    id: int
    type: str
    title: str | None = None
    user: User | None = None  # the other party of a private chat
    members: list[int] = field(default_factory=list)
    admins: list[int] = field(default_factory=list)  # the first admin is the creator
    bot_is_member: bool = True
    bot_is_admin: bool = False
    migrated_to: int | None = None
    menu_button: dict[str, Any] | None = None

    def to_api(self) -> dict[str, Any]:
        """Render as a Bot API Chat object."""
        data: dict[str, Any] = {"id": self.id, "type": self.type}
        if self.user is not None:
            data["first_name"] = self.user.first_name
            if self.user.username:
                data["username"] = self.user.username
        else:
            data["title"] = self.title or ""
        return data


@dataclass(slots=True)
class StoredFile:
    """An uploaded or user-sent file, downloadable under /file/bot<token>/<path>."""

    file_id: str
    file_unique_id: str
    path: str
    data: bytes
    filename: str | None = None
    mime_type: str | None = None


@dataclass(slots=True)
class BotMessage:
    """A message the bot sent, with its history."""

    chat_id: int
    message_id: int
    method: str
    data: dict[str, Any]  # the current Message object, as getUpdates/edits would show it
    source_text: str | None = None  # text or caption exactly as the bot sent it
    parse_mode: str | None = None
    file: StoredFile | None = None
    params: dict[str, Any] = field(default_factory=dict)  # decoded request parameters
    edits: list[dict[str, Any]] = field(default_factory=list)  # earlier versions of `data`
    deleted: bool = False

    @property
    def text(self) -> str | None:
        """The message text (or caption) as users see it, tags stripped."""
        value = self.data.get("text", self.data.get("caption"))
        return value if isinstance(value, str) else None

    @property
    def reply_markup(self) -> dict[str, Any] | None:
        """The inline keyboard currently attached, if any."""
        markup = self.data.get("reply_markup")
        return markup if isinstance(markup, dict) else None

    def buttons(self) -> list[tuple[str, str]]:
        """(label, callback_data) of every callback button, row by row."""
        rows = (self.reply_markup or {}).get("inline_keyboard", [])
        return [
            (b["text"], b["callback_data"]) for row in rows for b in row if "callback_data" in b
        ]

    @property
    def document(self) -> bytes | None:
        """Bytes of the uploaded document or photo, if the bot uploaded one."""
        return self.file.data if self.file is not None else None

    @property
    def filename(self) -> str | None:
        """Filename of the uploaded document, if any."""
        return self.file.filename if self.file is not None else None


class UpdateQueue:
    """Updates with Telegram's `update_id`/`offset` semantics and long polling."""

    def __init__(self) -> None:
        self.pending: list[dict[str, Any]] = []  # not yet confirmed by an offset
        self._next_id = 1000
        self._arrived = asyncio.Event()
        self.waiting_polls = 0
        self.closed = False

    def push(self, kind: str, payload: dict[str, Any]) -> dict[str, Any]:
        """Queue a new update carrying `payload` under the key `kind`."""
        update = {"update_id": self._next_id, kind: payload}
        self._next_id += 1
        self.pending.append(update)
        self._arrived.set()
        return update

    def confirm(self, offset: int) -> None:
        """Forget updates below `offset`, as getUpdates(offset=...) does."""
        if offset > 0:
            self.pending = [u for u in self.pending if u["update_id"] >= offset]
        elif offset < 0:
            self.pending = self.pending[offset:]

    def clear(self) -> None:
        """Drop every pending update (deleteWebhook with drop_pending_updates)."""
        self.pending.clear()

    async def take(self, limit: int, wait_seconds: float, allowed: set[str] | None) -> list[Any]:
        """Return up to `limit` updates, waiting up to `wait_seconds` for the first."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait_seconds
        while True:
            if allowed:
                self.pending = [u for u in self.pending if _kind(u) in allowed]
            if self.pending or self.closed or loop.time() >= deadline:
                return list(self.pending[:limit])
            self._arrived.clear()
            self.waiting_polls += 1
            try:
                await asyncio.wait_for(self._arrived.wait(), deadline - loop.time())
            except TimeoutError:
                pass
            finally:
                self.waiting_polls -= 1

    def close(self) -> None:
        """Release every waiting long poll and answer later ones at once (shutdown)."""
        self.closed = True
        self._arrived.set()


def _kind(update: dict[str, Any]) -> str:
    return next(k for k in update if k != "update_id")


class World:
    """State shared by the HTTP side and the test driver."""

    def __init__(
        self,
        *,
        token: str,
        bot_username: str,
        bot_first_name: str,
        clock: Callable[[], float],
        wall_clock: Callable[[], float],
    ) -> None:
        self.token = token
        self.clock = clock
        self.wall_clock = wall_clock
        self.bot_user: dict[str, Any] = {
            "id": int(token.split(":", 1)[0]),
            "is_bot": True,
            "first_name": bot_first_name,
            "username": bot_username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,  # privacy mode on, as BotFather's default
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }
        self.users: dict[int, User] = {}
        self.chats: dict[int, Chat] = {}
        self.messages: dict[tuple[int, int], dict[str, Any]] = {}  # every message, both sides
        self.bot_messages: dict[tuple[int, int], BotMessage] = {}
        self.sent_by_chat: dict[int, list[BotMessage]] = {}
        self.files: dict[str, StoredFile] = {}
        self.files_by_path: dict[str, StoredFile] = {}
        self.callback_queries: dict[str, dict[str, Any]] = {}
        self.answered_queries: set[str] = set()
        # Callback queries the bot has fetched and not answered yet: id -> clock() then.
        self.unanswered: dict[str, float] = {}
        self.callback_answers: list[dict[str, Any]] = []
        self.commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.default_menu_button: dict[str, Any] = {"type": "commands"}
        self.bot_texts: dict[str, dict[str, str]] = {}  # name/description per language
        self.chat_actions: list[tuple[int, str]] = []
        self.updates = UpdateQueue()
        self._ids = itertools.count(100_001)
        self._message_ids: dict[int, itertools.count[int]] = {}
        self.new_message_event = asyncio.Event()  # replaced after each bot message
        self.consumed: set[tuple[int, int]] = set()  # returned by wait_for_message

    @property
    def bot_id(self) -> int:
        """The bot's own user id (the number before the colon in the token)."""
        return int(self.bot_user["id"])

    @property
    def bot_username(self) -> str:
        """The bot's username, without @."""
        return str(self.bot_user["username"])

    def next_id(self) -> int:
        """A fresh positive id for users, files and queries."""
        return next(self._ids)

    def delivered(self, updates: list[dict[str, Any]]) -> None:
        """Note the callback queries among updates the bot has just fetched."""
        for update in updates:
            query = update.get("callback_query")
            if query is not None and query["id"] not in self.answered_queries:
                self.unanswered.setdefault(query["id"], self.clock())

    def now(self) -> int:
        """Unix time for `date` fields."""
        return int(self.wall_clock())

    def next_message_id(self, chat_id: int) -> int:
        """Allocate the next message id in a chat."""
        counter = self._message_ids.setdefault(chat_id, itertools.count(1))
        return next(counter)

    def chat_for(self, ref: Any) -> Chat:
        """Resolve a `chat_id` parameter (an id or "@username") to a known chat."""
        if isinstance(ref, str) and ref.startswith("@"):
            name = ref[1:].lower()
            for chat in self.chats.values():
                if chat.user and (chat.user.username or "").lower() == name:
                    return chat
            raise bad_request("chat not found", "chat_id")
        found = self.chats.get(ref) if isinstance(ref, int) else None
        if found is None:
            raise bad_request("chat not found", "chat_id")
        return found

    def store_file(
        self, data: bytes, folder: str, filename: str | None, mime: str | None
    ) -> StoredFile:
        """Keep bytes under a fresh file id so getFile and downloads work."""
        number = self.next_id()
        suffix = f".{filename.rsplit('.', 1)[-1]}" if filename and "." in filename else ""
        stored = StoredFile(
            file_id=f"FILE{number}",
            file_unique_id=f"U{number}",
            path=f"{folder}/file_{number}{suffix}",
            data=data,
            filename=filename,
            mime_type=mime,
        )
        self.files[stored.file_id] = stored
        self.files_by_path[stored.path] = stored
        return stored

    def record_bot_message(self, message: BotMessage) -> None:
        """Remember a message the bot sent and wake anyone waiting for it."""
        key = (message.chat_id, message.message_id)
        self.messages[key] = message.data
        self.bot_messages[key] = message
        self.sent_by_chat.setdefault(message.chat_id, []).append(message)
        self.new_message_event.set()
        self.new_message_event = asyncio.Event()

    def private_chat(self, user: User) -> Chat:
        """The private chat with `user`, created on first use."""
        chat = self.chats.get(user.id)
        if chat is None:
            chat = Chat(id=user.id, type="private", user=user, members=[user.id])
            self.chats[user.id] = chat
        return chat
