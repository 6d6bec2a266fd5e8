"""Reflecting in private: start a format, answer, go back, skip, cancel, resume.

Every answer is committed before the reply is built, so what someone wrote is never lost,
whatever happens to the message that follows. A session pins the format definition it
started on (stored as a snapshot), so editing a format file never breaks a running session.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from enum import Enum
from typing import Any, Literal
from zoneinfo import ZoneInfo

from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from bot.app import App
from bot.scheduling.dates import parse_date
from bot.scheduling.zones import local_date
from bot.services.access import Action, require
from bot.services.errors import NotFound, ServiceError
from bot.services.outcomes import save_next_step
from bot.services.playback import Played, played
from bot.services.zones import person_zone, zone
from dialogues import engine
from dialogues.problems import Problem, ProblemCode
from dialogues.prompts import expects_now
from dialogues.schema import SITUATIONS, Format, Situation
from dialogues.state import AnswerRecord, Input, Prompt, Result, SessionState, StartContext
from dialogues.visibility import Visibility
from storage.enums import SessionStatus
from storage.models import DialogueSession, Group, Person
from storage.repositories import dialogues as repo
from storage.repositories import groups as groups_repo
from storage.repositories import typed_answers


@dataclass
class Shown:
    """A moment in a reflection, as every channel needs it."""

    session_id: int
    turn: int
    lang: str
    title: str
    prompt: Prompt | None
    problem: Problem | None = None
    completed: bool = False
    next_steps_saved: int = 0
    # Who will see the answer to the current step, once the person chose otherwise.
    visibility: Visibility | None = None
    # A finished reflection read back to its author (empty until it is finished).
    playback: list[Played] = field(default_factory=list)
    # The prompts a form asks together from the current one on (filled by `ahead`).
    ahead: list[Prompt] = field(default_factory=list)


def individual_formats(app: App) -> list[Format]:
    return [f for f in app.catalog if f.audience == "individual"]


def menu(app: App) -> list[tuple[Situation, list[Format]]]:
    """Every format by situation, in the menu's order (a group's format too: choosing it
    says where it runs)."""
    return [
        (situation, found)
        for situation in SITUATIONS
        if (found := [f for f in app.catalog if f.situation == situation])
    ]


def _snapshots(app: App) -> dict[int, Format]:
    return app.extras.setdefault("snapshots", {})  # type: ignore[return-value]


async def _format(app: App, connection: AsyncConnection, snapshot_id: int) -> Format | None:
    """The exact definition a session started on, read once per process and snapshot."""
    found = _snapshots(app).get(snapshot_id)
    if found is None:
        stored = await repo.snapshot_definition(connection, snapshot_id)
        if stored is None:
            return None
        found = _snapshots(app).setdefault(snapshot_id, Format.model_validate(stored))
    return found


async def format_of(app: App, session: AsyncSession, row: DialogueSession) -> Format:
    """The exact definition a session started on (cached per snapshot)."""
    found = await _format(app, await session.connection(), row.snapshot_id)
    if found is None:
        raise NotFound("error.format_unknown")
    return found


async def pin(app: App, session: AsyncSession, fmt: Format) -> int:
    """The id of the stored snapshot of this format definition.

    Only ids of committed rows are kept for the process: a snapshot stored in this
    transaction is gone again if the transaction rolls back (a retry, a clash).
    """
    pins: dict[str, int] = app.extras.setdefault("pins", {})  # type: ignore[assignment]
    fingerprint = fmt.fingerprint()
    found = pins.get(fingerprint)
    if found is None:
        found = await repo.stored_snapshot(session, fingerprint)
        if found is not None:
            pins[fingerprint] = found
            return found
        return await repo.snapshot_id(
            session,
            format_id=fmt.id,
            version=fmt.version,
            fingerprint=fingerprint,
            definition=fmt.model_dump(mode="json"),
            now=app.now(),
        )
    return found


def _value_json(record: AnswerRecord) -> Any:
    value = record.value
    return value if isinstance(value, str | int | list) else value.model_dump(mode="json")


@dataclass(frozen=True)
class OneWrite:
    """An engine step small enough for the one guarded statement of
    `typed_answers.step`: at most one first answer, nothing cleared, no scores or next
    steps to store."""

    answer: typed_answers.Stored | None
    completes: bool


def one_write(result: Result) -> OneWrite | None:
    """The step as one guarded statement, or None when it needs the unit of work.

    Both ways store the same rows (`_apply` is the general way);
    `tests/bot/test_answer_paths.py` checks that for any sequence of inputs.
    """
    if result.problem is not None or result.cleared:
        return None
    outcome = result.outcome if result.completed else None
    if outcome is not None and (outcome.scores or outcome.next_steps):
        return None
    if len(result.recorded) > 1 or any(r.seq for r in result.recorded):
        return None
    record = result.recorded[0] if result.recorded else None
    answer = (
        None
        if record is None
        else typed_answers.Stored(
            step_id=record.step_id,
            item=record.item or "",
            value=_value_json(record),
            visibility=record.visibility.value,
        )
    )
    return OneWrite(answer=answer, completes=outcome is not None)


async def _apply(
    app: App,
    session: AsyncSession,
    row: DialogueSession,
    fmt: Format,
    result: Result,
    *,
    person: Person,
) -> Shown:
    """Store what an engine call changed, then describe the new moment."""
    now = app.now()
    if result.problem is not None:
        return _shown(row, fmt, result)
    for key in result.cleared:
        await repo.clear_answer(
            session,
            session_id=row.id,
            person_id=person.id,
            step_id=key.step_id,
            item=key.item or "",
        )
    for record in result.recorded:
        await repo.upsert_answer(
            session,
            session_id=row.id,
            person_id=person.id,
            step_id=record.step_id,
            item=record.item or "",
            value=_value_json(record),
            visibility=record.visibility.value,
            now=now,
            append=record.seq > 0,
        )
    changes: dict[str, Any] = {
        "state": result.state.model_dump(mode="json"),
        "turn": row.turn + 1,
        "updated_at": now,
        "pending_visibility": None,
    }
    outcome = result.outcome if result.completed else None
    if outcome is not None:
        changes.update(status=SessionStatus.completed, completed_at=now)
    await repo.move_session(session, row, **changes)
    saved = 0
    if outcome is not None:
        await repo.set_scores(session, row.id, outcome.scores)
        for step in outcome.next_steps:
            await save_next_step(session, row=row, step=step, person_id=person.id, now=now)
            saved += 1
    shown = _shown(row, fmt, result)
    shown.next_steps_saved = saved
    return shown


def _shown(row: DialogueSession, fmt: Format, result: Result) -> Shown:
    return Shown(
        session_id=row.id,
        turn=row.turn,
        lang=row.language,
        title=fmt.title.get(result.state.lang),
        prompt=result.prompt,
        problem=result.problem,
        completed=result.completed,
        visibility=Visibility(row.pending_visibility) if row.pending_visibility else None,
        playback=_playback(fmt, result),
    )


def _playback(fmt: Format, result: Result) -> list[Played]:
    """The person's answers read back, once the reflection is finished (individual formats:
    a group's run is read back in its group)."""
    if not result.completed or fmt.audience != "individual":
        return []
    return played(fmt, result.state, result.state.lang)


async def start(
    app: App,
    session: AsyncSession,
    *,
    person: Person,
    format_id: str,
    group_id: int,
    params: dict[str, str] | None = None,
    context: dict[str, str] | None = None,
    meeting_id: int | None = None,
    followup_id: int | None = None,
) -> Shown:
    """Start a private reflection in a group the person belongs to."""
    group: Group = await require(app, session, person, group_id, Action.reflect)
    fmt = app.catalog.get(format_id)
    if fmt is None:
        raise NotFound("error.format_unknown")
    if fmt.audience != "individual":
        raise ServiceError("error.format_not_individual")
    await repo.cancel_active_private(session, person.id, app.now())
    role = await groups_repo.membership(session, group.id, person.id)
    ctx = StartContext(
        lang="en" if person.language == "en" else "da",
        params=params or {},
        actor=str(person.id),
        actor_role=role.role.value if role else None,
        ctx=context or {},
    )
    result = engine.start(fmt, ctx)
    row = await repo.create_session(
        session,
        format_id=fmt.id,
        format_version=fmt.version,
        snapshot_id=await pin(app, session, fmt),
        language=ctx.lang,
        state=result.state.model_dump(mode="json"),
        now=app.now(),
        person_id=person.id,
        started_by=person.id,
        group_id=group.id,
        meeting_id=meeting_id,
        followup_id=followup_id,
    )
    return await _apply(app, session, row, fmt, result, person=person)


class Unread(Enum):
    """Marks that the caller has not read the person's active session yet."""

    UNREAD = 0


UNREAD = Unread.UNREAD
# What a caller already read with `people.arrival` in this transaction, or UNREAD.
Known = DialogueSession | None | Literal[Unread.UNREAD]


async def active(
    app: App, session: AsyncSession, person: Person, known: Known = UNREAD
) -> DialogueSession | None:
    """The person's active private reflection.

    Not locked: every change is written with `repo.move_session`, which refuses when the
    session moved on since it was read, and the unit of work then runs again.
    """
    if known is not UNREAD:
        if known is not None and known.person_id != person.id:
            raise ValueError("a session read for someone else")
        return known
    return await repo.active_private_session(session, person.id)


def _state(row: DialogueSession) -> SessionState:
    return SessionState.model_validate(row.state)


@dataclass
class Turn:
    """The person's active reflection as one input finds it."""

    row: DialogueSession
    fmt: Format
    state: SessionState
    # A button from an earlier step: the question is closed, this shows the current one.
    stale: Shown | None = None

    def resumed(self) -> Shown:
        return _shown(self.row, self.fmt, engine.resume(self.fmt, self.state))


async def load_turn(
    app: App,
    session: AsyncSession,
    person: Person,
    *,
    pressed: int | None = None,
    known: Known = UNREAD,
) -> Turn:
    """Read the active reflection, its format and state; `pressed` is the turn a button
    was made for (None for typed text and commands)."""
    row = await active(app, session, person, known)
    if row is None:
        raise ServiceError("reflect.no_active")
    fmt = await format_of(app, session, row)
    found = Turn(row=row, fmt=fmt, state=_state(row))
    if pressed is not None and pressed != row.turn:
        found.stale = found.resumed()
        found.stale.problem = Problem(code=ProblemCode.closed)
    return found


async def resume(app: App, session: AsyncSession, person: Person) -> Shown | None:
    """The current moment of the person's active reflection, if any."""
    row = await active(app, session, person)
    if row is None:
        return None
    fmt = await format_of(app, session, row)
    return _shown(row, fmt, engine.resume(fmt, _state(row)))


def _input(
    app: App,
    fmt: Format,
    state: SessionState,
    value: str | int | list[str] | None,
    *,
    zone: ZoneInfo,
    lang: str,
    visibility: str | None,
    actor: int,
) -> Input:
    """The engine's input; Danish or English date text becomes an ISO date first."""
    today = local_date(app.now(), zone)
    if expects_now(fmt, state) == "date" and isinstance(value, str):
        parsed = parse_date(value, today, lang)
        if parsed is not None:
            value = parsed.isoformat()
    return Input(value=value, visibility=visibility, actor=str(actor), today=today)


async def answer(
    app: App,
    session: AsyncSession,
    *,
    person: Person,
    value: str | int | list[str] | None,
    turn: int | None = None,
    option_index: int | None = None,
    known: Known = UNREAD,
) -> Shown:
    """Answer the current step (typed text, or a button with its turn and option)."""
    at = await load_turn(app, session, person, pressed=turn, known=known)
    if at.stale is not None:
        return at.stale
    fmt, state = at.fmt, at.state
    if option_index is not None:
        # A button names its option by position in the prompt the person saw.
        current = engine.resume(fmt, state).prompt
        options = current.options if current else []
        if current is not None and current.scale is not None:
            value = str(option_index)
        elif 0 <= option_index < len(options):
            value = options[option_index][0]
        else:
            value = None
    inp = _input(
        app,
        fmt,
        state,
        value,
        zone=person_zone(app, person),
        lang=person.language,
        visibility=at.row.pending_visibility,
        actor=person.id,
    )
    return await _apply(app, session, at.row, fmt, engine.answer(fmt, state, inp), person=person)


async def answer_typed(
    app: App,
    *,
    telegram_id: int,
    text: str,
    update_id: int,
    min_version: int,
    seen_within: timedelta,
) -> Shown | None:
    """The everyday case, a typed answer to the current step, in one read and one write.

    None when anything about the message needs more than that: no consented person or
    active reflection, typing a feature waits for, a problem with the answer, answers to
    clear, scores or next steps to store, a change the person must be told about, or a
    session that moved on since it was read. The caller then takes the full path (`answer`
    in one unit of work), which finds out which it was; nothing has been written.
    """
    now = app.now()
    try:
        async with app.db.guarded() as connection:
            current = await typed_answers.read(
                connection, telegram_id=telegram_id, min_version=min_version, now=now
            )
            if current is None or current.awaiting or now - current.last_seen_at > seen_within:
                return None
            fmt = await _format(app, connection, current.snapshot_id)
            if fmt is None:
                return None
            state = SessionState.model_validate(current.state)
            inp = _input(
                app,
                fmt,
                state,
                text,
                zone=zone(app, current.timezone),
                lang=current.language,
                visibility=current.pending_visibility,
                actor=current.person_id,
            )
            result = engine.answer(fmt, state, inp)
            write = one_write(result)
            if write is None:
                return None
            moved = await typed_answers.step(
                connection,
                current,
                update_id=update_id,
                state=result.state.model_dump(mode="json"),
                answer=write.answer,
                now=now,
                completes=write.completes,
            )
    except (OperationalError, DBAPIError) as exc:
        if not app.db.is_transient(exc):
            raise
        return None  # the full path retries
    if not moved:
        return None
    return Shown(
        session_id=current.session_id,
        turn=current.turn + 1,
        lang=current.session_language,
        title=fmt.title.get(result.state.lang),
        prompt=result.prompt,
        completed=result.completed,
        playback=_playback(fmt, result),
    )


async def _step(
    app: App,
    session: AsyncSession,
    move: Callable[[Format, SessionState], Result],
    *,
    person: Person,
    turn: int | None,
    known: Known,
) -> Shown:
    """Apply an engine move that needs no input, unless the button was from an older turn."""
    at = await load_turn(app, session, person, pressed=turn, known=known)
    return at.stale or await _apply(
        app, session, at.row, at.fmt, move(at.fmt, at.state), person=person
    )


async def back(
    app: App, session: AsyncSession, *, person: Person, turn: int | None, known: Known = UNREAD
) -> Shown:
    return await _step(app, session, engine.back, person=person, turn=turn, known=known)


async def back_page(
    app: App, session: AsyncSession, *, person: Person, turn: int | None, known: Known = UNREAD
) -> Shown:
    """Go back to the first step of the page before: the steps asked together with the
    previous one (see `ahead`)."""
    return await _step(app, session, engine.back_stretch, person=person, turn=turn, known=known)


async def keep(
    app: App, session: AsyncSession, *, person: Person, turn: int | None, known: Known = UNREAD
) -> Shown:
    """Keep the answer given before (after going back) and move on."""
    return await _step(app, session, engine.advance, person=person, turn=turn, known=known)


async def skip(
    app: App, session: AsyncSession, *, person: Person, turn: int | None, known: Known = UNREAD
) -> Shown:
    return await _step(app, session, engine.skip, person=person, turn=turn, known=known)


async def choose_visibility(
    app: App,
    session: AsyncSession,
    *,
    person: Person,
    turn: int | None,
    level: str,
    known: Known = UNREAD,
) -> Shown:
    """Remember who should see the answer to the current step."""
    at = await load_turn(app, session, person, pressed=turn, known=known)
    if at.stale is not None:
        return at.stale
    shown = at.resumed()
    prompt = shown.prompt
    if prompt is None or level not in {v.value for v in prompt.visibility_choices}:
        shown.problem = Problem(code=ProblemCode.not_allowed_visibility)
        return shown
    await repo.move_session(session, at.row, pending_visibility=level)
    shown.visibility = Visibility(level)
    return shown


async def current(
    app: App, session: AsyncSession, *, person: Person, turn: int | None, known: Known = UNREAD
) -> Shown:
    """The current moment, or a stale-button answer when `turn` is old."""
    at = await load_turn(app, session, person, pressed=turn, known=known)
    return at.stale or at.resumed()


async def ahead(
    app: App, session: AsyncSession, *, person: Person, turn: int | None, known: Known = UNREAD
) -> Shown:
    """The current moment, as `current` gives it, with the prompts of every step that can
    be asked with it before any of them is answered: up to and including the next step
    whose answer decides which steps follow, or to the end."""
    at = await load_turn(app, session, person, pressed=turn, known=known)
    shown = at.stale or at.resumed()
    shown.ahead = engine.ahead(at.fmt, at.state)
    return shown


async def answer_mask(
    app: App,
    session: AsyncSession,
    *,
    person: Person,
    turn: int,
    mask: int,
    known: Known = UNREAD,
) -> Shown:
    """Answer a multiple choice with the options whose bits are set in `mask`."""
    at = await load_turn(app, session, person, pressed=turn, known=known)
    if at.stale is not None:
        return at.stale
    prompt = engine.resume(at.fmt, at.state).prompt
    options = prompt.options if prompt else []
    chosen = [value for index, (value, _) in enumerate(options) if mask & (1 << index)]
    return await answer(app, session, person=person, value=chosen, turn=turn, known=at.row)


async def cancel(app: App, session: AsyncSession, *, person: Person) -> bool:
    """Stop the active reflection; what was answered stays stored."""
    return await repo.cancel_active_private(session, person.id, app.now()) > 0
