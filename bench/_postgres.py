"""A throwaway PostgreSQL schema for one benchmark run, at `TEST_DATABASE_URL`."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

PG_URL = os.environ.get("TEST_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")


class Unreachable(Exception):
    """No PostgreSQL server, or no right to make a schema there."""


def search_path(schema: str) -> dict[str, Any]:
    """`connect_args` that put a connection's tables in `schema`."""
    return {"server_settings": {"search_path": schema}}


@asynccontextmanager
async def pg_schema() -> AsyncIterator[str]:
    """A fresh schema, dropped with everything in it afterwards."""
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_async_engine(PG_URL)
    try:
        async with admin.begin() as conn:
            await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as exc:
        await admin.dispose()
        raise Unreachable(
            f"PostgreSQL is not reachable at {PG_URL} ({type(exc).__name__})"
        ) from exc
    try:
        yield schema
    finally:
        async with admin.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        await admin.dispose()
