"""People: lookup by identity, language, reachability, administrators."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Administrator, Consent, Person


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
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def list_administrators(session: AsyncSession) -> list[int]:
    return list(await session.scalars(select(Administrator.telegram_id)))


async def set_reachable_by_telegram(
    session: AsyncSession, telegram_id: int, reachable: bool
) -> None:
    await session.execute(
        update(Person).where(Person.telegram_id == telegram_id).values(unreachable=not reachable)
    )


async def consented(
    session: AsyncSession,
    *,
    min_version: int,
    telegram_id: int | None = None,
    console_handle: str | None = None,
) -> Person | None:
    """The person with this identity, only if they consented to `min_version` or later."""
    given = (
        select(Consent.id)
        .where(
            Consent.person_id == Person.id,
            Consent.text_version >= min_version,
            Consent.withdrawn_at.is_(None),
        )
        .exists()
    )
    identity = (
        Person.telegram_id == telegram_id
        if telegram_id is not None
        else Person.console_handle == (console_handle or "")
    )
    return await session.scalar(select(Person).where(identity, given))
