"""Sending views to Telegram: HTML, inline keyboards, long texts split, blocked users noted."""

from __future__ import annotations

import html
import logging
from dataclasses import dataclass

import regex
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Message
from telegram.constants import MessageLimit
from telegram.error import BadRequest

from bot.views import View

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


# What a message is cut into: a tag, an entity, or one visible character as a reader sees
# it (a grapheme cluster: an emoji with its skin tone or joined parts, a letter with its
# accent). A cut between two of these never breaks markup or a character.
_ATOM = regex.compile(r"<[^>]*>|&(?:#[0-9]+|#[xX][0-9a-fA-F]+|[a-zA-Z][a-zA-Z0-9]*);|\X")
_TAG = regex.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)")
# Where to cut, best first: at a blank line, a line break, a space, anywhere.
_PARAGRAPH, _LINE, _SPACE, _ANY = range(4)


def _units(text: str) -> int:
    """Length in UTF-16 code units, the unit Telegram counts its limit in."""
    return len(text.encode("utf-16-le")) // 2


def _shown(atom: str) -> str:
    """What an atom adds to the text Telegram shows: tags nothing, entities their character."""
    return "" if atom.startswith("<") else html.unescape(atom)


@dataclass
class _Cut:
    at: int  # index in the text
    tags: tuple[str, ...]  # the opening tags still open there, outermost first


def _kind(atom: str, previous: str) -> int:
    if atom == "\n":
        return _PARAGRAPH if previous == "\n" else _LINE
    return _SPACE if atom == " " else _ANY


def _best_cut(text: str, limit: int) -> _Cut:
    """Where to end a part of `text` that shows at most `limit` units (the end if it fits)."""
    shown, opened, previous = 0, list[str](), ""
    best: dict[int, _Cut] = {}
    for match in _ATOM.finditer(text):
        atom = match.group()
        if previous.strip() or best:  # a part always shows some text
            best[_kind(atom, previous)] = _Cut(match.start(), tuple(opened))
        tag = _TAG.match(atom)
        if tag is None:
            shown += _units(_shown(atom))
            if shown > limit and best:
                return best[min(best)]
            previous = atom
        elif tag.group(1):
            name = tag.group(2).lower()
            while opened and _name(opened.pop()) != name:
                pass
        else:
            opened.append(atom)
    return _Cut(len(text), ())


def _trim_start(text: str) -> str:
    """The text without the blanks a part would start with (its leading tags kept)."""
    tags = []
    for match in _ATOM.finditer(text):
        atom = match.group()
        if atom.startswith("<"):
            tags.append(atom)
        elif _shown(atom).strip():
            return "".join(tags) + text[match.start() :]
    return text


def _shows_text(text: str) -> bool:
    return any(not a.startswith("<") and _shown(a).strip() for a in _ATOM.findall(text))


def _name(tag: str) -> str:
    found = _TAG.match(tag)
    return found.group(2).lower() if found else ""


def _closing(tags: tuple[str, ...]) -> str:
    return "".join(f"</{_name(tag)}>" for tag in reversed(tags))


def split_html(text: str, limit: int = LIMIT) -> list[str]:
    """Split HTML so each part shows at most `limit` characters as Telegram counts them.

    Cuts go at a blank line, else a line break, else a space, else between two characters,
    never inside a tag, an entity or a character made of several code points (an emoji with
    a skin tone). Tags open at a cut are closed at the end of the part and opened again at
    the start of the next, so every part is valid markup on its own.
    """
    if _units(text) <= limit:  # markup and entities only ever shorten what is shown
        return [text]
    parts: list[str] = []
    rest = _trim_start(text)
    while True:
        cut = _best_cut(rest, limit)
        if cut.at >= len(rest):
            break
        parts.append(rest[: cut.at].rstrip("\n") + _closing(cut.tags))
        rest = _trim_start("".join(cut.tags) + rest[cut.at :])
    if not parts or _shows_text(rest):
        parts.append(rest)
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
