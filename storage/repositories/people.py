"""People: lookup by identity, language, reachability, administrators."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Integer,
    Select,
    String,
    and_,
    bindparam,
    delete,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from storage.enums import SessionStatus
from storage.models import Administrator, AwaitedInput, Consent, DialogueSession, Person
from storage.repositories.rows import affected
from storage.types import UTCDateTime


async def by_telegram_id(session: AsyncSession, telegram_id: int) -> Person | None:
    return await session.scalar(select(Person).where(Person.telegram_id == telegram_id))


async def by_console_handle(session: AsyncSession, handle: str) -> Person | None:
    return await session.scalar(select(Person).where(Person.console_handle == handle))


async def get(session: AsyncSession, person_id: int) -> Person | None:
    return await session.get(Person, person_id)


async def create(
    session: AsyncSession,
    *,
    display_name: str,
    language: str,
    now: datetime,
    telegram_id: int | None = None,
    console_handle: str | None = None,
) -> Person:
    person = Person(
        telegram_id=telegram_id,
        console_handle=console_handle,
        display_name=display_name[:128],
        language=language,
        language_chosen=False,
        unreachable=False,
        created_at=now,
        last_seen_at=now,
    )
    session.add(person)
    await session.flush()
    return person


async def mark_unreachable(session: AsyncSession, person_id: int, unreachable: bool) -> None:
    await session.execute(
        update(Person).where(Person.id == person_id).values(unreachable=unreachable)
    )


async def delete_person(session: AsyncSession, person_id: int) -> None:
    """Delete a person; foreign keys cascade to every personal row."""
    await session.execute(delete(Person).where(Person.id == person_id))


async def is_administrator(session: AsyncSession, telegram_id: int) -> bool:
    return await session.get(Administrator, telegram_id) is not None


async def add_administrator(session: AsyncSession, telegram_id: int, now: datetime) -> bool:
    if await session.get(Administrator, telegram_id) is not None:
        return False
    session.add(Administrator(telegram_id=telegram_id, added_at=now))
    await session.flush()
    return True


async def remove_administrator(session: AsyncSession, telegram_id: int) -> bool:
    result = await session.execute(
        delete(Administrator).where(Administrator.telegram_id == telegram_id)
    )
    return affected(result) > 0


async def list_administrators(session: AsyncSession) -> list[int]:
    return list(await session.scalars(select(Administrator.telegram_id)))


async def set_reachable_by_telegram(
    session: AsyncSession, telegram_id: int, reachable: bool
) -> None:
    await session.execute(
        update(Person).where(Person.telegram_id == telegram_id).values(unreachable=not reachable)
    )


@dataclass(frozen=True)
class Arrival:
    """Everything a message from a person needs to know first, read in one statement."""

    person: Person
    # The person's active private reflection, if any (loaded into the session).
    active: DialogueSession | None
    # A feature waits for the person to type something (a meeting time) and has not expired.
    awaiting: bool


def consent_given() -> ColumnElement[bool]:
    """The person consented to privacy text `:min_version` or later and has not withdrawn."""
    return (
        select(Consent.id)
        .where(
            Consent.person_id == Person.id,
            Consent.text_version >= bindparam("min_version", type_=Integer),
            Consent.withdrawn_at.is_(None),
        )
        .exists()
    )


def awaiting_input() -> ColumnElement[bool]:
    """A feature waits for the person to type something, and it has not expired by `:now`."""
    return (
        select(AwaitedInput.person_id)
        .where(
            AwaitedInput.person_id == Person.id,
            AwaitedInput.expires_at > bindparam("now", type_=UTCDateTime),
        )
        .exists()
    )


def _arrival_statement(
    identity: ColumnElement[bool],
) -> Select[Person, DialogueSession, bool]:
    consent = consent_given()
    awaiting = awaiting_input()
    return (
        select(Person, DialogueSession, awaiting.label("awaiting"))
        .outerjoin(
            DialogueSession,
            and_(
                DialogueSession.person_id == Person.id,
                DialogueSession.status == SessionStatus.active,
            ),
        )
        .where(identity, consent)
        .order_by(DialogueSession.updated_at.desc())
        .limit(1)
    )


# Built once: this runs for every message, and building a statement costs more than running it.
_ARRIVAL_BY_TELEGRAM = _arrival_statement(
    Person.telegram_id == bindparam("identity", type_=BigInteger)
)
_ARRIVAL_BY_CONSOLE = _arrival_statement(
    Person.console_handle == bindparam("identity", type_=String)
)


async def arrival(
    session: AsyncSession,
    *,
    min_version: int,
    now: datetime,
    telegram_id: int | None = None,
    console_handle: str | None = None,
) -> Arrival | None:
    """The person with this identity, only if they consented to `min_version` or later.

    The same statement brings their active private reflection and whether a typed input is
    awaited, because nearly every message needs all three.
    """
    statement = _ARRIVAL_BY_TELEGRAM if telegram_id is not None else _ARRIVAL_BY_CONSOLE
    identity = telegram_id if telegram_id is not None else console_handle or ""
    result = await session.execute(
        statement, {"identity": identity, "min_version": min_version, "now": now}
    )
    found = result.one_or_none()
    if found is None:
        return None
    return Arrival(person=found[0], active=found[1], awaiting=bool(found[2]))
