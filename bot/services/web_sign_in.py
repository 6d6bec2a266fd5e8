"""Signing in to the web part without a password.

Two ways, both ending in a server-side browser session:
- a one-time link (from /web in the chat, or `refleks web link` for an administrator),
  valid for 15 minutes and used once;
- Telegram's Mini App, whose signed init data the server checks with the bot token
  (https://core.telegram.org/bots/webapps#validating-data-received-via-the-mini-app).

Only hashes of tokens are stored, so a copy of the database signs nobody in.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import parse_qsl

from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import App
from storage.models import Person, WebSession
from storage.repositories import people
from storage.repositories import web as repo

LINK_VALID = timedelta(minutes=15)
SESSION_VALID = timedelta(days=30)
# Init data older than this is refused, so a copied Mini App address cannot be replayed.
INIT_DATA_MAX_AGE = timedelta(hours=1)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def link_address(app: App, token: str) -> str:
    return f"{app.settings.public_url}/signin/{token}"


async def issue_link(app: App, session: AsyncSession, person: Person) -> str:
    """A new one-time sign-in address for `person`."""
    token = secrets.token_urlsafe(32)
    now = app.now()
    await repo.forget_expired(session, now)
    await repo.add_sign_in(
        session,
        token_hash=_hash(token),
        person_id=person.id,
        now=now,
        expires_at=now + LINK_VALID,
    )
    return link_address(app, token)


@dataclass(frozen=True)
class Signed:
    """A new browser session: the cookie's value and the person it belongs to."""

    token: str
    person: Person


async def open_session(app: App, session: AsyncSession, person: Person) -> Signed:
    token = secrets.token_urlsafe(32)
    now = app.now()
    await repo.add_session(
        session,
        token_hash=_hash(token),
        person_id=person.id,
        csrf_token=secrets.token_urlsafe(32),
        now=now,
        expires_at=now + SESSION_VALID,
    )
    return Signed(token=token, person=person)


async def redeem_link(app: App, session: AsyncSession, token: str) -> Signed | None:
    """Use a one-time link: a session, or None when it is unknown, used or expired."""
    person_id = await repo.use_sign_in(session, _hash(token), app.now())
    if person_id is None:
        return None
    person = await people.get(session, person_id)
    return None if person is None else await open_session(app, session, person)


def telegram_user_id(init_data: str, bot_token: str, now: datetime) -> int | None:
    """The Telegram id in a Mini App's init data, when it is signed with `bot_token` and
    not older than INIT_DATA_MAX_AGE; None otherwise."""
    fields = dict(parse_qsl(init_data, keep_blank_values=True))
    given = fields.pop("hash", "")
    check = "\n".join(f"{key}={fields[key]}" for key in sorted(fields))
    secret = hmac.new(b"WebAppData", bot_token.encode(), hashlib.sha256).digest()
    expected = hmac.new(secret, check.encode(), hashlib.sha256).hexdigest()
    if not given or not hmac.compare_digest(expected, given):
        return None
    try:
        signed_at = datetime.fromtimestamp(int(fields["auth_date"]), tz=now.tzinfo)
        user = json.loads(fields["user"])
        telegram_id = int(user["id"])
    except (KeyError, ValueError, TypeError):
        return None
    if not timedelta(minutes=-5) <= now - signed_at <= INIT_DATA_MAX_AGE:
        return None
    return telegram_id


@dataclass(frozen=True)
class MiniAppUser:
    """What the (already verified) init data says about the person."""

    name: str
    language_code: str | None


def mini_app_user(init_data: str) -> MiniAppUser:
    user = json.loads(dict(parse_qsl(init_data)).get("user", "{}"))
    name = " ".join(str(user.get(k, "")) for k in ("first_name", "last_name")).strip()
    return MiniAppUser(name=name or "?", language_code=user.get("language_code"))


async def signed_in(
    app: App, session: AsyncSession, token: str
) -> tuple[WebSession, Person] | None:
    """The session and person behind a cookie, while it is valid."""
    found = await repo.session_of(session, _hash(token), app.now())
    if found is not None and app.now() - found[0].last_seen_at > timedelta(minutes=5):
        found[0].last_seen_at = app.now()
    return found


async def sign_out(session: AsyncSession, token: str) -> None:
    await repo.end_session(session, _hash(token))


def csrf_matches(web_session: WebSession, given: str | None) -> bool:
    return given is not None and hmac.compare_digest(web_session.csrf_token, given)
