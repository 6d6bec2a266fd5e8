"""What the learning circle looks like in the group chat: phase messages and their buttons.

Every value that came from a person (names, the team's name) is escaped; format texts
arrive HTML-safe from the engine.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from enum import IntEnum

from bot.buttons import PREFIX_PATTERN, ButtonData, Press, button
from bot.scheduling.formatting import format_time
from bot.services.circle import Moment, Shared
from bot.views import Button, View, problem_text, say
from dialogues.problems import ProblemCode
from dialogues.state import Prompt, RoleRef
from dialogues.visibility import describe_visibility
from storage.models import Group, Person

# The buttons of the circle, read by bot.telegram.group; the builder routes them there.


@button("L")
@dataclass(frozen=True)
class LinkButton(ButtonData):
    """Link this group chat to a team."""

    group_id: int


@button("F")
@dataclass(frozen=True)
class FocusButton(ButtonData):
    """Start the circle with today's focus person."""

    group_id: int
    person_id: int


@button("P")
@dataclass(frozen=True)
class SettingButton(ButtonData):
    """An option of one of the circle's settings."""

    session_id: int
    turn: int
    option: int  # the option's index


@button("N")
@dataclass(frozen=True)
class NextButton(ButtonData):
    """On to the next phase."""

    session_id: int
    turn: int


@button("E")
@dataclass(frozen=True)
class ExtendButton(ButtonData):
    """Five more minutes."""

    session_id: int
    turn: int


@button("Z")
@dataclass(frozen=True)
class StopButton(ButtonData):
    """End the circle early."""

    session_id: int
    turn: int


class Sharing(IntEnum):
    KEEP = 0  # the focus and the next step stay with the team
    SHARE = 1  # the leaders may see them


@button("Y")
@dataclass(frozen=True)
class ShareButton(ButtonData):
    """After the circle: the focus person lets the leaders see focus and next step, or not."""

    session_id: int
    choice: Sharing


CIRCLE_BUTTONS: tuple[type[ButtonData], ...] = (
    LinkButton,
    FocusButton,
    SettingButton,
    NextButton,
    ExtendButton,
    StopButton,
    ShareButton,
)
KINDS = tuple(cls.kind for cls in CIRCLE_BUTTONS)
BUTTON_PATTERN = rf"^{PREFIX_PATTERN}[{''.join(KINDS)}]:"
MAX_FOCUS_BUTTONS = 30


def _who(moment: Moment, roles: list[RoleRef]) -> str:
    """Role labels with the names the circle knows: "Fokusperson (Bo), Teamet"."""
    names = {"facilitator": moment.facilitator, "focus": moment.focus}
    parts = []
    for role in roles:
        name = names.get(role.id)
        parts.append(f"{role.label} ({name})" if name else role.label)
    return ", ".join(parts)


def phase_title(moment: Moment) -> str:
    """The current phase's title as plain text (the engine gives it HTML-escaped)."""
    prompt = moment.prompt
    return html.unescape(prompt.title) if prompt and prompt.title else moment.title


def _setting_lines(moment: Moment, prompt: Prompt) -> list[str]:
    lang = moment.lang
    return [
        say(lang, "circle.setting", title=moment.title, n=prompt.progress.n, total=moment.settings),
        say(lang, "circle.roles", facilitator=moment.facilitator, focus=moment.focus),
        prompt.text,
        f"<i>{say(lang, 'circle.setting_hint')}</i>",
    ]


def _phase_lines(moment: Moment, prompt: Prompt) -> list[str]:
    lang = moment.lang
    n = prompt.progress.n - moment.settings
    title = phase_title(moment)
    if prompt.progress.m is None:
        lines = [say(lang, "circle.phase_header_open", title=title, n=n)]
    else:
        total = prompt.progress.m - moment.settings
        lines = [say(lang, "circle.phase_header", title=title, n=n, total=total)]
    if prompt.text:
        lines.append(prompt.text)
    details: list[str] = []
    if prompt.speaking:
        details.append(say(lang, "circle.speaking", who=_who(moment, prompt.speaking)))
    if prompt.listening:
        details.append(say(lang, "circle.listening", who=_who(moment, prompt.listening)))
    deadline = moment.deadline
    if deadline is not None and prompt.timebox_minutes:
        until = format_time(deadline, moment.timezone, lang)
        details.append(say(lang, "circle.timebox", minutes=prompt.timebox_minutes, until=until))
    if details:
        lines.append("\n".join(details))
    if prompt.about_pupils:
        lines.append("⚠️ " + say(lang, "reflect.pupils_notice"))
    writers = prompt.contributors if prompt.kind == "phase" else prompt.answered_by
    if not writers:
        lines.append(say(lang, "circle.spoken_only"))
        return lines
    hint = "circle.reply_hint" if prompt.kind == "phase" else "circle.answer_hint"
    notes = [say(lang, hint, who=_who(moment, writers))]
    if prompt.visibility is not None:
        notes.append("👁 " + html.escape(describe_visibility(prompt.visibility, lang)))
    if prompt.kind != "phase" and prompt.can_skip:
        notes.append(f"<i>{say(lang, 'circle.skip_hint')}</i>")
    if prompt.contributions:
        notes.append(say(lang, "circle.noted", count=prompt.contributions))
    lines.append("\n".join(notes))
    return lines


def phase_view(moment: Moment, *, with_stop: bool = False) -> View:
    """The message of the circle's current position, with the facilitator's buttons."""
    prompt = moment.prompt
    if prompt is None:
        return View(html=say(moment.lang, "circle.completed"))
    lang, sid, turn = moment.lang, moment.session_id, moment.turn
    rows: list[list[Button]] = []
    if prompt.kind == "param":
        lines = _setting_lines(moment, prompt)
        rows.extend(
            [Button(label, SettingButton(sid, turn, index).encode())]
            for index, (_, label) in enumerate(prompt.options)
        )
    else:
        lines = _phase_lines(moment, prompt)
        controls = [Button(say(lang, "circle.next"), NextButton(sid, turn).encode())]
        if prompt.timebox_minutes:
            controls.append(Button(say(lang, "circle.extend"), ExtendButton(sid, turn).encode()))
        rows.append(controls)
    if with_stop:
        rows.append([Button(say(lang, "circle.stop"), StopButton(sid, turn).encode())])
    return View(html="\n\n".join(lines), buttons=rows)


def ending_texts(moment: Moment) -> list[str]:
    """What is posted when a circle ends: thanks and the summary, or a short stop notice."""
    lang = moment.lang
    if moment.cancelled:
        return [say(lang, "circle.stopped")]
    texts = [say(lang, "circle.completed")]
    if moment.summary:
        texts.append(moment.summary)
    if moment.next_steps_saved and moment.focus:
        texts.append(say(lang, "circle.next_step_saved", name=moment.focus))
    return ["\n\n".join(texts)]


def share_question(moment: Moment) -> View | None:
    """After a finished circle, the focus person's choice: may the leaders see their
    learning focus and next step? Nothing is shared until they say yes."""
    if not moment.completed or not moment.focus:
        return None
    lang, sid = moment.lang, moment.session_id
    return View(
        html=say(lang, "circle.share_ask", name=html.escape(moment.focus)),
        buttons=[
            [Button(say(lang, "circle.share_yes"), ShareButton(sid, Sharing.SHARE).encode())],
            [Button(say(lang, "circle.share_no"), ShareButton(sid, Sharing.KEEP).encode())],
        ],
    )


def share_answer(shared: Shared) -> View:
    """What the chat says once the focus person has chosen, with a way to change it."""
    lang, name = shared.lang, html.escape(shared.focus)
    if shared.with_leaders:
        text = say(lang, "circle.shared", name=name)
        again = Button(
            say(lang, "circle.share_undo"), ShareButton(shared.session_id, Sharing.KEEP).encode()
        )
    else:
        text = say(lang, "circle.kept", name=name)
        again = Button(
            say(lang, "circle.share_anyway"), ShareButton(shared.session_id, Sharing.SHARE).encode()
        )
    return View(html=text, buttons=[[again]])


def refusal(moment: Moment) -> str:
    """Why the facilitator's press did not move the circle (plain text for an alert)."""
    problem, prompt = moment.problem, moment.prompt
    if problem is not None and problem.code == ProblemCode.required and prompt is not None:
        return plain(say(moment.lang, "circle.waiting", who=_who(moment, prompt.answered_by)))
    if problem is None:
        return ""
    return plain(problem_text(moment.lang, problem))


def plain(text: str) -> str:
    """Alerts show plain text (at most 200 characters): drop our tags, undo the escaping."""
    for tag in ("<b>", "</b>", "<i>", "</i>"):
        text = text.replace(tag, "")
    return html.unescape(text)[:200]


def team_buttons(teams: list[Group]) -> list[list[Button]]:
    return [[Button(team.name, LinkButton(team.id).encode())] for team in teams]


def focus_buttons(group_id: int, people: list[Person]) -> list[list[Button]]:
    return [
        [Button(person.display_name, FocusButton(group_id, person.id).encode())]
        for person in people[:MAX_FOCUS_BUTTONS]
    ]


CirclePress = (
    LinkButton | FocusButton | SettingButton | NextButton | ExtendButton | StopButton | ShareButton
)


def read_press(press: Press) -> CirclePress | None:
    """The circle's button pressed, or `None` for another kind or numbers outside it."""
    for cls in CIRCLE_BUTTONS:
        if cls.kind == press.kind:
            pressed = cls.read(press)
            return pressed if isinstance(pressed, CirclePress) else None
    return None
