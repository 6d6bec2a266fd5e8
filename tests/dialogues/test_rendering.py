"""Every summary and template renders, in both languages, as valid Telegram HTML."""

import re
from html.parser import HTMLParser

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dialogues import engine
from dialogues.loader import load_catalog
from dialogues.mermaid import to_mermaid
from dialogues.schema import Format
from dialogues.state import Input, StartContext
from dialogues.templating import compile_text, environment, render_session_summary, render_text
from dialogues.text import LANGS, Lang
from dialogues.textchecks import sample_states
from dialogues.visibility import Visibility

FORMATS = list(load_catalog())


class TelegramHtml(HTMLParser):
    """Accepts only the tags we send and checks that they are balanced."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        assert tag in ("b", "i"), f"unexpected <{tag}>"
        assert not attrs
        self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.open, f"unbalanced </{tag}>"
        assert self.open.pop() == tag, f"unbalanced </{tag}>"


def assert_telegram_html(text: str) -> None:
    parser = TelegramHtml()
    parser.feed(text)
    parser.close()
    assert parser.open == []
    # Every & starts an entity: raw ampersands would make Telegram refuse the message.
    assert re.fullmatch(r"([^&]|&(amp|lt|gt|quot|#39|#x27);)*", text, re.DOTALL), text


@pytest.mark.parametrize("fmt", FORMATS, ids=lambda f: f.id)
@pytest.mark.parametrize("lang", LANGS)
def test_every_summary_renders_for_sample_runs(fmt: Format, lang: Lang) -> None:
    for state in sample_states(fmt, lang):
        summary = render_session_summary(fmt, state, lang)
        assert summary.startswith(f"<b>{fmt.title.get(lang)}</b>")
        assert_telegram_html(summary)
        assert "\n\n\n" not in summary


def test_the_session_summary_template_renders_every_sample() -> None:
    # Other parts of the application keep their own templates in the same environment
    # and test them where their filters are registered; this one belongs to the engine.
    assert environment().get_template("session_summary.j2") is not None
    fmt = load_catalog().get("opfoelgning")
    assert fmt is not None
    for state in sample_states(fmt, "da"):
        assert_telegram_html(render_session_summary(fmt, state))


def test_answers_are_escaped_in_summaries() -> None:
    fmt = load_catalog().get("opfoelgning")
    assert fmt is not None
    result = engine.start(fmt, StartContext(lang="en", ctx={"next_step": "<i>try</i>"}))
    for value in (None, "done", "I learnt <script> & more", "yes"):
        result = engine.answer(fmt, result.state, Input(value=value))
    summary = render_session_summary(fmt, result.state, "en")
    assert "I learnt &lt;script&gt; &amp; more" in summary
    assert "<i>&lt;i&gt;try&lt;/i&gt;</i>" in summary
    assert "Not finished yet." in summary
    assert_telegram_html(summary)


def test_summary_for_a_narrower_audience_leaves_out_private_answers() -> None:
    fmt = load_catalog().get("opfoelgning")
    assert fmt is not None
    result = engine.start(fmt, StartContext(lang="en"))
    steps = [
        Input(value=None),
        Input(value="not_yet"),
        Input(value="Too many parent meetings", visibility="private"),
        Input(value="no"),
        Input(value="A question"),
    ]
    for inp in steps:
        result = engine.answer(fmt, result.state, inp)
    mine = render_session_summary(fmt, result.state, "en")
    shared = render_session_summary(
        fmt, result.state, "en", levels=[Visibility.facilitator, Visibility.team]
    )
    assert "Too many parent meetings" in mine
    assert "Too many parent meetings" not in shared
    assert "<b>For the next meeting:</b> A question" in shared


@pytest.mark.parametrize("fmt", FORMATS, ids=lambda f: f.id)
@pytest.mark.parametrize("lang", LANGS)
def test_every_format_draws_as_a_mermaid_flowchart(fmt: Format, lang: Lang) -> None:
    chart = to_mermaid(fmt, lang)
    lines = chart.splitlines()
    assert lines[0] == "flowchart TD"
    for step in fmt.steps:
        assert any(line.strip().startswith(f"s_{step.id}") for line in lines), step.id
    assert any("--> finish" in line or "| finish" in line for line in lines)
    if any(step.when is not None for step in fmt.steps):
        assert "-->|" in chart


@given(st.text(alphabet=st.characters(blacklist_characters="{\r"), max_size=300))
def test_plain_text_renders_exactly_as_jinja_renders_it(text: str) -> None:
    """The shortcut for texts without template syntax gives what Jinja would have given."""
    assert render_text(text, {"lang": "da"}) == compile_text(text).render({"lang": "da"}).strip()


def test_formats_texts_without_template_syntax_match_jinja() -> None:
    """Every text in the catalogue renders the same with and without the shortcut."""
    plain = [
        text.get(lang)
        for fmt in FORMATS
        for step in fmt.steps
        for text in (step.text, step.title, step.context)
        if text is not None
        for lang in LANGS
        if "{" not in text.get(lang)
    ]
    assert plain, "the catalogue has plain prompts"
    for text in plain:
        assert render_text(text, {}) == compile_text(text).render({}).strip()
