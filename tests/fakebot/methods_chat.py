"""Emulated methods about the bot itself, chats, members, commands and updates."""

from __future__ import annotations

import json
from typing import Any

from tests.fakebot.methods_messages import Handler
from tests.fakebot.validate import CheckedRequest
from tests.fakebot.world import Chat, World, bad_request

_ADMIN_RIGHTS = (
    "can_manage_chat",
    "can_delete_messages",
    "can_manage_video_chats",
    "can_restrict_members",
    "can_promote_members",
    "can_change_info",
    "can_invite_users",
    "can_post_stories",
    "can_edit_stories",
    "can_delete_stories",
)


async def get_me(world: World, req: CheckedRequest) -> Any:
    """getMe: the full bot user; PTB needs the username for /cmd@bot."""
    return world.bot_user


async def true(world: World, req: CheckedRequest) -> Any:
    """close, logOut and similar: nothing to remember."""
    return True


async def delete_webhook(world: World, req: CheckedRequest) -> Any:
    """deleteWebhook: PTB calls it before polling, optionally dropping updates."""
    if req.params.get("drop_pending_updates"):
        world.updates.clear()
    return True


async def get_webhook_info(world: World, req: CheckedRequest) -> Any:
    """getWebhookInfo: polling mode, so no URL."""
    return {
        "url": "",
        "has_custom_certificate": False,
        "pending_update_count": len(world.updates.pending),
    }


async def get_updates(world: World, req: CheckedRequest) -> Any:
    """getUpdates: confirm by offset, then long-poll up to `timeout` seconds."""
    params = req.params
    world.updates.confirm(params.get("offset", 0))
    allowed = params.get("allowed_updates")
    limit = max(1, min(100, params.get("limit", 100)))
    updates = await world.updates.take(
        limit, float(params.get("timeout", 0)), set(allowed) if allowed else None
    )
    world.delivered(updates)
    return updates


def _scope_key(scope: Any) -> str:
    return json.dumps(scope or {"type": "default"}, sort_keys=True)


async def set_my_commands(world: World, req: CheckedRequest) -> Any:
    """setMyCommands: stored per scope and language."""
    key = (_scope_key(req.params.get("scope")), req.params.get("language_code", ""))
    world.commands[key] = list(req.params["commands"])
    return True


async def get_my_commands(world: World, req: CheckedRequest) -> Any:
    """getMyCommands: the list for exactly that scope and language."""
    key = (_scope_key(req.params.get("scope")), req.params.get("language_code", ""))
    return world.commands.get(key, [])


async def delete_my_commands(world: World, req: CheckedRequest) -> Any:
    """deleteMyCommands: forget that scope and language."""
    key = (_scope_key(req.params.get("scope")), req.params.get("language_code", ""))
    world.commands.pop(key, None)
    return True


def _bot_text(field: str) -> tuple[Handler, Handler]:
    """A setter and getter pair for setMyName/Description/ShortDescription."""

    async def setter(world: World, req: CheckedRequest) -> Any:
        store = world.bot_texts.setdefault(field, {})
        store[req.params.get("language_code", "")] = req.params.get(field, "")
        return True

    async def getter(world: World, req: CheckedRequest) -> Any:
        store = world.bot_texts.get(field, {})
        return {field: store.get(req.params.get("language_code", ""), "")}

    return setter, getter


async def set_chat_menu_button(world: World, req: CheckedRequest) -> Any:
    """setChatMenuButton: per chat, or the default without chat_id."""
    button = req.params.get("menu_button", {"type": "default"})
    if "chat_id" in req.params:
        world.chat_for(req.params["chat_id"]).menu_button = button
    else:
        world.default_menu_button = button
    return True


async def get_chat_menu_button(world: World, req: CheckedRequest) -> Any:
    """getChatMenuButton: the chat's own button or the default."""
    if "chat_id" in req.params:
        button = world.chat_for(req.params["chat_id"]).menu_button
        if button is not None:
            return button
    return world.default_menu_button


async def get_chat(world: World, req: CheckedRequest) -> Any:
    """getChat: a ChatFullInfo with the fields Telegram always includes."""
    chat = world.chat_for(req.params["chat_id"])
    info = chat.to_api()
    info.update(
        accent_color_id=0,
        max_reaction_count=11,
        accepted_gift_types={
            "unlimited_gifts": False,
            "limited_gifts": False,
            "unique_gifts": False,
            "premium_subscription": False,
            "gifts_from_channels": False,
        },
    )
    return info


def member_status(world: World, chat: Chat, user_id: int) -> dict[str, Any]:
    """The ChatMember object for `user_id` in `chat`."""
    if user_id == world.bot_id:
        user = world.bot_user
        if not chat.bot_is_member:
            return {"status": "left", "user": user}
        if not chat.bot_is_admin:
            return {"status": "member", "user": user}
        return _administrator(user)
    person = world.users.get(user_id)
    if person is None:
        raise bad_request("PARTICIPANT_ID_INVALID", "user_id", violation=False)
    user = person.to_api()
    if chat.admins and chat.admins[0] == user_id:
        return {"status": "creator", "user": user, "is_anonymous": False}
    if user_id in chat.admins:
        return _administrator(user)
    if user_id in chat.members:
        return {"status": "member", "user": user}
    return {"status": "left", "user": user}


def _administrator(user: dict[str, Any]) -> dict[str, Any]:
    member: dict[str, Any] = {"status": "administrator", "user": user, "is_anonymous": False}
    member["can_be_edited"] = False
    member.update(dict.fromkeys(_ADMIN_RIGHTS, True))
    return member


async def get_chat_member(world: World, req: CheckedRequest) -> Any:
    """getChatMember: creator, administrator, member or left."""
    chat = world.chat_for(req.params["chat_id"])
    return member_status(world, chat, req.params["user_id"])


async def get_chat_administrators(world: World, req: CheckedRequest) -> Any:
    """getChatAdministrators: the creator first, as Telegram lists them."""
    chat = world.chat_for(req.params["chat_id"])
    if chat.type == "private":
        raise bad_request("there are no administrators in the private chat", "chat_id")
    admins = [member_status(world, chat, uid) for uid in chat.admins]
    if chat.bot_is_admin and chat.bot_is_member:
        admins.append(member_status(world, chat, world.bot_id))
    return admins


async def get_chat_member_count(world: World, req: CheckedRequest) -> Any:
    """getChatMemberCount: members plus the bot."""
    chat = world.chat_for(req.params["chat_id"])
    return len(chat.members) + (1 if chat.bot_is_member else 0)


async def leave_chat(world: World, req: CheckedRequest) -> Any:
    """leaveChat: the bot stops being a member; later sends answer 403."""
    chat = world.chat_for(req.params["chat_id"])
    if chat.type == "private":
        raise bad_request("chat member status can't be changed in private chats", "chat_id")
    chat.bot_is_member = False
    return True


async def get_file(world: World, req: CheckedRequest) -> Any:
    """getFile: a path PTB turns into {base_file_url}{token}/{path}."""
    stored = world.files.get(req.params["file_id"])
    if stored is None:
        raise bad_request("wrong file_id or the file is temporarily unavailable", "file_id")
    return {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "file_size": len(stored.data),
        "file_path": stored.path,
    }


_set_name, _get_name = _bot_text("name")
_set_description, _get_description = _bot_text("description")
_set_short, _get_short = _bot_text("short_description")

HANDLERS: dict[str, Handler] = {
    "getMe": get_me,
    "close": true,
    "logOut": true,
    "deleteWebhook": delete_webhook,
    "getWebhookInfo": get_webhook_info,
    "getUpdates": get_updates,
    "setMyCommands": set_my_commands,
    "getMyCommands": get_my_commands,
    "deleteMyCommands": delete_my_commands,
    "setMyName": _set_name,
    "getMyName": _get_name,
    "setMyDescription": _set_description,
    "getMyDescription": _get_description,
    "setMyShortDescription": _set_short,
    "getMyShortDescription": _get_short,
    "setChatMenuButton": set_chat_menu_button,
    "getChatMenuButton": get_chat_menu_button,
    "getChat": get_chat,
    "getChatMember": get_chat_member,
    "getChatAdministrators": get_chat_administrators,
    "getChatMemberCount": get_chat_member_count,
    "leaveChat": leave_chat,
    "getFile": get_file,
}
