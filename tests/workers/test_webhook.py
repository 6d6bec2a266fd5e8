"""Webhook mode: updates arrive by POST with the secret, are handled once, and are
answered only after their effects are committed and their replies sent."""

from __future__ import annotations

import aiohttp
from sqlalchemy import func, select

from storage.db import Database
from storage.models import ProcessedUpdate
from tests.e2e.conftest import started
from tests.fakebot.server import FakeBotApi
from tests.fakebot.webhook import SECRET_HEADER
from tests.support import Clock
from tests.workers.support import SECRET, URL, serving, webhook_app


async def _processed(database: Database) -> int:
    async with database.transaction() as session:
        return int(await session.scalar(select(func.count()).select_from(ProcessedUpdate)) or 0)


async def test_an_update_is_answered_after_its_reply_was_sent(
    fake_bot_api: FakeBotApi, database: Database
) -> None:
    fake = fake_bot_api
    app = webhook_app(database)
    async with serving(fake, app) as (application, _origin):
        [registered] = fake.calls("setWebhook")
        assert registered["url"] == URL
        assert registered["secret_token"] == SECRET
        assert "callback_query" in registered["allowed_updates"]
        anna = fake.add_user("Anna")
        await fake.send_text(anna, "/start")
        welcome = await fake.wait_for_message(anna)
        assert "hvem der kan se dit svar" in (welcome.text or "")
        await fake.idle()
        [attempt] = fake.webhook.attempts
        assert attempt.status == 200
        sent_at = next(i for i, r in enumerate(fake.requests) if r.method == "sendMessage")
        assert sent_at < attempt.requests_before  # the reply went before the answer
        assert application.updater is None  # nobody polls
    assert await _processed(database) == 1


async def test_a_request_without_the_right_secret_changes_nothing(
    fake_bot_api: FakeBotApi, database: Database
) -> None:
    fake = fake_bot_api
    app = webhook_app(database)
    anna = fake.add_user("Anna")
    update = {
        "update_id": 777,
        "message": {
            "message_id": 1,
            "date": 1_700_000_000,
            "chat": {"id": anna.id, "type": "private", "first_name": "Anna"},
            "from": {"id": anna.id, "is_bot": False, "first_name": "Anna"},
            "text": "/start",
            "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
        },
    }
    async with serving(fake, app) as (_application, origin), aiohttp.ClientSession() as http:
        statuses = []
        for headers in ({}, {SECRET_HEADER: "wrong"}, {SECRET_HEADER: SECRET + "x"}):
            async with http.post(origin + "/telegram/webhook", json=update, headers=headers) as r:
                statuses.append(r.status)
        assert statuses == [403, 403, 403]
        await fake.idle()
        assert fake.sent(anna) == []
    assert await _processed(database) == 0


async def test_an_update_sent_again_after_a_timeout_has_one_effect(
    fake_bot_api: FakeBotApi, database: Database
) -> None:
    fake = fake_bot_api
    fake.webhook.timeout = 0.5
    app = webhook_app(database)
    anna = fake.add_user("Anna")
    # The first reply is slow: Telegram gives up waiting and sends the update again while
    # the first attempt still runs.
    fake.fail("sendMessage", status=None, delay=1.5, chat_id=anna.id)
    async with serving(fake, app):
        await fake.send_text(anna, "/start")
        await fake.wait_until(lambda: not fake.updates.pending, timeout=20)
        await fake.idle()
        statuses = [a.status for a in fake.webhook.attempts]
        assert statuses[0] is None
        assert statuses[-1] == 200
        assert len(statuses) >= 2
        assert len(fake.sent(anna)) == 1  # one welcome, however often it was delivered
    assert await _processed(database) == 1


async def test_switching_from_webhook_to_polling_loses_no_update(
    fake_bot_api: FakeBotApi, database: Database
) -> None:
    fake = fake_bot_api
    app = webhook_app(database)
    anna = fake.add_user("Anna")
    async with serving(fake, app):
        pass  # the webhook stays set at Telegram when the bot stops
    fake.webhook.retry_delay = 0.01
    await fake.send_text(anna, "/start")  # nobody answers the webhook now
    await fake.wait_until(lambda: bool(fake.webhook.failed()))
    assert fake.updates.pending

    async with started(fake, database, Clock()):  # polling: deletes the webhook first
        welcome = await fake.wait_for_message(anna)
    assert "hvem der kan se dit svar" in (welcome.text or "")
    assert fake.calls("deleteWebhook")
    assert not fake.webhook.active
