"""Consent records: which version of the privacy text a person agreed to."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Consent


async def current_version(session: AsyncSession, person_id: int) -> int | None:
    """The newest privacy-text version the person consented to and has not withdrawn."""
    return await session.scalar(
        select(Consent.text_version)
        .where(Consent.person_id == person_id, Consent.withdrawn_at.is_(None))
        .order_by(Consent.text_version.desc())
        .limit(1)
    )


async def give(session: AsyncSession, person_id: int, text_version: int, now: datetime) -> None:
    session.add(Consent(person_id=person_id, text_version=text_version, given_at=now))
    await session.flush()


async def withdraw(session: AsyncSession, person_id: int, now: datetime) -> None:
    await session.execute(
        update(Consent)
        .where(Consent.person_id == person_id, Consent.withdrawn_at.is_(None))
        .values(withdrawn_at=now)
    )
