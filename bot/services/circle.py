"""The learning circle in a team's group chat: link the chat, run the phases, keep what is said.

A circle is a `DialogueSession` owned by the group (`person_id` is NULL) in one Telegram chat.
Its `turn` grows each time the circle moves to a new position, so a button from an earlier
phase is recognised as closed; `prompt_message_id` names the message people reply to, and
`phase_started_at` is when the current timebox began. Contributions are stored as answers
by each contributor, and only from people who said yes to the privacy text: someone else
is told how to join (see circle_link). Only facilitators move the circle on (checked here,
not only in the chat handlers).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import App
from bot.i18n import Lang, as_lang
from bot.scheduling.dates import parse_date
from bot.scheduling.zones import local_date
from bot.services import privacy
from bot.services.access import Action, effective_role, is_admin, require
from bot.services.circle_link import chat_link
from bot.services.errors import Denied, NotFound, ServiceError
from bot.services.outcomes import save_next_step
from bot.services.reflection import format_of, pin
from bot.services.zones import group_zone
from dialogues import engine
from dialogues.problems import Problem
from dialogues.schema import Format
from dialogues.state import Input, Prompt, Result, SessionState, StartContext
from dialogues.templating import render_session_summary
from dialogues.visibility import Visibility
from storage.enums import Role, SessionStatus
from storage.models import DialogueSession, Group, Person
from storage.repositories import circles as circles_repo
from storage.repositories import dialogues as repo
from storage.repositories import groups, people
from storage.repositories import meetings as meetings_repo

FORMAT_ID = "laeringscirkel"
EXTEND_MINUTES = 5
WARN_BEFORE = timedelta(minutes=1)
# A circle started this long before a planned meeting belongs to that meeting.
MEETING_LEAD = timedelta(hours=1)
# Keys kept in the run's free context: who the focus person is, and which warning was sent.
FOCUS = "focus_person"
FOCUS_NAME = "focus_name"
FACILITATOR_NAME = "facilitator_name"
WARNED = "circle_warned"
# What the group chat shows of a finished circle: what the team may see, never less private.
SHARED_IN_CHAT = (Visibility.team, Visibility.leaders)
# What the focus person may share with the leaders once the circle is over: their learning
# focus and their next step, and with them the date the team agreed to follow up (a date,
# no one's words). Every phase others wrote in stays with the team.
SHAREABLE_STEPS = ("focus", "next")
SHARED_ALONG = ("followup_date",)


class Closed(ServiceError):
    """The button or message belongs to a phase (or a circle) that is over."""


class ReplyKind(StrEnum):
    """What became of a reply to the circle."""

    noted = "noted"  # a contribution was stored; the phase goes on
    moved = "moved"  # an answer was stored and the circle moved on
    problem = "problem"  # the text was not accepted (too long, a CPR number, not a date)
    must_join = "must_join"  # the person must say yes privately (or join the team) first
    not_your_turn = "not_your_turn"  # others have the word in this phase
    nothing_to_note = "nothing_to_note"  # a spoken phase, or a choice for the facilitator
    old_message = "old_message"  # a reply to an earlier phase's message
    text_only = "text_only"  # a sticker, photo or voice note
    no_circle = "no_circle"  # no circle runs in this chat


@dataclass
class Moment:
    """Where a circle stands, as the group chat shows it."""

    session_id: int
    chat_id: int
    turn: int
    lang: Lang
    title: str
    group_name: str
    prompt: Prompt | None
    facilitator: str
    focus: str
    phase_started_at: datetime | None
    timezone: ZoneInfo
    # How many of the circle's first positions are settings asked before the phases.
    settings: int = 0
    prompt_message_id: int | None = None
    # The message of the position just left, whose buttons no longer apply.
    previous_message_id: int | None = None
    moved: bool = False
    completed: bool = False
    cancelled: bool = False
    problem: Problem | None = None
    summary: str | None = None
    next_steps_saved: int = 0

    @property
    def deadline(self) -> datetime | None:
        """When the current phase's timebox (with any extra minutes) runs out."""
        if self.prompt is None or not self.prompt.timebox_minutes or not self.phase_started_at:
            return None
        return self.phase_started_at + timedelta(minutes=self.prompt.timebox_minutes)

    @property
    def warn_at(self) -> datetime | None:
        """Shortly before the deadline: a minute, or half the timebox when it is shorter."""
        deadline = self.deadline
        if deadline is None or self.prompt is None or self.prompt.timebox_minutes is None:
            return None
        return deadline - min(WARN_BEFORE, timedelta(minutes=self.prompt.timebox_minutes) / 2)


@dataclass
class Reply:
    """The answer to a reply in the group chat."""

    kind: ReplyKind
    moment: Moment | None = None
    problem: Problem | None = None
    link: str | None = None
    lang: Lang = "da"
    # Who may write in this phase (role labels), for a kind "not your turn".
    allowed: list[str] = field(default_factory=list)


def _state(row: DialogueSession) -> SessionState:
    return SessionState.model_validate(row.state)


async def _moment(
    app: App, session: AsyncSession, row: DialogueSession, fmt: Format, result: Result
) -> Moment:
    group = await groups.get(session, row.group_id) if row.group_id is not None else None
    ctx = result.state.ctx
    return Moment(
        session_id=row.id,
        chat_id=row.chat_id or 0,
        turn=row.turn,
        lang=as_lang(row.language),
        title=fmt.title.get(result.state.lang),
        group_name=group.name if group else "",
        prompt=result.prompt,
        facilitator=ctx.get(FACILITATOR_NAME, ""),
        focus=ctx.get(FOCUS_NAME, ""),
        phase_started_at=row.phase_started_at,
        timezone=group_zone(app, group),
        settings=len(result.state.asked_params),
        prompt_message_id=row.prompt_message_id,
        completed=row.status == SessionStatus.completed,
        cancelled=row.status == SessionStatus.cancelled,
        problem=result.problem,
    )


# -- starting ----------------------------------------------------------------------------


async def active(app: App, session: AsyncSession, chat_id: int) -> DialogueSession | None:
    return await repo.active_chat_session(session, chat_id, for_update=not app.db.is_sqlite)


async def start(
    app: App,
    session: AsyncSession,
    *,
    person: Person,
    group_id: int,
    chat_id: int,
    focus_id: int,
) -> Moment:
    """Begin a circle in the team's chat with a focus person; the settings are asked first."""
    group = await require(app, session, person, group_id, Action.run_circle)
    if group.telegram_chat_id != chat_id:
        raise Closed("circle.not_linked")
    if await active(app, session, chat_id) is not None:
        raise ServiceError("circle.already_running")
    focus = await people.get(session, focus_id)
    if (
        focus is None
        or await groups.membership(session, group.id, focus.id) is None
        or not await privacy.has_consented(session, focus)
    ):
        raise NotFound("circle.focus_unknown")
    fmt = app.catalog.get(FORMAT_ID)
    if fmt is None:
        raise NotFound("error.format_unknown")
    lang = as_lang(group.language)
    ctx = StartContext(
        lang=lang,
        actor=str(person.id),
        actor_role="facilitator",
        ctx={
            FOCUS: str(focus.id),
            FOCUS_NAME: focus.display_name,
            FACILITATOR_NAME: person.display_name,
        },
    )
    result = engine.start(fmt, ctx)
    meeting_id = await _meeting_now(app, session, group)
    row = await repo.create_session(
        session,
        format_id=fmt.id,
        format_version=fmt.version,
        snapshot_id=await pin(app, session, fmt),
        language=lang,
        state=result.state.model_dump(mode="json"),
        now=app.now(),
        started_by=person.id,
        group_id=group.id,
        chat_id=chat_id,
        meeting_id=meeting_id,
    )
    moment = await _moment(app, session, row, fmt, result)
    moment.moved = True
    return moment


async def _meeting_now(app: App, session: AsyncSession, group: Group) -> int | None:
    """The team's (or its network's) meeting under way or about to begin, if one is planned.

    Tying the circle to it lets the meeting's summary and participation include the circle.
    """
    now = app.now()
    for group_id in (group.id, group.parent_id):
        if group_id is None:
            continue
        for meeting in await meetings_repo.of_group(session, group_id, ending_after=now):
            if meeting.starts_at <= now + MEETING_LEAD:
                return meeting.id
    return None


async def current(app: App, session: AsyncSession, chat_id: int) -> Moment | None:
    """The running circle's current position in this chat."""
    row = await active(app, session, chat_id)
    if row is None:
        return None
    fmt = await format_of(app, session, row)
    return await _moment(app, session, row, fmt, engine.resume(fmt, _state(row)))


async def set_prompt_message(
    session: AsyncSession, *, session_id: int, turn: int, message_id: int
) -> None:
    """Remember the message people reply to, unless the circle has moved on meanwhile."""
    row = await repo.get_session(session, session_id)
    if row is not None and row.turn == turn and row.status == SessionStatus.active:
        row.prompt_message_id = message_id


# -- what the facilitator presses --------------------------------------------------------


async def _controlled(
    app: App, session: AsyncSession, person: Person | None, session_id: int, turn: int
) -> DialogueSession:
    """The running circle behind a button, when this person may steer it and it is current."""
    row = await repo.get_session(session, session_id, for_update=not app.db.is_sqlite)
    if row is None or row.person_id is not None or row.group_id is None:
        raise Closed("circle.closed")
    if person is None:
        raise ServiceError("circle.only_facilitator")
    await require(app, session, person, row.group_id, Action.run_circle)
    if row.status != SessionStatus.active or row.turn != turn:
        raise Closed("circle.closed")
    return row


async def choose(
    app: App,
    session: AsyncSession,
    *,
    person: Person | None,
    session_id: int,
    turn: int,
    index: int,
) -> Moment:
    """Answer one of the circle's settings (who set the focus, who brings data, ...)."""
    row = await _controlled(app, session, person, session_id, turn)
    fmt = await format_of(app, session, row)
    state = _state(row)
    prompt = engine.resume(fmt, state).prompt
    if prompt is None or prompt.kind != "param" or not 0 <= index < len(prompt.options):
        raise Closed("circle.closed")
    inp = Input(value=prompt.options[index][0], actor=str(row.started_by))
    return await _apply(app, session, row, fmt, engine.answer(fmt, state, inp))


async def advance(
    app: App, session: AsyncSession, *, person: Person | None, session_id: int, turn: int
) -> Moment:
    """Close the current phase (or leave out an optional answer) and show the next."""
    row = await _controlled(app, session, person, session_id, turn)
    fmt = await format_of(app, session, row)
    return await _apply(app, session, row, fmt, engine.advance(fmt, _state(row)))


async def extend(
    app: App, session: AsyncSession, *, person: Person | None, session_id: int, turn: int
) -> Moment:
    """Give the current phase five more minutes."""
    row = await _controlled(app, session, person, session_id, turn)
    fmt = await format_of(app, session, row)
    return await _apply(app, session, row, fmt, engine.extend(fmt, _state(row), EXTEND_MINUTES))


async def stop(
    app: App, session: AsyncSession, *, person: Person | None, session_id: int, turn: int
) -> Moment:
    """End the circle early; what was noted stays stored."""
    row = await _controlled(app, session, person, session_id, turn)
    fmt = await format_of(app, session, row)
    result = engine.cancel(fmt, _state(row))
    row.state = result.state.model_dump(mode="json")
    row.status = SessionStatus.cancelled
    row.updated_at = app.now()
    moment = await _moment(app, session, row, fmt, result)
    moment.previous_message_id = row.prompt_message_id
    return moment


# -- replies in the chat -----------------------------------------------------------------


async def _roles(app: App, session: AsyncSession, row: DialogueSession, person: Person) -> str:
    """The person's position in this circle: focus, facilitator, team, or "" (not in it)."""
    if _state(row).ctx.get(FOCUS) == str(person.id):
        return "focus"
    group = await groups.get(session, row.group_id or 0)
    if group is None:
        return ""
    if await is_admin(app, session, person):
        return "facilitator"
    role = await effective_role(session, person.id, group)
    if role == Role.facilitator:
        return "facilitator"
    member = await groups.membership(session, group.id, person.id)
    return "team" if member is not None else ""


async def reply(
    app: App,
    session: AsyncSession,
    *,
    chat_id: int,
    telegram_id: int,
    text: str | None,
    reply_to: int,
) -> Reply:
    """A reply to one of the bot's messages in the group: a contribution when it fits."""
    row = await active(app, session, chat_id)
    if row is None:
        return Reply(ReplyKind.no_circle)
    lang = as_lang(row.language)
    if row.prompt_message_id != reply_to:
        return Reply(ReplyKind.old_message, lang=lang)
    person = await people.by_telegram_id(session, telegram_id)
    position = ""
    if person is not None and await privacy.has_consented(session, person):
        position = await _roles(app, session, row, person)
    if person is None or not position:
        # Only the link the facilitator turned on for this chat, never a new one.
        link = await chat_link(app, session, row.group_id or 0)
        return Reply(ReplyKind.must_join, link=link, lang=lang)
    if text is None:
        return Reply(ReplyKind.text_only, lang=lang)
    fmt = await format_of(app, session, row)
    state = _state(row)
    prompt = engine.resume(fmt, state).prompt
    if prompt is None or prompt.kind == "param":
        return Reply(ReplyKind.nothing_to_note, lang=lang)
    writers = prompt.contributors if prompt.kind == "phase" else prompt.answered_by
    if not writers:
        return Reply(ReplyKind.nothing_to_note, lang=lang)
    if position not in {r.id for r in writers}:
        names = {"facilitator": state.ctx.get(FACILITATOR_NAME), "focus": state.ctx.get(FOCUS_NAME)}
        allowed = [f"{r.label} ({names[r.id]})" if names.get(r.id) else r.label for r in writers]
        return Reply(ReplyKind.not_your_turn, lang=lang, allowed=allowed)
    person.last_seen_at = app.now()
    group = await groups.get(session, row.group_id or 0)
    today = local_date(app.now(), group_zone(app, group))
    value = _as_date(text, today, lang) if prompt.expects == "date" else text
    inp = Input(value=value, actor=str(person.id), today=today)
    moment = await _apply(app, session, row, fmt, engine.answer(fmt, state, inp))
    if moment.problem is not None:
        return Reply(ReplyKind.problem, moment=moment, problem=moment.problem, lang=lang)
    return Reply(ReplyKind.moved if moment.moved else ReplyKind.noted, moment=moment, lang=lang)


def _as_date(text: str, today: date, lang: str) -> str:
    parsed = parse_date(text, today, lang)
    return parsed.isoformat() if parsed is not None else text


# -- storing what changed ----------------------------------------------------------------


async def _apply(
    app: App, session: AsyncSession, row: DialogueSession, fmt: Format, result: Result
) -> Moment:
    """Store what an engine call changed and describe the circle's new position."""
    if result.problem is not None:
        return await _moment(app, session, row, fmt, result)
    now = app.now()
    before = _state(row).cursor
    for key in result.cleared:
        await circles_repo.clear_step(
            session, session_id=row.id, step_id=key.step_id, item=key.item or ""
        )
    for record in result.recorded:
        author = int(record.actor) if record.actor and record.actor.isdigit() else None
        if author is None:
            continue  # every contribution names its author; a nameless one is not kept
        value = record.value
        await repo.upsert_answer(
            session,
            session_id=row.id,
            person_id=author,
            step_id=record.step_id,
            item=record.item or "",
            value=value if isinstance(value, str | int | list) else value.model_dump(mode="json"),
            visibility=record.visibility.value,
            now=now,
            append=record.seq > 0,
        )
    moved = result.completed or result.state.cursor != before
    previous = row.prompt_message_id
    row.state = result.state.model_dump(mode="json")
    row.updated_at = now
    if moved:
        row.turn += 1
        row.phase_started_at = now
        row.prompt_message_id = None
    saved = 0
    if result.completed and result.outcome is not None:
        row.status = SessionStatus.completed
        row.completed_at = now
        for step in result.outcome.next_steps:
            if step.actor is None or not step.actor.isdigit():
                continue
            await save_next_step(session, row=row, step=step, person_id=int(step.actor), now=now)
            saved += 1
    moment = await _moment(app, session, row, fmt, result)
    moment.moved = moved
    moment.next_steps_saved = saved
    if moved:
        moment.previous_message_id = previous
    if moment.completed:
        moment.summary = render_session_summary(
            fmt, result.state, moment.lang, levels=SHARED_IN_CHAT
        )
    return moment


# -- the timebox warning -----------------------------------------------------------------


async def running(app: App, session: AsyncSession) -> list[Moment]:
    """Every circle still running, so warnings can be planned again after a restart."""
    moments = []
    for row in await circles_repo.running(session):
        fmt = await format_of(app, session, row)
        moments.append(await _moment(app, session, row, fmt, engine.resume(fmt, _state(row))))
    return moments


async def due_warning(
    app: App, session: AsyncSession, *, session_id: int, turn: int
) -> Moment | None:
    """The moment to warn about, once per phase and timebox, when the time has come."""
    row = await repo.get_session(session, session_id, for_update=not app.db.is_sqlite)
    if row is None or row.status != SessionStatus.active or row.turn != turn:
        return None
    fmt = await format_of(app, session, row)
    state = _state(row)
    moment = await _moment(app, session, row, fmt, engine.resume(fmt, state))
    warn_at = moment.warn_at
    if warn_at is None or moment.prompt is None or app.now() < warn_at:
        return None
    marker = f"{turn}:{moment.prompt.timebox_minutes}"
    if state.ctx.get(WARNED) == marker:
        return None
    updated = state.model_copy(update={"ctx": {**state.ctx, WARNED: marker}})
    row.state = updated.model_dump(mode="json")
    return moment


async def moved_chat(session: AsyncSession, old_chat_id: int, new_chat_id: int) -> None:
    """Keep the team's link and its running circle when the chat becomes a supergroup."""
    await groups.migrate_chat(session, old_chat_id, new_chat_id)
    await circles_repo.move_chat(session, old_chat_id, new_chat_id)


# -- sharing with the leaders -----------------------------------------------------------


@dataclass(frozen=True)
class Shared:
    """The focus person's choice about the leaders, once made."""

    session_id: int
    lang: Lang
    with_leaders: bool
    focus: str  # the focus person's name, for the message in the chat
    changed: int  # answers and next steps whose visibility changed


async def share_with_leaders(
    app: App, session: AsyncSession, *, person: Person, session_id: int, share: bool
) -> Shared:
    """Let the leaders see the focus person's learning focus and next step from a finished
    circle (`share`), or keep them with the team again.

    Only the focus person decides: the words are theirs. It is asked when the circle ends,
    never before, so the team talks freely first; a team-only answer becomes readable by
    the leaders only through this explicit choice.
    """
    row = await session.get(DialogueSession, session_id)
    if (
        row is None
        or row.person_id is not None
        or row.format_id != FORMAT_ID
        or row.status != SessionStatus.completed
    ):
        raise Closed("circle.share_closed")
    state = _state(row)
    if state.ctx.get(FOCUS) != str(person.id):
        raise Denied("circle.share_only_focus", focus=state.ctx.get(FOCUS_NAME, ""))
    level = Visibility.leaders if share else Visibility.team
    changed = await circles_repo.set_author_visibility(
        session,
        session_id=row.id,
        person_id=person.id,
        step_ids=SHAREABLE_STEPS,
        visibility=level.value,
    )
    changed += await circles_repo.set_step_visibility(
        session, session_id=row.id, step_ids=SHARED_ALONG, visibility=level.value
    )
    person.last_seen_at = app.now()
    return Shared(
        session_id=row.id,
        lang=as_lang(row.language),
        with_leaders=share,
        focus=state.ctx.get(FOCUS_NAME, ""),
        changed=changed,
    )
