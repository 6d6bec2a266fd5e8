"""Consent is recorded with the text's version; a new version is asked for before storing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.button_kinds import decode
from bot.buttons import Press
from bot.conversation import Conversation, Who
from bot.i18n import t
from bot.services import privacy
from storage.db import Database
from storage.models import Answer, Consent, DialogueSession, Person
from tests.support import Clock, make_app

ANE = Who(display_name="Ane", language_code="da", console_handle="ane")


async def _count(database: Database, model: type) -> int:
    async with database.transaction() as s:
        return int(await s.scalar(select(func.count()).select_from(model)) or 0)


def _yes(views: list) -> str:  # type: ignore[type-arg]
    pressed = [(b.action, decode(b.action)) for row in views[-1].buttons for b in row]
    return next(
        data for data, p in pressed if isinstance(p, Press) and (p.kind, p.args) == ("c", (1,))
    )


async def test_nothing_is_stored_before_yes_and_consent_names_the_version(
    database: Database,
) -> None:
    app = make_app(database, Clock())
    talk = Conversation(app)
    views = await talk.start(ANE, None)
    assert "Før vi går i gang" in views[0].html
    await talk.text(ANE, "et svar før jeg har sagt ja")
    declined = await talk.button(ANE, "c:0")
    assert declined[0].html == t("da", "consent.declined")
    assert await _count(database, Person) == 0
    await talk.button(ANE, _yes(views))
    async with database.transaction() as s:
        versions = (await s.scalars(select(Consent.text_version))).all()
    assert versions == [privacy.PRIVACY_VERSION]


async def test_a_new_privacy_text_is_accepted_before_anything_new_is_stored(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = Clock()
    app = make_app(database, clock)
    talk = Conversation(app)
    await talk.button(ANE, "c:1")  # yes to version 1
    await talk.command(ANE, "language")
    await talk.button(ANE, "l:1")  # English from now on
    monkeypatch.setattr(privacy, "PRIVACY_VERSION", privacy.PRIVACY_VERSION + 1)
    clock.advance(days=2)

    asked = await talk.command(ANE, "reflect")
    assert asked[0].html.startswith(t("en", "consent.renewed"))
    assert t("en", "privacy", anonymity_min=3, retention_days=730, controller="x")[:30] in (
        asked[0].html
    )
    for view in (
        await talk.text(ANE, "an answer that must not be kept"),
        await talk.button(ANE, "n:1:0"),
    ):
        assert view[0].html.startswith(t("en", "consent.renewed"))
    assert await _count(database, Answer) == 0
    assert await _count(database, DialogueSession) == 0

    declined = await talk.button(ANE, "c:0")
    assert declined[0].html == t("en", "consent.renewal_declined")
    async with database.transaction() as s:
        person = await s.scalar(select(Person))
        assert person is not None
        assert person.last_seen_at < clock.now  # not even a visit is noted
        versions = sorted((await s.scalars(select(Consent.text_version))).all())
    assert versions == [1]

    accepted = await talk.button(ANE, _yes(asked))
    assert accepted[0].html == t("en", "consent.thanks")
    async with database.transaction() as s:
        versions = sorted((await s.scalars(select(Consent.text_version))).all())
    assert versions == [1, 2]
    again = await talk.command(ANE, "reflect")
    assert not again[0].html.startswith(t("en", "consent.renewed"))
