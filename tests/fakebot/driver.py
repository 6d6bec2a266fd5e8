"""What tests do to the world: add people and groups, let them write, press, block.

Group messages reach the bot the way they do with privacy mode on (BotFather's default,
and `can_read_all_group_messages: false` in getMe): commands, replies to the bot's own
messages, messages mentioning the bot and service messages. An admin bot sees all.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Iterable
from typing import Any

from tests.fakebot.world import BotMessage, Chat, User, World

ChatRef = int | User | Chat
MessageRef = BotMessage | dict[str, Any] | int

_GROUP_IDS = 4_000_000_000  # basic groups have ids around -4e9 nowadays
_SUPERGROUP_IDS = 1_000_000_000_000  # supergroups are -100xxxxxxxxxx
# The user Telegram puts in `from` when an administrator writes anonymously as the group.
GROUP_ANONYMOUS_BOT = 1_087_968_824
_MENTION_RE = re.compile(r"@[A-Za-z0-9_]{3,32}")


def _utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


class Driver(World):
    """The test-facing half of the fake."""

    # -- people and chats -------------------------------------------------------------

    def add_user(
        self,
        first_name: str,
        language_code: str | None = "da",
        username: str | None = None,
        *,
        last_name: str | None = None,
        started: bool = True,
        is_bot: bool = False,
    ) -> User:
        """Create a user (or another bot); with `started` their private chat with the bot exists."""
        user = User(self.next_id(), first_name, username, language_code, last_name, is_bot=is_bot)
        self.users[user.id] = user
        if started and not is_bot:
            self.private_chat(user)
        return user

    def add_group(
        self,
        title: str,
        members: Iterable[User] = (),
        admins: Iterable[User] = (),
        *,
        supergroup: bool = False,
        bot_is_admin: bool = False,
    ) -> Chat:
        """Create a group with the bot in it; the first admin is the creator."""
        number = self.next_id()
        admin_ids = [u.id for u in admins]
        member_ids = list(dict.fromkeys([*admin_ids, *(u.id for u in members)]))
        chat = Chat(
            id=-(_SUPERGROUP_IDS + number) if supergroup else -(_GROUP_IDS + number),
            type="supergroup" if supergroup else "group",
            title=title,
            members=member_ids,
            admins=admin_ids,
            bot_is_admin=bot_is_admin,
        )
        self.chats[chat.id] = chat
        return chat

    def block(self, user: User) -> None:
        """The user blocks the bot: later sends answer 403, and the bot is told."""
        user.blocked_bot = True
        self._my_chat_member(user, "member", "kicked")

    def unblock(self, user: User) -> None:
        """The user restarts the bot."""
        user.blocked_bot = False
        self._my_chat_member(user, "kicked", "member")

    def _my_chat_member(self, user: User, old: str, new: str) -> None:
        chat = self.private_chat(user)

        def member(status: str) -> dict[str, Any]:
            data: dict[str, Any] = {"status": status, "user": self.bot_user}
            if status == "kicked":
                data["until_date"] = 0
            return data

        self.updates.push(
            "my_chat_member",
            {
                "chat": chat.to_api(),
                "from": user.to_api(),
                "date": self.now(),
                "old_chat_member": member(old),
                "new_chat_member": member(new),
            },
        )

    def migrate_to_supergroup(self, group: Chat) -> Chat:
        """Upgrade a group: new id, service messages in both, 400s for the old id."""
        if group.type != "group" or group.migrated_to is not None:
            raise ValueError(f"{group.title!r} is not a basic group that can migrate")
        new = Chat(
            id=-(_SUPERGROUP_IDS + self.next_id()),
            type="supergroup",
            title=group.title,
            members=list(group.members),
            admins=list(group.admins),
            bot_is_member=group.bot_is_member,
            bot_is_admin=group.bot_is_admin,
        )
        self.chats[new.id] = new
        group.migrated_to = new.id
        actor = self.users[group.admins[0] if group.admins else group.members[0]]
        old_note = self._message(actor, group, {"migrate_to_chat_id": new.id})
        new_note = self._message(actor, new, {"migrate_from_chat_id": group.id})
        if group.bot_is_member:
            self.updates.push("message", old_note)
            self.updates.push("message", new_note)
        return new

    # -- what users write -------------------------------------------------------------

    def _message(self, user: User, chat: Chat, content: dict[str, Any]) -> dict[str, Any]:
        message = {
            "message_id": self.next_message_id(chat.id),
            "from": user.to_api(),
            "chat": chat.to_api(),
            "date": self.now(),
            **content,
        }
        self.messages[(chat.id, message["message_id"])] = message
        return message

    def _chat_of(self, user: User, chat: Chat | None) -> Chat:
        if chat is None:
            return self.private_chat(user)
        if chat.type != "private" and user.id not in chat.members:
            raise ValueError(f"{user.first_name} is not a member of {chat.title!r}")
        return chat

    def _find(self, chat: Chat, ref: MessageRef) -> dict[str, Any]:
        if isinstance(ref, BotMessage):
            message_id = ref.message_id
        elif isinstance(ref, dict):
            message_id = int(ref["message_id"])
        else:
            message_id = ref
        message = self.messages.get((chat.id, message_id))
        if message is None:
            raise ValueError(f"message {message_id} does not exist in chat {chat.id}")
        return message

    def _text_entities(self, text: str) -> list[dict[str, Any]]:
        entities: list[dict[str, Any]] = []
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            entities.append({"type": "bot_command", "offset": 0, "length": _utf16(command)})
        for match in _MENTION_RE.finditer(text):
            if match.start() > 0 and text[match.start() - 1] not in " \n\t(":
                continue
            offset = _utf16(text[: match.start()])
            entities.append({"type": "mention", "offset": offset, "length": _utf16(match[0])})
        return entities

    def _reaches_bot(self, chat: Chat, message: dict[str, Any]) -> bool:
        """Privacy mode: which group messages the bot gets."""
        if chat.type == "private":
            return True
        if not chat.bot_is_member:
            return False
        if chat.bot_is_admin:
            return True
        replied = message.get("reply_to_message")
        if replied is not None and replied.get("from", {}).get("id") == self.bot_id:
            return True
        text = message.get("text", "")
        me = f"@{self.bot_username}".lower()
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0].lower()
            return "@" not in command or command.endswith(me)
        return me in text.lower()

    def _deliver(self, chat: Chat, kind: str, message: dict[str, Any]) -> None:
        if self._reaches_bot(chat, message):
            self.updates.push(kind, message)

    def _user_message(
        self,
        user: User,
        chat: Chat | None,
        content: dict[str, Any],
        reply_to: MessageRef | None,
        shown_as: User | None = None,
    ) -> dict[str, Any]:
        where = self._chat_of(user, chat)
        if reply_to is not None:
            replied = self._find(where, reply_to)
            content["reply_to_message"] = {
                k: v for k, v in replied.items() if k != "reply_to_message"
            }
        message = self._message(shown_as or user, where, content)
        self._deliver(where, "message", message)
        return message

    async def send_text(
        self,
        user: User,
        text: str,
        chat: Chat | None = None,
        reply_to: MessageRef | None = None,
    ) -> dict[str, Any]:
        """The user writes `text` (private chat unless `chat`); returns the Message."""
        content: dict[str, Any] = {"text": text}
        entities = self._text_entities(text)
        if entities:
            content["entities"] = entities
        message = self._user_message(user, chat, content, reply_to)
        await asyncio.sleep(0)  # let a waiting long poll pick it up
        return message

    async def send_anonymously(
        self, admin: User, text: str, chat: Chat, reply_to: MessageRef | None = None
    ) -> dict[str, Any]:
        """A group administrator writes as the group: Telegram shows neither name nor id."""
        if admin.id not in chat.admins:
            raise ValueError(f"{admin.first_name} is not an administrator of {chat.title!r}")
        anonymous = User(GROUP_ANONYMOUS_BOT, "Group", "GroupAnonymousBot", is_bot=True)
        content: dict[str, Any] = {"text": text, "sender_chat": chat.to_api()}
        message = self._user_message(admin, chat, content, reply_to, shown_as=anonymous)
        await asyncio.sleep(0)
        return message

    async def press_button(self, user: User, message: MessageRef, data: str) -> str:
        """The user presses the inline button carrying `data`; returns the query id."""
        found = self._bot_message(message)
        offered = [d for _, d in found.buttons()]
        if found.deleted or data not in offered:
            raise ValueError(f"no button {data!r} on message {found.message_id}: {offered}")
        query_id = str(self.next_id())
        query = {
            "id": query_id,
            "from": user.to_api(),
            "message": found.data,
            "chat_instance": str(abs(found.chat_id) * 7 + 1),
            "data": data,
        }
        self.callback_queries[query_id] = query
        self.updates.push("callback_query", query)
        await asyncio.sleep(0)
        return query_id

    def _bot_message(self, ref: MessageRef) -> BotMessage:
        if isinstance(ref, BotMessage):
            return ref
        if isinstance(ref, dict):
            found = self.bot_messages.get((ref["chat"]["id"], ref["message_id"]))
            if found is not None:
                return found
        raise ValueError(f"{ref!r} is not a message the bot sent")

    def _media(self, kind: str, data: bytes, filename: str | None, mime: str | None) -> Any:
        stored = self.store_file(data, f"{kind}s", filename, mime)
        base = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(data),
        }
        if kind == "photo":
            return [base | {"width": 640, "height": 480}]
        if kind == "sticker":
            return base | {
                "type": "regular",
                "width": 512,
                "height": 512,
                "is_animated": False,
                "is_video": False,
            }
        if kind == "voice":
            return base | {"duration": 3, "mime_type": mime or "audio/ogg"}
        return (
            base
            | ({"file_name": filename} if filename else {})
            | ({"mime_type": mime} if mime else {})
        )

    def send_photo(
        self, user: User, chat: Chat | None = None, *, data: bytes = b"\x89PNG", caption: str = ""
    ) -> dict[str, Any]:
        """The user sends a photo."""
        content = {"photo": self._media("photo", data, None, "image/png")}
        if caption:
            content["caption"] = caption
        return self._user_message(user, chat, content, None)

    def send_sticker(self, user: User, chat: Chat | None = None) -> dict[str, Any]:
        """The user sends a sticker."""
        return self._user_message(
            user, chat, {"sticker": self._media("sticker", b"RIFF", None, None)}, None
        )

    def send_voice(
        self, user: User, chat: Chat | None = None, *, data: bytes = b"OggS"
    ) -> dict[str, Any]:
        """The user sends a voice note."""
        return self._user_message(
            user, chat, {"voice": self._media("voice", data, None, "audio/ogg")}, None
        )

    def send_document(
        self,
        user: User,
        chat: Chat | None = None,
        *,
        data: bytes = b"notes",
        filename: str = "notes.txt",
        mime_type: str = "text/plain",
    ) -> dict[str, Any]:
        """The user sends a file."""
        document = self._media("document", data, filename, mime_type)
        return self._user_message(user, chat, {"document": document}, None)

    def edit_user_message(
        self, user: User, message: dict[str, Any], new_text: str
    ) -> dict[str, Any]:
        """The user edits their message: an `edited_message` update."""
        chat = self.chats[message["chat"]["id"]]
        current = self._find(chat, message)
        if current.get("from", {}).get("id") != user.id:
            raise ValueError("users can only edit their own messages")
        edited = dict(current, text=new_text, edit_date=self.now())
        edited.pop("entities", None)
        if entities := self._text_entities(new_text):
            edited["entities"] = entities
        self.messages[(chat.id, edited["message_id"])] = edited
        self._deliver(chat, "edited_message", edited)
        return edited

    # -- what the bot sent ------------------------------------------------------------

    def chat_id_of(self, ref: ChatRef) -> int:
        """Chat id of a chat, of a user's private chat, or an id itself."""
        return ref if isinstance(ref, int) else ref.id

    def sent(self, chat: ChatRef) -> list[BotMessage]:
        """Every message the bot sent to a chat, oldest first (deleted ones included)."""
        return list(self.sent_by_chat.get(self.chat_id_of(chat), []))

    async def wait_for_message(
        self,
        chat: ChatRef,
        predicate: Callable[[BotMessage], bool] | None = None,
        timeout: float = 10.0,  # noqa: ASYNC109 - a guard against hangs, part of the API
    ) -> BotMessage:
        """The next bot message to `chat` not returned before (and matching `predicate`)."""
        chat_id = self.chat_id_of(chat)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            for message in self.sent_by_chat.get(chat_id, []):
                key = (chat_id, message.message_id)
                if key not in self.consumed and (predicate is None or predicate(message)):
                    self.consumed.add(key)
                    return message
            remaining = deadline - loop.time()
            if remaining <= 0:
                texts = [m.text for m in self.sent_by_chat.get(chat_id, [])]
                raise AssertionError(
                    f"the bot sent no new matching message to chat {chat_id}; "
                    f"all it sent there: {texts}; {self.describe_problems()}"
                )
            event = self.new_message_event
            try:
                await asyncio.wait_for(event.wait(), remaining)
            except TimeoutError:
                continue

    def describe_problems(self) -> str:
        """Extra context for failure messages; the server fills this in."""
        return ""
