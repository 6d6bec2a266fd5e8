"""Long texts are split into parts Telegram accepts: never a cut tag, entity or emoji, every
part within the limit as Telegram counts it, and nothing lost on the way."""

from __future__ import annotations

import html

import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.telegram.send import LIMIT, split_html
from tests.fakebot.htmltext import parse_html
from tests.fakebot.limits import MESSAGE_TEXT_MAX, check_formatted

# Emoji made of several code points: a skin tone, a family joined with ZWJ, a flag, a keycap.
EMOJI = ["😀", "👍🏽", "👩\u200d👩\u200d👧", "🇩🇰", "1\ufe0f\u20e3", "❤\ufe0f"]
MIXED = (
    "<b>Team 4A</b> &amp; <i>Team 4B</i> 👩\u200d🏫 skrev:\n\n"
    '<blockquote>Vi &lt;prøvede&gt; <a href="https://example.org/?a=1&amp;b=2">det</a> 👍🏽 '
    "og 🇩🇰 &quot;igen&quot;</blockquote>\n"
    "<code>x &gt; 3</code> – Æble\u0301 og 1\ufe0f\u20e3 &#128512; &#x1F600;"
)


def _graphemes(text: str) -> list[str]:
    return [g for g in regex.findall(r"\X", text) if not g.isspace()]


def _check(text: str, limit: int) -> list[str]:
    """Split and assert what every caller of the splitter relies on."""
    parts = split_html(text, limit)
    shown = []
    for part in parts:
        rendered, problem = check_formatted("text", part, "HTML", None)
        assert problem is None, (problem, part)
        assert rendered is not None
        assert rendered.length <= limit, part
        shown.append(rendered.text)
    # Nothing lost, nothing doubled, no character cut in two (only blanks at the cuts go).
    assert _graphemes("".join(shown)) == _graphemes(parse_html(text).text)
    return parts


def test_every_cut_position_keeps_tags_entities_and_emoji_whole() -> None:
    longest = max(len(g) * 2 for g in regex.findall(r"\X", MIXED))  # one emoji, in UTF-16
    for limit in range(longest, parse_html(MIXED).length + 2):
        _check(MIXED, limit)


def test_a_line_of_ampersands_is_split_between_entities() -> None:
    line = "&amp;" * 1500  # shows 1,500 characters but is 7,500 long as markup
    assert split_html(line) == [line]
    parts = _check(line * 3, LIMIT)
    assert len(parts) == 2
    assert all(part.endswith("&amp;") for part in parts)


def test_parts_stay_within_telegrams_limit_counted_in_utf16() -> None:
    plain = "a" * (MESSAGE_TEXT_MAX + 1)
    assert [len(part) for part in _check(plain, LIMIT)] == [MESSAGE_TEXT_MAX, 1]
    emoji = "😀" * 3000  # 3,000 characters, 6,000 UTF-16 units
    assert len(_check(emoji, LIMIT)) == 2
    bold = "<b>" + "ord " * 1500 + "</b>"
    parts = _check(bold, LIMIT)
    assert all(p.startswith("<b>") and p.endswith("</b>") for p in parts)


def test_a_short_text_is_one_part_as_it_is() -> None:
    assert split_html(MIXED) == [MIXED]
    assert split_html("") == [""]


def test_the_best_place_to_cut_is_a_blank_line_then_a_line_break_then_a_space() -> None:
    assert split_html("første afsnit\nlinje to\n\nandet afsnit", 30) == [
        "første afsnit\nlinje to",
        "andet afsnit",
    ]
    assert split_html("første linje\nanden linje", 15) == ["første linje", "anden linje"]
    assert split_html("ord ord ord ord", 8) == ["ord ord", "ord ord"]


LINK = "https://example.org/?" + html.escape("ø=1&b=2")
_WORDS = st.sampled_from(
    ["ord", "Æble", "&amp;", "&lt;", "&gt;", "&quot;", "&#128512;", " ", "\n", "\n\n", *EMOJI]
)


@st.composite
def _markup(draw: st.DrawFn, depth: int = 0) -> str:
    pieces = []
    for _ in range(draw(st.integers(1, 6))):
        if depth < 3 and draw(st.booleans()):
            tag = draw(st.sampled_from(["b", "i", "u", "s", "code", "tg-spoiler", "a"]))
            inner = draw(_markup(depth + 1))
            opening = f'<a href="{LINK}">' if tag == "a" else f"<{tag}>"
            pieces.append(f"{opening}{inner}</{tag}>")
        else:
            pieces.append("".join(draw(st.lists(_WORDS, min_size=1, max_size=8))))
    return "".join(pieces)


@settings(max_examples=300, deadline=None)
@given(text=_markup(), limit=st.integers(8, 40))  # 8: the longest emoji, in UTF-16
def test_random_markup_splits_into_valid_parts(text: str, limit: int) -> None:
    if not parse_html(text).text.strip():
        return  # nothing to show: not a message anyone sends
    _check(text, limit)
