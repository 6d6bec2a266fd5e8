"""Web sign-in links and browser sessions, looked up by the hash of their token."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Person, WebSession, WebSignIn


async def add_sign_in(
    session: AsyncSession, *, token_hash: str, person_id: int, now: datetime, expires_at: datetime
) -> None:
    session.add(
        WebSignIn(token_hash=token_hash, person_id=person_id, created_at=now, expires_at=expires_at)
    )
    await session.flush()


async def use_sign_in(session: AsyncSession, token_hash: str, now: datetime) -> int | None:
    """Mark an unused, unexpired link used, in one statement; its person's id, or None."""
    used = await session.execute(
        update(WebSignIn)
        .where(
            WebSignIn.token_hash == token_hash,
            WebSignIn.used_at.is_(None),
            WebSignIn.expires_at > now,
        )
        .values(used_at=now)
        .returning(WebSignIn.person_id)
    )
    return used.scalar_one_or_none()


async def add_session(
    session: AsyncSession,
    *,
    token_hash: str,
    person_id: int,
    csrf_token: str,
    now: datetime,
    expires_at: datetime,
) -> None:
    session.add(
        WebSession(
            token_hash=token_hash,
            person_id=person_id,
            csrf_token=csrf_token,
            created_at=now,
            last_seen_at=now,
            expires_at=expires_at,
        )
    )
    await session.flush()


async def session_of(
    session: AsyncSession, token_hash: str, now: datetime
) -> tuple[WebSession, Person] | None:
    found = (
        await session.execute(
            select(WebSession, Person)
            .join(Person, Person.id == WebSession.person_id)
            .where(WebSession.token_hash == token_hash, WebSession.expires_at > now)
        )
    ).first()
    return None if found is None else (found[0], found[1])


async def end_session(session: AsyncSession, token_hash: str) -> None:
    await session.execute(delete(WebSession).where(WebSession.token_hash == token_hash))


async def end_sessions_of(session: AsyncSession, person_id: int) -> int:
    ended = await session.execute(delete(WebSession).where(WebSession.person_id == person_id))
    return int(ended.rowcount)  # type: ignore[attr-defined]


async def forget_expired(session: AsyncSession, now: datetime) -> None:
    """Drop links and sessions that can no longer be used."""
    await session.execute(delete(WebSignIn).where(WebSignIn.expires_at <= now))
    await session.execute(delete(WebSession).where(WebSession.expires_at <= now))
