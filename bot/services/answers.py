"""People in control of their answers: list, open, edit, narrow and withdraw them.

The answers table is what every summary, digest and follow-up reads, fresh each time, so
a change here shows everywhere at once. Frozen aggregates, computed when a round closed,
stay as they are (they name nobody and cannot be traced back). A withdrawn answer keeps
no words: its text is cleared, its next step deleted, and its score taken out of the
session's scores that later rounds count.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import App
from bot.i18n import as_lang
from bot.services import playback
from bot.services.errors import NotFound, ServiceError
from bot.services.reflection import format_of
from dialogues.inputs import check_text
from dialogues.problems import Problem
from dialogues.schema import (
    Format,
    NextStepStep,
    ScaleStep,
    TextStep,
)
from dialogues.scoring import index_scores
from dialogues.state import SessionState
from dialogues.text import Lang
from dialogues.visibility import TEXT_LADDER, Visibility
from storage.db import erase_after_commit
from storage.enums import SessionStatus
from storage.models import Answer, DialogueSession, NextStep, Person
from storage.repositories import answers as repo
from storage.repositories import dialogues as dialogues_repo
from storage.repositories import groups as groups_repo

PAGE_SIZE = 6
PREVIEW = 160  # characters of an answer shown in the list of a reflection's answers


@dataclass(frozen=True)
class Listed:
    """One reflection in the list."""

    session_id: int
    title: str
    group: str | None
    started_at: datetime
    answers: int


@dataclass(frozen=True)
class Page:
    items: list[Listed]
    page: int
    pages: int
    total: int


@dataclass(frozen=True)
class MyAnswer:
    """One answer as its author sees it, with what they may still do with it."""

    id: int
    session_id: int
    question: str
    text: str
    visibility: Visibility
    withdrawn_at: datetime | None
    editable: bool
    narrower: list[Visibility]
    about_pupils: bool


@dataclass(frozen=True)
class Opened:
    session_id: int
    title: str
    group: str | None
    started_at: datetime
    answers: list[MyAnswer]


# -- reading --------------------------------------------------------------------------


async def reflections(app: App, session: AsyncSession, person: Person, page: int) -> Page:
    """The person's reflections, newest first, one page at a time (pages count from 0)."""
    total = await repo.count_reflections(session, person.id)
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(page, 0), pages - 1)
    rows = await repo.reflections_page(session, person.id, offset=page * PAGE_SIZE, limit=PAGE_SIZE)
    counts = await repo.answer_counts(session, [r.id for r in rows])
    items = [
        Listed(
            session_id=row.id,
            title=await _title(app, session, row, person.language),
            group=await _group_name(session, row),
            started_at=row.started_at,
            answers=counts.get(row.id, 0),
        )
        for row in rows
    ]
    return Page(items=items, page=page, pages=pages, total=total)


async def open_reflection(
    app: App, session: AsyncSession, person: Person, session_id: int
) -> Opened:
    """One reflection with every answer the person gave in it."""
    row = await repo.own_reflection(session, person.id, session_id)
    if row is None:
        raise NotFound("mine.gone")
    fmt = await _format(app, session, row)
    answers = [
        _describe(fmt, answer, person.language)
        for answer in await repo.answers_in(session, row.id, person.id)
    ]
    return Opened(
        session_id=row.id,
        title=await _title(app, session, row, person.language),
        group=await _group_name(session, row),
        started_at=row.started_at,
        answers=answers,
    )


async def so_far(app: App, session: AsyncSession, person: Person) -> list[MyAnswer]:
    """What the person has answered so far in their active reflection (a form shows it)."""
    row = await dialogues_repo.active_private_session(session, person.id)
    if row is None:
        return []
    fmt = await _format(app, session, row)
    return [
        _describe(fmt, found, person.language)
        for found in await repo.answers_in(session, row.id, person.id)
    ]


async def answer(app: App, session: AsyncSession, person: Person, answer_id: int) -> MyAnswer:
    found, row = await _own(app, session, person, answer_id)
    return _describe(await _format(app, session, row), found, person.language)


# -- changing -------------------------------------------------------------------------


async def edit(
    app: App, session: AsyncSession, person: Person, answer_id: int, text: str
) -> MyAnswer | Problem:
    """Replace the words of a text answer or of a next step; a Problem says what is wrong."""
    found, row = await _own(app, session, person, answer_id, for_update=True)
    _not_withdrawn(found)
    fmt = await _format(app, session, row)
    step = _step(fmt, found)
    now = app.now()
    if isinstance(step, TextStep) and isinstance(found.value, str):
        checked = check_text(text, step.min_length, step.max_length)
        if isinstance(checked, Problem):
            return checked
        value: Any = checked
    elif isinstance(step, NextStepStep) and isinstance(found.value, dict):
        checked = check_text(text, 1, step.max_length)
        if isinstance(checked, Problem):
            return checked
        old = str(found.value.get("what", ""))
        value = {**found.value, "what": checked}
        for next_step in await _next_steps(session, row, person, old):
            await repo.change_next_step(session, next_step, now=now, what=checked)
    else:
        raise ServiceError("mine.not_editable")
    await repo.change_answer(session, found, now=now, value=value)
    _update_state(row, found, {"value": value})
    return _describe(fmt, found, person.language)


async def narrow(
    app: App, session: AsyncSession, person: Person, answer_id: int, level: Visibility
) -> MyAnswer:
    """Let fewer people see an answer (never more)."""
    found, row = await _own(app, session, person, answer_id, for_update=True)
    _not_withdrawn(found)
    if level not in narrower_levels(Visibility(found.visibility)):
        raise ServiceError("mine.not_narrower")
    now = app.now()
    await repo.change_answer(session, found, now=now, visibility=level.value)
    _update_state(row, found, {"visibility": level.value})
    if isinstance(found.value, dict):
        old = str(found.value.get("what", ""))
        for next_step in await _next_steps(session, row, person, old):
            if Visibility(next_step.visibility) in (*narrower_levels(level), level):
                continue  # already as private as asked, or more
            await repo.change_next_step(session, next_step, now=now, visibility=level.value)
    return _describe(await _format(app, session, row), found, person.language)


async def withdraw(app: App, session: AsyncSession, person: Person, answer_id: int) -> MyAnswer:
    """Take an answer back: its words are cleared and it no longer shows or counts anywhere.

    Totals frozen when a round closed stay as they were.
    """
    found, row = await _own(app, session, person, answer_id, for_update=True)
    _not_withdrawn(found)
    fmt = await _format(app, session, row)
    if isinstance(found.value, dict):
        old = str(found.value.get("what", ""))
        steps = await _next_steps(session, row, person, old)
        await repo.delete_next_steps(session, [s.id for s in steps])
    await repo.change_answer(session, found, now=app.now(), withdrawn=True)
    _update_state(row, found, None)
    erase_after_commit(session)
    scored = isinstance(_step(fmt, found), ScaleStep)
    if fmt is not None and scored and row.status == SessionStatus.completed:
        # Later rounds count the session's scores: recompute them without this answer.
        remaining = SessionState.model_validate(row.state).answers
        await dialogues_repo.set_scores(session, row.id, index_scores(fmt, remaining))
    return _describe(fmt, found, person.language)


def narrower_levels(current: Visibility) -> list[Visibility]:
    """Levels that show an answer to fewer people than `current`, most private first.

    `aggregate` is left out: it shows no text at all, and a text answer is not a number.
    """
    if current not in TEXT_LADDER:
        return []
    return list(TEXT_LADDER[: TEXT_LADDER.index(current)])


# -- helpers --------------------------------------------------------------------------


async def _own(
    app: App, session: AsyncSession, person: Person, answer_id: int, *, for_update: bool = False
) -> tuple[Answer, DialogueSession]:
    found = await repo.own_answer(
        session, person.id, answer_id, for_update=for_update and not app.db.is_sqlite
    )
    if found is None:
        raise NotFound("mine.gone")
    return found


def _not_withdrawn(found: Answer) -> None:
    if found.withdrawn_at is not None:
        raise ServiceError("mine.already_withdrawn")


async def _format(app: App, session: AsyncSession, row: DialogueSession) -> Format | None:
    try:
        return await format_of(app, session, row)
    except NotFound:
        return None


async def _title(app: App, session: AsyncSession, row: DialogueSession, lang: str) -> str:
    fmt = await _format(app, session, row)
    return fmt.title.get(as_lang(lang)) if fmt is not None else row.format_id


async def _group_name(session: AsyncSession, row: DialogueSession) -> str | None:
    if row.group_id is None:
        return None
    group = await groups_repo.get(session, row.group_id)
    return group.name if group is not None else None


def _step(fmt: Format | None, found: Answer) -> Any:
    return playback.step_of(fmt, found.step_id)


async def _next_steps(
    session: AsyncSession, row: DialogueSession, person: Person, what: str
) -> list[NextStep]:
    """The next steps stored from this answer: the same words, else the session's only one."""
    steps = list(await repo.next_steps_of_session(session, row.id, person.id))
    same = [s for s in steps if s.what == what]
    return same or (steps if len(steps) == 1 else [])


def _update_state(row: DialogueSession, found: Answer, changes: dict[str, Any] | None) -> None:
    """Keep the session's own copy of the answer in step; None removes it."""
    state = dict(row.state)
    kept: list[Any] = []
    for record in state.get("answers", []):
        same = (
            isinstance(record, dict)
            and record.get("step_id") == found.step_id
            and (record.get("item") or "") == found.item
            and int(record.get("seq") or 0) == found.seq
        )
        if not same:
            kept.append(record)
        elif changes is not None:
            kept.append({**record, **changes})
    row.state = {**state, "answers": kept}


def _question(fmt: Format | None, found: Answer, lang: Lang) -> str:
    return playback.question(fmt, found.step_id, found.item, lang)


def _shown(fmt: Format | None, found: Answer, lang: Lang) -> str:
    """The answer as words in the person's language."""
    if found.withdrawn_at is not None:
        return ""
    return playback.words(fmt, found.step_id, found.value, lang)


def _describe(fmt: Format | None, found: Answer, lang_code: str) -> MyAnswer:
    lang = as_lang(lang_code)
    step = _step(fmt, found)
    level = Visibility(found.visibility)
    withdrawn = found.withdrawn_at is not None
    editable = isinstance(step, TextStep) and isinstance(found.value, str)
    editable = editable or (isinstance(step, NextStepStep) and isinstance(found.value, dict))
    return MyAnswer(
        id=found.id,
        session_id=found.session_id,
        question=_question(fmt, found, lang),
        text=_shown(fmt, found, lang),
        visibility=level,
        withdrawn_at=found.withdrawn_at,
        editable=editable and not withdrawn,
        narrower=[] if withdrawn else narrower_levels(level),
        about_pupils=bool(step is not None and step.about_pupils),
    )


def preview(text: str, limit: int = PREVIEW) -> str:
    """The start of a long answer, for a list."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"
