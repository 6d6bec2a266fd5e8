"""Two teachers reflecting in one team, for the tests of the two ways an answer is stored."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select

from bot.conversation import Conversation, Who
from bot.services import privacy, reflection
from bot.services.membership import create_group
from dialogues.loader import load_catalog
from storage.db import Database
from storage.enums import GroupKind, Role
from storage.models import Answer, DialogueSession, Person
from storage.repositories import groups
from tests.support import Clock, make_app

FORMAT = """
id: tre-trin
version: 1
title: {da: "Tre trin", en: "Three steps"}
description: {da: "Tre korte spørgsmål.", en: "Three short questions."}
audience: individual
steps:
  - id: noticed
    kind: text
    max_length: 40
    text: {da: "Hvad lagde du mærke til?", en: "What did you notice?"}
    visibility: {default: private, choices: [private, facilitator, team]}
  - id: when
    kind: date
    text: {da: "Hvornår prøver du det?", en: "When will you try it?"}
    visibility: {default: private, choices: [private, facilitator]}
  - id: wondered
    kind: text
    text: {da: "Hvad undrede dig?", en: "What made you wonder?"}
    visibility: {default: private, choices: [private, facilitator, team]}
"""
WITH_NEXT_STEP = """
id: med-skridt
version: 1
title: {da: "Med et næste skridt", en: "With a next step"}
description: {da: "Et spørgsmål og et næste skridt.", en: "A question and a next step."}
audience: individual
steps:
  - id: noticed
    kind: text
    text: {da: "Hvad lagde du mærke til?", en: "What did you notice?"}
    visibility: {default: private, choices: [private, facilitator, team]}
  - id: next
    kind: next_step
    text: {da: "Hvad er dit næste skridt?", en: "What is your next step?"}
    visibility: {default: private, choices: [private, facilitator, team]}
"""


def write_catalog(folder: Path) -> Path:
    """The two formats above as a catalog folder."""
    (folder / "tre-trin.yaml").write_text(FORMAT, encoding="utf-8")
    (folder / "med-skridt.yaml").write_text(WITH_NEXT_STEP, encoding="utf-8")
    return folder


async def person_of(session: Any, who: Who) -> Person:
    """The stored person behind a Telegram user or a console handle."""
    found: Person | None = await session.scalar(
        select(Person).where(
            (Person.telegram_id == who.telegram_id)
            if who.telegram_id is not None
            else (Person.console_handle == who.console_handle)
        )
    )
    assert found is not None
    return found


class Team:
    """Two teachers in one team, each at the start of the same reflection."""

    def __init__(self, database: Database, catalog_dir: Path) -> None:
        self.clock = Clock()
        self.app = make_app(database, self.clock)
        self.app.catalog = load_catalog(catalog_dir)
        self.conversation = Conversation(self.app)
        self.database = database

    async def join(self, who: Who, format_id: str = "tre-trin") -> None:
        async def work(session: Any) -> None:
            group = await groups.by_name(session, "4A")
            if group is None:
                group, _ = await create_group(self.app, session, name="4A", kind=GroupKind.team)
            person = await privacy.accept(
                self.app,
                session,
                language="da",
                display_name=who.display_name,
                telegram_id=who.telegram_id,
                console_handle=who.console_handle,
            )
            await groups.add_member(
                session,
                group_id=group.id,
                person_id=person.id,
                role=Role.participant,
                now=self.clock(),
            )
            await reflection.start(
                self.app, session, person=person, format_id=format_id, group_id=group.id
            )

        await self.database.run(work)

    async def typed(self, who: Who, text: str, update_id: int) -> reflection.Shown | None:
        assert who.telegram_id is not None
        return await self.conversation.typed_answer(who, text, update_id)

    async def rows(self, who: Who) -> tuple[DialogueSession, list[Answer]]:
        async def work(session: Any) -> tuple[DialogueSession, list[Answer]]:
            person = await person_of(session, who)
            row = await session.scalar(
                select(DialogueSession).where(DialogueSession.person_id == person.id)
            )
            answers = (
                await session.scalars(
                    select(Answer).where(Answer.person_id == person.id).order_by(Answer.step_id)
                )
            ).all()
            return row, list(answers)

        return await self.database.run(work)
