"""Sending views to Telegram: HTML, inline keyboards, long texts split, blocked users noted."""

from __future__ import annotations

import logging

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Message
from telegram.constants import MessageLimit
from telegram.error import BadRequest

from bot.render import View

log = logging.getLogger(__name__)

LIMIT = MessageLimit.MAX_TEXT_LENGTH


def keyboard(view: View) -> InlineKeyboardMarkup | None:
    if not view.buttons:
        return None
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(b.label, callback_data=b.action) for b in row]
            for row in view.buttons
        ]
    )


def split_html(text: str, limit: int = LIMIT) -> list[str]:
    """Split at paragraph, then line breaks, so each part stays under Telegram's limit.

    Tags in our texts never span a blank line, so splitting there keeps the markup valid.
    """
    if len(text) <= limit:
        return [text]
    parts: list[str] = []
    current = ""
    for block in text.split("\n\n"):
        candidate = f"{current}\n\n{block}" if current else block
        if len(candidate) <= limit:
            current = candidate
            continue
        if current:
            parts.append(current)
        rest = block
        while len(rest) > limit:
            cut = rest.rfind("\n", 0, limit)
            cut = cut if cut > 0 else limit
            parts.append(rest[:cut])
            rest = rest[cut:].lstrip("\n")
        current = rest
    if current:
        parts.append(current)
    return parts


async def send_views(bot: Bot, chat_id: int, views: list[View], pressed: Message | None) -> None:
    """Send each view; one marked `replace` edits the message whose button was pressed."""
    for view in views:
        if view.replace and pressed is not None:
            try:
                await pressed.edit_text(view.html, reply_markup=keyboard(view))
                continue
            except BadRequest as exc:
                if "not modified" in str(exc).lower():
                    continue
                log.info("could not edit a message, sending a new one", extra={"chat": chat_id})
        if view.attachment is not None:
            file = InputFile(view.attachment.data, filename=view.attachment.filename)
            if view.attachment.photo:
                await bot.send_photo(chat_id, file, caption=view.html, reply_markup=keyboard(view))
            else:
                await bot.send_document(
                    chat_id, file, caption=view.html, reply_markup=keyboard(view)
                )
            continue
        parts = split_html(view.html)
        for index, part in enumerate(parts):
            markup = keyboard(view) if index == len(parts) - 1 else None
            await bot.send_message(chat_id, part, reply_markup=markup)
