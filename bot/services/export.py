"""Everything kept about a person, as JSON (for machines) and as a readable HTML page.

The export is the person's own copy: their profile, consents, memberships, every answer
(private reflections and contributions to group circles) with the question it answered,
scores, next steps with their history, messages planned for them, the summaries they
opened, and what they created for their groups (invites, meetings, circles they ran).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import App
from bot.i18n import as_lang, catalog
from bot.services.reflection import format_of
from dialogues.schema import Format
from dialogues.templating import environment
from storage.models import Answer, DialogueSession, Person
from storage.repositories import groups, people
from storage.repositories import privacy as repo

EXPORT_VERSION = 1
TEMPLATE = "mydata.html.j2"


@dataclass(frozen=True)
class Export:
    """The two files /mydata sends."""

    stem: str
    json: bytes
    html: bytes


def _iso(value: object) -> object:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _question(fmt: Format | None, step_id: str, lang: str) -> str:
    """The step's title or first line of text; its id when that line is a template."""
    if fmt is None or not fmt.has_step(step_id):
        return step_id
    step = fmt.step(step_id)
    source = step.title or step.text
    first = source.get(as_lang(lang)).split("\n", 1)[0].strip()
    return first if first and "{" not in first else step_id


async def _format(app: App, session: AsyncSession, run: DialogueSession) -> Format | None:
    try:
        return await format_of(app, session, run)
    except Exception:  # an unreadable snapshot must not stop an export
        return None


def _answer(answer: Answer, fmt: Format | None, lang: str) -> dict[str, Any]:
    return {
        "step_id": answer.step_id,
        "question": _question(fmt, answer.step_id, lang),
        "item": answer.item or None,
        "contribution": answer.seq or None,
        "value": answer.value,
        "visibility": answer.visibility,
        "created_at": _iso(answer.created_at),
        "updated_at": _iso(answer.updated_at),
        "withdrawn_at": _iso(answer.withdrawn_at),
    }


async def _reflections(
    app: App, session: AsyncSession, person: Person, names: dict[int, str]
) -> list[dict[str, Any]]:
    runs: dict[int, dict[str, Any]] = {}
    formats: dict[int, Format | None] = {}

    async def run_entry(run: DialogueSession) -> dict[str, Any]:
        if run.id not in runs:
            fmt = formats[run.id] = await _format(app, session, run)
            runs[run.id] = {
                "id": run.id,
                "kind": "private" if run.person_id is not None else "group",
                "format_id": run.format_id,
                "format_version": run.format_version,
                "title": fmt.title.get(as_lang(person.language)) if fmt else run.format_id,
                "group": names.get(run.group_id) if run.group_id else None,
                "status": run.status.value,
                "started_at": _iso(run.started_at),
                "completed_at": _iso(run.completed_at),
                "answers": [],
                "scores": {},
            }
        return runs[run.id]

    for run in await repo.sessions_of(session, person.id):
        await run_entry(run)
    for answer, run in await repo.answers_with_sessions(session, person.id):
        entry = await run_entry(run)
        entry["answers"].append(_answer(answer, formats[run.id], person.language))
    for score in await repo.scores_of(session, person.id):
        if score.session_id in runs:
            runs[score.session_id]["scores"][score.index_id] = score.value
    return list(runs.values())


async def collect(app: App, session: AsyncSession, person: Person) -> dict[str, Any]:
    """Every stored fact about the person, as plain JSON-ready data."""
    memberships = await groups.memberships_of(session, person.id, archived=True)
    steps = await repo.next_steps_of(session, person.id)
    events = await repo.next_step_events_of(session, person.id)
    views = await repo.access_log_of(session, person.id)
    invites = await repo.invites_by(session, person.id)
    meetings = await repo.meetings_by(session, person.id)
    circles = await repo.group_sessions_started_by(session, person.id)
    group_ids = [g.id for _, g in memberships]
    group_ids += [s.group_id for s in steps if s.group_id] + [v.group_id for v in views]
    group_ids += [i.group_id for i in invites] + [m.group_id for m in meetings]
    group_ids += [c.group_id for c in circles if c.group_id]
    answered = await repo.answers_with_sessions(session, person.id)
    group_ids += [run.group_id for _, run in answered if run.group_id]
    own_runs = await repo.sessions_of(session, person.id)
    group_ids += [run.group_id for run in own_runs if run.group_id]
    names = await repo.group_names(session, group_ids)
    history: dict[int, list[dict[str, Any]]] = {}
    for event in events:
        history.setdefault(event.next_step_id, []).append(
            {"status": event.status.value, "note": event.note, "at": _iso(event.at)}
        )
    return {
        "export_version": EXPORT_VERSION,
        "exported_at": _iso(app.now()),
        "person": {
            "id": person.id,
            "telegram_id": person.telegram_id,
            "console_handle": person.console_handle,
            "display_name": person.display_name,
            "language": person.language,
            "language_chosen": person.language_chosen,
            "timezone": person.timezone,
            "unreachable": person.unreachable,
            "paused_until": _iso(person.paused_until),
            "created_at": _iso(person.created_at),
            "last_seen_at": _iso(person.last_seen_at),
            "administrator": await repo.is_administrator(session, person.telegram_id),
        },
        "consents": [
            {
                "text_version": c.text_version,
                "given_at": _iso(c.given_at),
                "withdrawn_at": _iso(c.withdrawn_at),
            }
            for c in await repo.consents_of(session, person.id)
        ],
        "memberships": [
            {
                "group_id": g.id,
                "group": g.name,
                "kind": g.kind.value,
                "role": m.role.value,
                "joined_at": _iso(m.joined_at),
                "group_archived": g.archived_at is not None,
            }
            for m, g in memberships
        ],
        "reflections": await _reflections(app, session, person, names),
        "next_steps": [
            {
                "id": s.id,
                "what": s.what,
                "due": _iso(s.due),
                "how_shared": s.how_shared,
                "visibility": s.visibility,
                "status": s.status.value,
                "group": names.get(s.group_id) if s.group_id else None,
                "created_at": _iso(s.created_at),
                "updated_at": _iso(s.updated_at),
                "history": history.get(s.id, []),
            }
            for s in steps
        ],
        "messages": [
            {
                "kind": m.kind,
                "status": m.status.value,
                "due_at": _iso(m.due_at),
                "sent_at": _iso(m.sent_at),
                "created_at": _iso(m.created_at),
                "payload": m.payload,
            }
            for m in await repo.outbox_of(session, person.id, person.telegram_id)
        ],
        # What the bot waits for the person to type (a meeting time), until it expires.
        "awaiting": [
            {
                "kind": a.kind,
                "data": a.data,
                "created_at": _iso(a.created_at),
                "expires_at": _iso(a.expires_at),
            }
            for a in await repo.awaited_of(session, person.id)
        ],
        "summaries_viewed": [
            {"group": names.get(v.group_id), "what": v.what, "detail": v.detail, "at": _iso(v.at)}
            for v in views
        ],
        "invites_created": [
            {
                "group": names.get(i.group_id),
                "role": i.role.value,
                "created_at": _iso(i.created_at),
                "expires_at": _iso(i.expires_at),
                "revoked_at": _iso(i.revoked_at),
            }
            for i in invites
        ],
        "meetings_created": [
            {
                "group": names.get(m.group_id),
                "title": m.title,
                "starts_at": _iso(m.starts_at),
                "ends_at": _iso(m.ends_at),
                "status": m.status.value,
            }
            for m in meetings
        ],
        "circles_started": [
            {
                "id": c.id,
                "format_id": c.format_id,
                "group": names.get(c.group_id) if c.group_id else None,
                "status": c.status.value,
                "started_at": _iso(c.started_at),
            }
            for c in circles
        ],
    }


def to_json(data: dict[str, Any]) -> bytes:
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False).encode()


def _shown(value: Any) -> str:
    """An answer value as a person reads it."""
    if isinstance(value, list):
        return ", ".join(_shown(v) for v in value)
    if isinstance(value, dict):
        return " — ".join(_shown(v) for v in value.values() if v not in (None, ""))
    return "" if value is None else str(value)


def to_html(data: dict[str, Any], lang: str) -> bytes:
    """The same data as a page to read, in the person's language, every value escaped."""
    texts = catalog(as_lang(lang))
    labels = {
        key.removeprefix("export.label."): text
        for key, text in texts.items()
        if key.startswith("export.label.")
    }
    template = environment().get_template(TEMPLATE)
    page = template.render(data=data, t=labels, lang=as_lang(lang), shown=_shown)
    return page.encode()


async def export(app: App, session: AsyncSession, person: Person) -> Export:
    data = await collect(app, session, person)
    stem = f"refleks-{app.now().date().isoformat()}"
    return Export(stem=stem, json=to_json(data), html=to_html(data, person.language))


async def export_by_telegram(app: App, session: AsyncSession, telegram_id: int) -> Export | None:
    """`refleks user export`: None when nobody with that Telegram id is stored."""
    person = await people.by_telegram_id(session, telegram_id)
    return None if person is None else await export(app, session, person)
