"""Telegram's HTML parse mode: validate markup and turn it into text plus entities.

Telegram rejects what its parser cannot read (unknown or unbalanced tags, a bare `<`,
an `&` that starts no supported entity) with "can't parse entities". The fake applies
the same rules so that a template producing broken HTML fails in tests rather than in
a teacher's chat. Rules follow https://core.telegram.org/bots/api#html-style.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import Any

# Tag -> entity type. span and a need attributes and are handled separately.
_SIMPLE_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
}
ALLOWED_TAGS = frozenset({*_SIMPLE_TAGS, "span", "a", "tg-emoji"})

_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_ENTITY_RE = re.compile(r"&(#[0-9]+|#[xX][0-9a-fA-F]+|[a-zA-Z][a-zA-Z0-9]*);")
_ATTR_RE = re.compile(r"""([a-zA-Z_][\w-]*)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s"'>]+))?""")
_NAME_RE = re.compile(r"[a-zA-Z][a-zA-Z0-9-]*")


class FormatError(ValueError):
    """The text cannot be parsed; the message reads like Telegram's."""


@dataclass(slots=True)
class _Open:
    tag: str
    attrs: dict[str, str]
    start: int  # offset in UTF-16 code units, as Telegram counts entity offsets


@dataclass(slots=True)
class Rendered:
    """Text as Telegram stores it after parsing, with its entities."""

    text: str
    entities: list[dict[str, Any]] = field(default_factory=list)

    @property
    def length(self) -> int:
        """Length in UTF-16 code units, the unit of Telegram's limits and offsets."""
        return utf16_len(self.text)


def utf16_len(text: str) -> int:
    """Count UTF-16 code units: characters outside the BMP count twice."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


def _decode_entity(text: str, index: int) -> tuple[str, int]:
    match = _ENTITY_RE.match(text, index)
    if match is None:
        raise FormatError(
            f"Character '&' is reserved and must be escaped with &amp; "
            f"at byte offset {_byte_offset(text, index)}"
        )
    name = match.group(1)
    if name.startswith("#"):
        code = int(name[2:], 16) if name[1:2] in "xX" else int(name[1:])
        if not 0 < code <= 0x10FFFF:
            raise FormatError(f"Wrong character code at byte offset {_byte_offset(text, index)}")
        return chr(code), match.end()
    if name not in _NAMED_ENTITIES:
        raise FormatError(
            f'Unsupported HTML entity "&{name};" at byte offset {_byte_offset(text, index)}'
        )
    return _NAMED_ENTITIES[name], match.end()


def _parse_attrs(raw: str) -> dict[str, str]:
    attrs: dict[str, str] = {}
    for name, quoted in _ATTR_RE.findall(raw):
        value = quoted[1:-1] if quoted[:1] in {'"', "'"} else quoted
        attrs[name.lower()] = html.unescape(value)
    return attrs


def _entity_for(item: _Open, end: int) -> dict[str, Any] | None:
    """Build the entity an element produces, or None when it produces none."""
    length = end - item.start
    if length <= 0:
        return None
    entity: dict[str, Any] = {"offset": item.start, "length": length}
    if item.tag == "a":
        href = item.attrs.get("href")
        if not href:
            return None
        entity.update(type="text_link", url=href)
    elif item.tag == "span":
        entity["type"] = "spoiler"
    elif item.tag == "tg-emoji":
        entity.update(type="custom_emoji", custom_emoji_id=item.attrs["emoji-id"])
    elif item.tag == "blockquote" and "expandable" in item.attrs:
        entity["type"] = "expandable_blockquote"
    elif item.tag == "pre" and "language" in item.attrs:
        entity.update(type="pre", language=item.attrs["language"])
    else:
        entity["type"] = _SIMPLE_TAGS[item.tag]
    return entity


def _pre_language(item: _Open, parent: _Open | None) -> str | None:
    """<pre><code class="language-x"> is one pre entity with a language, not two."""
    if item.tag != "code" or parent is None or parent.tag != "pre":
        return None
    css = item.attrs.get("class", "")
    return css.removeprefix("language-") if css.startswith("language-") else None


def _check_start_tag(name: str, attrs: dict[str, str], text: str, index: int) -> None:
    offset = _byte_offset(text, index)
    if name not in ALLOWED_TAGS:
        raise FormatError(f'Unsupported start tag "{name}" at byte offset {offset}')
    if name == "span" and attrs.get("class") != "tg-spoiler":
        raise FormatError(f'Tag "span" must have class "tg-spoiler" at byte offset {offset}')
    if name == "tg-emoji" and not attrs.get("emoji-id", "").isdigit():
        raise FormatError(f'Tag "tg-emoji" must have attribute "emoji-id" at byte offset {offset}')


def parse_html(text: str) -> Rendered:
    """Parse `text` the way Telegram's HTML parse mode does, or raise FormatError."""
    out: list[str] = []
    pos = 0  # UTF-16 offset of the next output character
    stack: list[_Open] = []
    entities: list[dict[str, Any]] = []
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if ch == "&":
            decoded, i = _decode_entity(text, i)
            out.append(decoded)
            pos += utf16_len(decoded)
            continue
        if ch != "<":
            j = i
            while j < n and text[j] not in "<&":
                j += 1
            chunk = text[i:j]
            out.append(chunk)
            pos += utf16_len(chunk)
            i = j
            continue
        close = text.find(">", i)
        if close == -1:
            raise FormatError(f"Unclosed start tag at byte offset {_byte_offset(text, i)}")
        body = text[i + 1 : close]
        if body.startswith("/"):
            name = body[1:].strip().lower()
            if not stack:
                raise FormatError(f"Unexpected end tag at byte offset {_byte_offset(text, i)}")
            top = stack.pop()
            if name and name != top.tag:
                raise FormatError(
                    f'Unmatched end tag at byte offset {_byte_offset(text, i)}, expected "</'
                    f'{top.tag}>", found "</{name}>"'
                )
            language = _pre_language(top, stack[-1] if stack else None)
            if language is not None:
                stack[-1].attrs["language"] = language
            elif (entity := _entity_for(top, pos)) is not None:
                entities.append(entity)
        else:
            match = _NAME_RE.match(body)
            name = match.group(0).lower() if match else ""
            attrs = _parse_attrs(body[match.end() :]) if match else {}
            _check_start_tag(name, attrs, text, i)
            stack.append(_Open(name, attrs, pos))
        i = close + 1
    if stack:
        raise FormatError(f'Can\'t find end tag corresponding to start tag "{stack[-1].tag}"')
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return Rendered("".join(out), entities)
