"""Limits and enumerations the machine-readable spec does not carry.

The length limits come from ark0f/tg-bot-api, branch gh-pages, file custom_v2.json
(Bot API 8.1, MIT OR Apache-2.0), which parsed them out of the official documentation;
they still hold in Bot API 10.0. Only the few limits our bot can run into are kept here.
Lengths of message texts and captions are counted after entity parsing, in UTF-16 code
units (the stricter of the readings, and the unit Telegram uses for entity offsets).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from tests.fakebot.htmltext import FormatError, Rendered, parse_html, utf16_len

# sendMessage.text, editMessageText.text: "1-4096 characters after entities parsing".
MESSAGE_TEXT_MAX = 4096
# Every caption: "0-1024 characters after entities parsing".
CAPTION_MAX = 1024
# answerCallbackQuery.text: "0-200 characters".
CALLBACK_ANSWER_MAX = 200
# InlineKeyboardButton.callback_data: "1-64 bytes".
CALLBACK_DATA_MAX_BYTES = 64
# BotCommand.command: "1-32 characters ... only lowercase English letters, digits and
# underscores"; BotCommand.description: "1-256 characters".
COMMAND_RE = re.compile(r"[a-z0-9_]{1,32}")
COMMAND_DESCRIPTION_MAX = 256
# setMyCommands: "At most 100 commands can be specified".
COMMANDS_MAX = 100

PARSE_MODES = frozenset({"html", "markdown", "markdownv2"})

# sendChatAction.action, from the method's description.
CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)

# Action fields of an inline keyboard button: exactly one must be set.
BUTTON_ACTIONS = frozenset(
    {
        "url",
        "callback_data",
        "web_app",
        "login_url",
        "switch_inline_query",
        "switch_inline_query_current_chat",
        "switch_inline_query_chosen_chat",
        "copy_text",
        "callback_game",
        "pay",
    }
)


def render(text: str, parse_mode: str | None, entities: Any = None) -> Rendered:
    """Turn sent text into what Telegram stores; raise FormatError on broken markup."""
    mode = (parse_mode or "").lower()
    if mode == "html":
        return parse_html(text)
    # Markdown modes are passed through unparsed: the project formats with HTML only.
    return Rendered(text, list(entities) if isinstance(entities, list) else [])


def check_parse_mode(value: Any) -> str | None:
    """Return a problem with a parse_mode value, or None."""
    if isinstance(value, str) and (value == "" or value.lower() in PARSE_MODES):
        return None
    return f"unsupported parse_mode {value!r}"


def _check_button(button: dict[str, Any]) -> str | None:
    actions = BUTTON_ACTIONS.intersection(button)
    if len(actions) != 1:
        return "can't parse inline keyboard button: exactly one action field must be set"
    data = button.get("callback_data")
    if isinstance(data, str) and not 1 <= len(data.encode("utf-8")) <= CALLBACK_DATA_MAX_BYTES:
        return "BUTTON_DATA_INVALID: callback_data must be 1-64 bytes"
    return None


def _check_command(command: dict[str, Any]) -> str | None:
    name = command.get("command")
    if isinstance(name, str) and not COMMAND_RE.fullmatch(name):
        return f"BOT_COMMAND_INVALID: {name!r} must be 1-32 of a-z, 0-9 and _"
    description = command.get("description")
    if isinstance(description, str) and not 1 <= len(description) <= COMMAND_DESCRIPTION_MAX:
        return "BOT_COMMAND_DESCRIPTION_INVALID: description must be 1-256 characters"
    return None


# Per object type: a check run after the type's fields validated.
OBJECT_CHECKS: dict[str, Callable[[dict[str, Any]], str | None]] = {
    "InlineKeyboardButton": _check_button,
    "BotCommand": _check_command,
}


def check_formatted(
    param: str, value: str, parse_mode: str | None, entities: Any
) -> tuple[Rendered | None, str | None]:
    """Render a text or caption parameter and check its length after parsing."""
    try:
        rendered = render(value, parse_mode, entities)
    except FormatError as exc:
        return None, f"can't parse entities: {exc}"
    if param == "text":
        if not rendered.text.strip():
            return rendered, "message text is empty"
        if rendered.length > MESSAGE_TEXT_MAX:
            return rendered, "message is too long"
    elif param == "caption" and rendered.length > CAPTION_MAX:
        return rendered, "message caption is too long"
    return rendered, None


def check_method_limits(method: str, params: dict[str, Any]) -> list[tuple[str, str]]:
    """Method-specific limits on already type-checked parameters."""
    problems: list[tuple[str, str]] = []
    if method == "answerCallbackQuery":
        text = params.get("text")
        if isinstance(text, str) and utf16_len(text) > CALLBACK_ANSWER_MAX:
            problems.append(("text", "MESSAGE_TOO_LONG: callback answer text is over 200"))
    elif method == "setMyCommands":
        commands = params.get("commands")
        if isinstance(commands, list) and len(commands) > COMMANDS_MAX:
            problems.append(("commands", "BOT_COMMANDS_TOO_MUCH"))
    elif method == "sendChatAction":
        action = params.get("action")
        if isinstance(action, str) and action not in CHAT_ACTIONS:
            problems.append(("action", "wrong type of the chat action"))
    return problems
