"""Emulated methods that send, edit and delete messages or answer button presses."""

from __future__ import annotations

import copy
import struct
from collections.abc import Awaitable, Callable
from typing import Any

from tests.fakebot.htmltext import Rendered
from tests.fakebot.validate import CheckedRequest, Upload
from tests.fakebot.world import ApiError, BotMessage, Chat, StoredFile, World, bad_request

Handler = Callable[[World, CheckedRequest], Awaitable[Any]]

NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)


def target_chat(world: World, ref: Any) -> Chat:
    """Resolve the chat a message goes to, answering like Telegram when it cannot."""
    if isinstance(ref, int) and ref not in world.chats and ref in world.users:
        raise ApiError(403, "Forbidden: bot can't initiate conversation with a user")
    chat = world.chat_for(ref)
    if chat.migrated_to is not None:
        raise ApiError(
            400,
            "Bad Request: group chat was upgraded to a supergroup chat",
            parameters={"migrate_to_chat_id": chat.migrated_to},
        )
    if chat.user is not None and chat.user.blocked_bot:
        raise ApiError(403, "Forbidden: bot was blocked by the user")
    if chat.user is None and not chat.bot_is_member:
        raise ApiError(403, f"Forbidden: bot is not a member of the {_kind(chat)} chat")
    return chat


def _kind(chat: Chat) -> str:
    return "supergroup" if chat.type == "supergroup" else "group"


def _reply_to(world: World, chat: Chat, params: dict[str, Any]) -> dict[str, Any] | None:
    reply = params.get("reply_parameters")
    if not isinstance(reply, dict):
        return None
    chat_id = chat.id if "chat_id" not in reply else world.chat_for(reply["chat_id"]).id
    message = world.messages.get((chat_id, reply["message_id"]))
    if message is not None:
        # Telegram does not nest replies further than one level.
        return {k: v for k, v in message.items() if k != "reply_to_message"}
    if reply.get("allow_sending_without_reply"):
        return None
    raise bad_request("message to be replied not found", "reply_parameters")


def _new_message(world: World, chat: Chat, req: CheckedRequest) -> dict[str, Any]:
    params = req.params
    message: dict[str, Any] = {
        "message_id": world.next_message_id(chat.id),
        "from": world.bot_user,
        "chat": chat.to_api(),
        "date": world.now(),
    }
    replied = _reply_to(world, chat, params)
    if replied is not None:
        message["reply_to_message"] = replied
    markup = params.get("reply_markup")
    if isinstance(markup, dict) and "inline_keyboard" in markup:
        message["reply_markup"] = markup
    return message


def _put_text(message: dict[str, Any], rendered: Rendered | None, key: str) -> None:
    if rendered is None:
        return
    message[key] = rendered.text
    entity_key = "entities" if key == "text" else "caption_entities"
    if rendered.entities:
        message[entity_key] = rendered.entities
    else:
        message.pop(entity_key, None)


def _remember(
    world: World, chat: Chat, req: CheckedRequest, message: dict[str, Any], file: StoredFile | None
) -> dict[str, Any]:
    source = req.params.get("text", req.params.get("caption"))
    world.record_bot_message(
        BotMessage(
            chat_id=chat.id,
            message_id=message["message_id"],
            method=req.method.name,
            data=message,
            source_text=source if isinstance(source, str) else None,
            parse_mode=req.params.get("parse_mode"),
            file=file,
            params=dict(req.params),
        )
    )
    return message


async def send_message(world: World, req: CheckedRequest) -> Any:
    """sendMessage: store the rendered text and its keyboard."""
    chat = target_chat(world, req.params["chat_id"])
    message = _new_message(world, chat, req)
    _put_text(message, req.rendered.get("text"), "text")
    return _remember(world, chat, req, message, None)


def _file_from(world: World, req: CheckedRequest, name: str, folder: str) -> StoredFile:
    upload: Upload | None = req.upload_for(name)
    if upload is not None:
        return world.store_file(upload.data, folder, upload.filename, upload.content_type)
    value = req.params[name]
    if isinstance(value, str) and value in world.files:
        return world.files[value]
    if isinstance(value, str) and value.startswith(("http://", "https://")):
        return world.store_file(b"", folder, value.rsplit("/", 1)[-1] or None, None)
    raise bad_request("wrong file identifier/HTTP URL specified", name)


def _image_size(data: bytes) -> tuple[int, int]:
    """Width and height of a PNG; a plausible size for anything else."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return int(width), int(height)
    return 1280, 720


async def send_document(world: World, req: CheckedRequest) -> Any:
    """sendDocument: keep the uploaded bytes and filename."""
    chat = target_chat(world, req.params["chat_id"])
    stored = _file_from(world, req, "document", "documents")
    message = _new_message(world, chat, req)
    document: dict[str, Any] = {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "file_size": len(stored.data),
    }
    if stored.filename:
        document["file_name"] = stored.filename
    if stored.mime_type:
        document["mime_type"] = stored.mime_type
    message["document"] = document
    _put_text(message, req.rendered.get("caption"), "caption")
    return _remember(world, chat, req, message, stored)


async def send_photo(world: World, req: CheckedRequest) -> Any:
    """sendPhoto: keep the uploaded bytes; report one photo size."""
    chat = target_chat(world, req.params["chat_id"])
    stored = _file_from(world, req, "photo", "photos")
    width, height = _image_size(stored.data)
    message = _new_message(world, chat, req)
    message["photo"] = [
        {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.data),
            "width": width,
            "height": height,
        }
    ]
    _put_text(message, req.rendered.get("caption"), "caption")
    return _remember(world, chat, req, message, stored)


async def send_chat_action(world: World, req: CheckedRequest) -> Any:
    """sendChatAction: remember the action."""
    chat = target_chat(world, req.params["chat_id"])
    world.chat_actions.append((chat.id, req.params["action"]))
    return True


def _editable(world: World, req: CheckedRequest) -> BotMessage:
    params = req.params
    if "inline_message_id" in params:
        raise bad_request("inline messages are not emulated", "inline_message_id")
    if "chat_id" not in params or "message_id" not in params:
        raise bad_request("message identifier is not specified", "message_id")
    chat = target_chat(world, params["chat_id"])
    key = (chat.id, params["message_id"])
    found = world.bot_messages.get(key)
    if found is None or found.deleted:
        if key in world.messages:
            raise bad_request("message can't be edited", "message_id")
        raise bad_request("message to edit not found", "message_id")
    return found


def _without_edit_date(data: dict[str, Any]) -> dict[str, Any]:
    new = copy.deepcopy(data)
    new.pop("edit_date", None)
    return new


async def edit_message_text(world: World, req: CheckedRequest) -> Any:
    """editMessageText: no reply_markup removes the keyboard, as on Telegram."""
    found = _editable(world, req)
    if "text" not in found.data:
        raise bad_request("there is no text in the message to edit", "message_id")
    return _edit(world, req, found, text_key="text")


async def edit_message_caption(world: World, req: CheckedRequest) -> Any:
    """editMessageCaption: same rules as text edits, for captions."""
    found = _editable(world, req)
    if "text" in found.data:
        raise bad_request("there is no caption in the message to edit", "message_id")
    return _edit(world, req, found, text_key="caption")


async def edit_message_reply_markup(world: World, req: CheckedRequest) -> Any:
    """editMessageReplyMarkup: replace or remove the inline keyboard."""
    return _edit(world, req, _editable(world, req), text_key=None)


def _edit(world: World, req: CheckedRequest, found: BotMessage, text_key: str | None) -> Any:
    new = _without_edit_date(found.data)
    if text_key is not None:
        _put_text(new, req.rendered.get(text_key), text_key)
        if text_key == "caption" and "caption" not in req.params:
            new.pop("caption", None)
            new.pop("caption_entities", None)
    markup = req.params.get("reply_markup")
    if isinstance(markup, dict) and markup.get("inline_keyboard"):
        new["reply_markup"] = markup
    else:
        new.pop("reply_markup", None)
    if new == _without_edit_date(found.data):
        raise bad_request(NOT_MODIFIED, violation=False)
    found.edits.append(found.data)
    new["edit_date"] = world.now()
    found.data = new
    world.messages[(found.chat_id, found.message_id)] = new
    if text_key is not None and isinstance(req.params.get(text_key), str):
        found.source_text = req.params[text_key]
    return new


async def delete_message(world: World, req: CheckedRequest) -> Any:
    """deleteMessage: forget the message; deleting twice answers 400 like Telegram."""
    chat = world.chat_for(req.params["chat_id"])
    key = (chat.id, req.params["message_id"])
    if world.messages.pop(key, None) is None:
        # Races with users deleting messages make this normal, so no violation.
        raise bad_request("message to delete not found", "message_id", violation=False)
    found = world.bot_messages.get(key)
    if found is not None:
        found.deleted = True
    return True


async def answer_callback_query(world: World, req: CheckedRequest) -> Any:
    """answerCallbackQuery: each query can be answered exactly once."""
    query_id = req.params["callback_query_id"]
    if query_id not in world.callback_queries or query_id in world.answered_queries:
        raise bad_request(
            "query is too old and response timeout expired or query ID is invalid",
            "callback_query_id",
        )
    world.answered_queries.add(query_id)
    world.unanswered.pop(query_id, None)
    world.callback_answers.append(dict(req.params))
    return True


HANDLERS: dict[str, Handler] = {
    "sendMessage": send_message,
    "sendDocument": send_document,
    "sendPhoto": send_photo,
    "sendChatAction": send_chat_action,
    "editMessageText": edit_message_text,
    "editMessageCaption": edit_message_caption,
    "editMessageReplyMarkup": edit_message_reply_markup,
    "deleteMessage": delete_message,
    "answerCallbackQuery": answer_callback_query,
}
