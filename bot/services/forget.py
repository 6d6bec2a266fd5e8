"""Forgetting a person: their answers, next steps, memberships, messages and consent.

What stays, and why: frozen aggregates (anonymous totals computed when a round closed over
at least REFLEKS_ANONYMITY_MIN people; they hold no reference to anyone and cannot be
traced back), the groups, meetings and invites the person created (they belong to the
group; the link to the person is cleared), learning circles they took part in (without
their contributions), and whatever is in their own Telegram chat history, which only they
can delete.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import App
from bot.services.reflection import format_of
from storage.db import erase_after_commit
from storage.enums import OutboxStatus
from storage.models import DialogueSession, Person
from storage.repositories import groups, people
from storage.repositories import privacy as repo

# Answers to these kinds of step are option values from the format, not the person's
# words: in a group's run they stay (without the person's id) so the run can go on.
_OPTION_KINDS = frozenset({"choice", "multi_choice"})
_GONE = ""
# Steps whose answers are the person's own words, which a group message might quote.
_WRITTEN_KINDS = frozenset({"text", "next_step", "phase"})


@dataclass(frozen=True)
class Forgotten:
    """What was deleted (or would be), and what stays."""

    answers: int = 0
    reflections: int = 0
    next_steps: int = 0
    memberships: int = 0
    messages: int = 0
    consents: int = 0
    aggregates_kept: int = 0
    sole_facilitator_of: list[str] = field(default_factory=list)


def _texts(values: list[Any]) -> set[str]:
    """Every piece of text inside stored answer values (strings, lists, next-step parts)."""
    found: set[str] = set()
    stack = list(values)
    while stack:
        value = stack.pop()
        if isinstance(value, str):
            if value.strip():
                found.add(value)
        elif isinstance(value, list):
            stack.extend(value)
        elif isinstance(value, dict):
            stack.extend(value.values())
    return found


def scrub_state(state: dict[str, Any], person_id: int, names: set[str]) -> dict[str, Any]:
    """A group run's JSON state without the person: their words gone, their id unlinked."""
    pid = str(person_id)
    cleaned = dict(state)
    answers: list[Any] = []
    for record in state.get("answers", []):
        if not isinstance(record, dict) or record.get("actor") != pid:
            answers.append(record)
        elif record.get("kind") in _OPTION_KINDS:
            answers.append({**record, "actor": None})
    cleaned["answers"] = answers
    if cleaned.get("actor") == pid:
        cleaned["actor"] = None
    ctx = state.get("ctx")
    if isinstance(ctx, dict):
        cleaned["ctx"] = {
            key: _GONE if value == pid or value in names else value for key, value in ctx.items()
        }
    return cleaned


async def preview(app: App, session: AsyncSession, person: Person) -> Forgotten:
    """What /forget would delete, for the confirmation question."""
    answers = await repo.answers_with_sessions(session, person.id)
    memberships = await groups.memberships_of(session, person.id, archived=True)
    group_ids = [g.id for _, g in memberships]
    sole = await repo.sole_facilitator_groups(session, person.id)
    return Forgotten(
        answers=len(answers),
        reflections=len(await repo.sessions_of(session, person.id)),
        next_steps=len(await repo.next_steps_of(session, person.id)),
        memberships=len(memberships),
        messages=len(
            [
                m
                for m in await repo.outbox_of(session, person.id, person.telegram_id)
                if m.status == OutboxStatus.pending
            ]
        ),
        consents=len(await repo.consents_of(session, person.id)),
        aggregates_kept=await repo.aggregates_in(session, group_ids),
        sole_facilitator_of=[g.name for g in sole],
    )


async def forget(app: App, session: AsyncSession, person: Person) -> Forgotten:
    """Delete everything about the person; group-owned rows keep no trace of them."""
    summary = await preview(app, session, person)
    texts = await _written(app, session, person)
    texts |= _texts([s.what for s in await repo.next_steps_of(session, person.id)])
    texts |= _texts([s.how_shared for s in await repo.next_steps_of(session, person.id)])
    names = {person.display_name} if person.display_name.strip() else set()
    for run in await repo.group_sessions_touched_by(session, person.id):
        _scrub_run(run, person.id, names)
    group_ids = [g.id for _, g in await groups.memberships_of(session, person.id, archived=True)]
    own = await repo.outbox_of(session, person.id, person.telegram_id)
    quoting = [
        m for m in await repo.group_outbox(session, group_ids) if _quotes(m.payload, texts | names)
    ]
    # A pending group message that quotes them is not sent; a sent one keeps no text.
    await repo.delete_outbox(
        session,
        [m.id for m in own] + [m.id for m in quoting if m.status == OutboxStatus.pending],
    )
    for message in quoting:
        if message.status != OutboxStatus.pending:
            message.payload = {}
    await repo.delete_person(session, person)
    erase_after_commit(session)
    return summary


async def _written(app: App, session: AsyncSession, person: Person) -> set[str]:
    """What the person wrote in their own words (not option values picked from a format)."""
    values: list[Any] = []
    for answer, run in await repo.answers_with_sessions(session, person.id):
        fmt = await format_of(app, session, run)
        if not fmt.has_step(answer.step_id) or fmt.step(answer.step_id).kind in _WRITTEN_KINDS:
            values.append(answer.value)
    return _texts(values)


def _scrub_run(run: DialogueSession, person_id: int, names: set[str]) -> None:
    run.state = scrub_state(run.state, person_id, names)
    if run.started_by == person_id:
        run.started_by = None


def _quotes(payload: dict[str, Any], texts: set[str]) -> bool:
    dumped = json.dumps(payload, ensure_ascii=False)
    return any(text in dumped or json.dumps(text)[1:-1] in dumped for text in texts)


async def forget_by_telegram(app: App, session: AsyncSession, telegram_id: int) -> Forgotten | None:
    """`refleks user forget`: None when nobody with that Telegram id is stored."""
    person = await people.by_telegram_id(session, telegram_id)
    if person is None:
        return None
    return await forget(app, session, person)
