"""People, groups and finished reflections for the administrator and /mine tests."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import App
from bot.services import privacy, reflection
from bot.services.summaries import SummaryRequest, build
from bot.summaries.output import render_html, render_telegram
from dialogues.visibility import Visibility
from storage.enums import GroupKind, Role
from storage.models import Answer, Group, OutboxMessage, Person
from storage.repositories import groups

ROLES_FORMAT = "roller-og-relationer"
SAFETY_FORMAT = "psykologisk-tryghed"


async def person(app: App, session: AsyncSession, name: str, telegram_id: int) -> Person:
    """Someone who has said yes to the privacy text."""
    return await privacy.accept(
        app, session, language="da", display_name=name, telegram_id=telegram_id
    )


async def group(
    app: App,
    session: AsyncSession,
    name: str,
    kind: GroupKind = GroupKind.team,
    parent: Group | None = None,
) -> Group:
    return await groups.create_group(
        session,
        name=name,
        kind=kind,
        language="da",
        now=app.now(),
        parent_id=parent.id if parent else None,
    )


async def member(app: App, session: AsyncSession, where: Group, who: Person, role: Role) -> None:
    await groups.add_member(session, group_id=where.id, person_id=who.id, role=role, now=app.now())


async def reflect(
    app: App,
    session: AsyncSession,
    who: Person,
    group_id: int,
    *,
    format_id: str = ROLES_FORMAT,
    params: Mapping[str, str] | None = None,
    texts: Mapping[str, str] | None = None,
    shared: Mapping[str, Visibility] | None = None,
    scale_point: int = 5,
) -> int:
    """Run a format to its end; `texts` and `shared` are keyed by step id or `step[item]`.

    Text steps not in `texts` get a sentence of their own; next steps take the text of
    their step id, "om to uger" and "På teammødet".
    """
    texts, shared = texts or {}, shared or {}
    shown = await reflection.start(
        app,
        session,
        person=who,
        format_id=format_id,
        group_id=group_id,
        params=dict(params or {"timing": "after"}),
    )
    for _ in range(80):
        if shown.completed:
            return shown.session_id
        prompt = shown.prompt
        assert prompt is not None, shown
        assert shown.problem is None, shown
        key = prompt.step_id if prompt.item is None else f"{prompt.step_id}[{prompt.item}]"
        level = shared.get(key or "")
        if level is not None and prompt.part in (None, "what") and shown.visibility is None:
            shown = await reflection.choose_visibility(
                app, session, person=who, turn=shown.turn, level=level.value
            )
            continue
        if prompt.part == "due" or prompt.expects == "date":
            shown = await reflection.answer(app, session, person=who, value="om to uger")
        elif prompt.part == "reach":
            shown = await reflection.answer(app, session, person=who, value="På teammødet")
        elif prompt.expects == "text":
            text = texts.get(key or "", f"Et svar til {key}")
            shown = await reflection.answer(app, session, person=who, value=text)
        elif prompt.expects == "multi_choice":
            shown = await reflection.answer_mask(app, session, person=who, turn=shown.turn, mask=1)
        else:
            index = scale_point if prompt.scale is not None else 0
            shown = await reflection.answer(
                app, session, person=who, value=None, turn=shown.turn, option_index=index
            )
    raise AssertionError("the format never finished")


async def answer_id(session: AsyncSession, session_id: int, step_id: str, item: str = "") -> int:
    found = await session.scalar(
        select(Answer.id).where(
            Answer.session_id == session_id, Answer.step_id == step_id, Answer.item == item
        )
    )
    assert found is not None, (step_id, item)
    return found


async def summary_text(app: App, session: AsyncSession, viewer: Person, group_id: int) -> str:
    """The summary a facilitator or leader gets in Telegram: the messages and the document."""
    report = await build(app, session, viewer=viewer, request=SummaryRequest(group_id=group_id))
    return "\n".join([*render_telegram(report), render_html(report, None)])


async def notices(session: AsyncSession, who: Person) -> list[str]:
    """The text keys of the short messages queued for someone."""
    rows = (
        await session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.person_id == who.id, OutboxMessage.kind == "notice")
            .order_by(OutboxMessage.id)
        )
    ).all()
    return [str(row.payload["key"]) for row in rows]
