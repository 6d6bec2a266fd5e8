"""Channel-neutral views: the HTML text and buttons of each moment, built once.

The Telegram channel sends a view as a message with an inline keyboard; the console prints
it as plain text with numbered choices. Every value that came from a person is escaped.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field

from bot.buttons import ButtonData, button
from bot.i18n import t
from bot.services.forget import Forgotten
from bot.services.reflection import Shown
from dialogues.problems import Problem, ProblemCode
from dialogues.state import Prompt
from dialogues.text import Lang
from dialogues.visibility import LEVELS, describe_visibility, visibility_label

# The buttons of one step of a reflection, read by bot.chat.reflecting: each carries the
# reflection (its session) and the turn it was shown at, so a button of a step already
# answered changes nothing.


@button("a")
@dataclass(frozen=True)
class AnswerButton(ButtonData):
    """An option, a point of a scale, or OK to an introduction (option 0)."""

    session_id: int
    turn: int
    option: int  # the option's index, or the scale's point


@button("m")
@dataclass(frozen=True)
class ToggleButton(ButtonData):
    """Tick or untick one option of a multiple choice; nothing is saved yet."""

    session_id: int
    turn: int
    chosen: int  # the options ticked so far, as a bitmask
    option: int  # the option's index


@button("M")
@dataclass(frozen=True)
class ChosenButton(ButtonData):
    """Done choosing: save the options ticked."""

    session_id: int
    turn: int
    chosen: int  # a bitmask


@button("b")
@dataclass(frozen=True)
class BackButton(ButtonData):
    session_id: int
    turn: int


@button("s")
@dataclass(frozen=True)
class SkipButton(ButtonData):
    session_id: int
    turn: int


@button("w")
@dataclass(frozen=True)
class KeepButton(ButtonData):
    """Keep the answer given before and go on."""

    session_id: int
    turn: int


@button("v")
@dataclass(frozen=True)
class VisibilityButton(ButtonData):
    """Who will see the answer: an index into `LEVELS`."""

    session_id: int
    turn: int
    level: int


STEP_BUTTONS: tuple[type[ButtonData], ...] = (
    AnswerButton,
    ToggleButton,
    ChosenButton,
    BackButton,
    SkipButton,
    KeepButton,
    VisibilityButton,
)


@dataclass(frozen=True)
class Button:
    label: str
    action: str


@dataclass(frozen=True)
class Attachment:
    """A file to send with a view: a document (JSON, HTML, .ics) or a PNG photo."""

    filename: str
    data: bytes
    photo: bool = False


@dataclass
class View:
    """A message to show: HTML text, buttons, and whether it replaces the pressed message.

    With an attachment, the text is its caption (keep it under 1,024 characters).
    """

    html: str
    buttons: list[list[Button]] = field(default_factory=list)
    replace: bool = False
    attachment: Attachment | None = None


def say(lang: str, key: str, **params: object) -> str:
    """A catalog text with every value escaped for Telegram's HTML."""
    return t(lang, key, **{k: html.escape(str(v), quote=False) for k, v in params.items()})


def forget_question(lang: str, seen: Forgotten, anonymity_min: int, sole: list[str]) -> str:
    """What /forget (and the web's data page) asks before deleting: what goes, what stays,
    and, for the only facilitator of groups, that those groups are handed on."""
    text = say(
        lang,
        "forget.confirm",
        answers=seen.answers,
        next_steps=seen.next_steps,
        groups=seen.memberships,
        anonymity_min=anonymity_min,
    )
    if sole:
        text += "\n\n" + say(lang, "admin.forget_hand_over", groups=", ".join(sole), group=sole[0])
    return text


def forget_done(lang: str, done: Forgotten) -> str:
    return say(
        lang,
        "forget.done",
        answers=done.answers,
        next_steps=done.next_steps,
        groups=done.memberships,
    )


def problem_text(lang: str, problem: Problem) -> str:
    code = problem.code
    if code == ProblemCode.out_of_range and problem.earliest:
        return say(lang, "problem.date_past", earliest=problem.earliest)
    if code == ProblemCode.too_long:
        return say(lang, "problem.too_long", length=problem.length, limit=problem.maximum)
    if code == ProblemCode.too_short:
        return say(lang, "problem.too_short", limit=problem.minimum)
    if code == ProblemCode.out_of_range:
        return say(lang, "problem.out_of_range", low=problem.minimum, high=problem.maximum)
    key = f"problem.{code.value}"
    try:
        return say(lang, key)
    except KeyError:
        return say(lang, "problem.generic")


def _lang(shown: Shown) -> Lang:
    return "en" if shown.lang == "en" else "da"


def prompt_view(shown: Shown, *, chosen_mask: int = 0) -> View:
    """The question to answer now, with who will see the answer and its buttons."""
    prompt = shown.prompt
    if prompt is None:
        return View(html=say(_lang(shown), "reflect.completed"))
    lang = _lang(shown)
    lines: list[str] = []
    if prompt.progress.n == 1 and prompt.title is None:
        lines.append(say(lang, "reflect.started", title=shown.title))
    if prompt.title:
        lines.append(f"<b>{prompt.title}</b>")
    # A question's background leads up to it; an introduction comes before its background.
    introduction = prompt.expects == "none"
    if prompt.context and not introduction:
        lines.append(f"<i>{prompt.context}</i>")
    lines.append(prompt.text)
    if prompt.context and introduction:
        lines.append(f"<i>{prompt.context}</i>")
    earlier = _readable(prompt)
    if earlier is not None:
        lines.append(say(lang, "reflect.current_answer", answer=earlier))
    if prompt.scale is not None:
        lines.append(
            say(
                lang,
                "reflect.scale_hint",
                low=prompt.scale.low,
                high=prompt.scale.high,
                points=prompt.scale.points,
            )
        )
    if prompt.expects == "multi_choice":
        lines.append(say(lang, "reflect.multi_hint"))
    if prompt.about_pupils:
        lines.append("⚠️ " + say(lang, "reflect.pupils_notice"))
    visibility = shown.visibility or prompt.visibility
    if visibility is not None and prompt.expects != "none":
        who = describe_visibility(visibility, lang)
        if len(prompt.visibility_choices) > 1:
            lines.append(say(lang, "reflect.who_sees_choice", who=who))
        else:
            lines.append("👁 " + html.escape(who))
    lines.append(f"<i>{progress_text(lang, prompt)}</i>")
    return View(html="\n\n".join(lines), buttons=_buttons(shown, prompt, chosen_mask))


def progress_text(lang: str, prompt: Prompt) -> str:
    """ "Trin 3 af 9", or "Trin 1" while a choice to come decides how many there are."""
    n, total = prompt.progress.n, prompt.progress.m
    if total is None:
        return say(lang, "reflect.progress_open", n=n)
    return say(lang, "reflect.progress", n=n, total=total)


def _readable(prompt: Prompt) -> str | None:
    """The answer given before to what is asked now, as the person would recognise it."""
    value = prompt.current_value
    if value is None or prompt.expects == "none":
        return None
    labels = dict(prompt.options)
    if isinstance(value, list):
        return ", ".join(labels.get(v, v) for v in value)
    if isinstance(value, str | int):
        return labels.get(str(value), str(value))
    # A next step is asked in parts; show the part asked now, if it was answered.
    part = getattr(value, prompt.part or "what", None)
    return str(part) if part else None


def _buttons(shown: Shown, prompt: Prompt, chosen_mask: int) -> list[list[Button]]:
    sid, turn, lang = shown.session_id, shown.turn, _lang(shown)
    visibility = shown.visibility or prompt.visibility
    rows: list[list[Button]] = []
    if prompt.scale is not None:
        points = range(1, prompt.scale.points + 1)
        rows.append([Button(str(p), AnswerButton(sid, turn, p).encode()) for p in points])
    elif prompt.expects == "multi_choice":
        for index, (_, label) in enumerate(prompt.options):
            mark = "✅ " if chosen_mask & (1 << index) else ""
            rows.append(
                [Button(mark + label, ToggleButton(sid, turn, chosen_mask, index).encode())]
            )
        rows.append(
            [Button(say(lang, "reflect.multi_done"), ChosenButton(sid, turn, chosen_mask).encode())]
        )
    elif prompt.options:
        rows.extend(
            [Button(label, AnswerButton(sid, turn, index).encode())]
            for index, (_, label) in enumerate(prompt.options)
        )
    elif prompt.expects == "none":
        rows.append([Button("OK ▶", AnswerButton(sid, turn, 0).encode())])
    if len(prompt.visibility_choices) > 1:
        rows.append(
            [
                Button(
                    "👁 " + ("• " if level == visibility else "") + visibility_label(level, lang),
                    VisibilityButton(sid, turn, LEVELS.index(level)).encode(),
                )
                for level in prompt.visibility_choices
            ]
        )
    nav: list[Button] = []
    if _readable(prompt) is not None:
        nav.append(Button(say(lang, "button.keep"), KeepButton(sid, turn).encode()))
    if prompt.can_back:
        nav.append(Button(say(lang, "button.back"), BackButton(sid, turn).encode()))
    if prompt.can_skip:
        nav.append(Button(say(lang, "button.skip"), SkipButton(sid, turn).encode()))
    if nav:
        rows.append(nav)
    return rows


def reflection_views(shown: Shown) -> list[View]:
    """What to send after a reflection call: a problem first, then the current moment."""
    lang = _lang(shown)
    views: list[View] = []
    if shown.problem is not None:
        views.append(View(html=problem_text(lang, shown.problem)))
    if shown.completed:
        text = say(lang, "reflect.completed")
        if shown.next_steps_saved:
            text += "\n\n" + say(lang, "reflect.next_step_saved")
        views.append(View(html=text))
        return views
    views.append(prompt_view(shown))
    return views
