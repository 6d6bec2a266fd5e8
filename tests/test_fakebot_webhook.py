"""The fake delivers updates to a webhook as Telegram does: secret header, per chat in
sequence, chats at once up to max_connections, again after a failure or a timeout."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web
from telegram import Bot
from telegram.error import BadRequest, Conflict

from tests.fakebot import FakeBotApi
from tests.fakebot.webhook import SECRET_HEADER, chat_key

URL = "https://refleks.example.dk/telegram/webhook"
SECRET = "s3cret-Token_1"

Answer = Callable[[dict[str, Any]], Awaitable[int]]


class Receiver:
    """A web server standing in for the bot: records every POST, answers with `answer`."""

    def __init__(self) -> None:
        self.received: list[tuple[str, str | None, dict[str, Any]]] = []
        self.answer: Answer = self._ok
        self.runner: web.AppRunner | None = None
        self.origin = ""

    @staticmethod
    async def _ok(_update: dict[str, Any]) -> int:
        return 200

    async def handle(self, request: web.Request) -> web.Response:
        update = await request.json()
        self.received.append((request.path, request.headers.get(SECRET_HEADER), update))
        return web.Response(status=await self.answer(update))

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/telegram/webhook", self.handle)
        self.runner = web.AppRunner(app, shutdown_timeout=0.1)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        self.origin = f"http://127.0.0.1:{self.runner.addresses[0][1]}"

    def ids(self) -> list[int]:
        return [update["update_id"] for _, _, update in self.received]


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    found = Receiver()
    await found.start()
    yield found
    assert found.runner is not None
    await found.runner.cleanup()


async def _set(fake: FakeBotApi, receiver: Receiver, **kwargs: Any) -> Bot:
    fake.webhook.route(receiver.origin)
    bot = Bot(fake.token, base_url=fake.base_url)
    await bot.initialize()
    await bot.set_webhook(URL, secret_token=SECRET, **kwargs)
    return bot


async def test_updates_arrive_with_the_secret_and_are_confirmed_by_a_2xx(
    fake_bot_api: FakeBotApi, receiver: Receiver
) -> None:
    bot = await _set(fake_bot_api, receiver)
    anna = fake_bot_api.add_user("Anna")
    await fake_bot_api.send_text(anna, "hej")
    await fake_bot_api.wait_until(lambda: not fake_bot_api.updates.pending)
    [(path, secret, update)] = receiver.received
    assert (path, secret, update["message"]["text"]) == ("/telegram/webhook", SECRET, "hej")
    info = await bot.get_webhook_info()
    assert (info.url, info.pending_update_count) == (URL, 0)
    with pytest.raises(Conflict, match="webhook is active"):
        await bot.get_updates()
    await bot.shutdown()


async def test_a_failed_or_unanswered_update_is_sent_again(
    fake_bot_api: FakeBotApi, receiver: Receiver
) -> None:
    fake_bot_api.webhook.timeout = 0.3
    answers = iter([500, "hang", 200])
    never = asyncio.Event()

    async def flaky(_update: dict[str, Any]) -> int:
        answer = next(answers)
        if answer == "hang":
            await never.wait()  # past the fake's timeout: the connection is dropped
        return int(answer)

    receiver.answer = flaky
    bot = await _set(fake_bot_api, receiver)
    anna = fake_bot_api.add_user("Anna")
    await fake_bot_api.send_text(anna, "hej")
    await fake_bot_api.wait_until(lambda: not fake_bot_api.updates.pending)
    update_id = receiver.ids()[0]
    assert receiver.ids() == [update_id] * 3
    assert [a.status for a in fake_bot_api.webhook.attempts] == [500, None, 200]
    assert (await bot.get_webhook_info()).pending_update_count == 0
    never.set()
    await bot.shutdown()


async def test_one_chat_in_sequence_and_chats_at_once_up_to_max_connections(
    fake_bot_api: FakeBotApi, receiver: Receiver
) -> None:
    release = asyncio.Event()
    in_flight: list[Any] = []
    most = 0

    async def slow(update: dict[str, Any]) -> int:
        nonlocal most
        in_flight.append(chat_key(update))
        most = max(most, len(in_flight))
        await release.wait()
        in_flight.remove(chat_key(update))
        return 200

    receiver.answer = slow
    bot = await _set(fake_bot_api, receiver, max_connections=3)
    people = [fake_bot_api.add_user(f"P{i}") for i in range(5)]
    for round_ in range(3):
        for person in people:
            await fake_bot_api.send_text(person, f"{person.first_name} {round_}")
    await fake_bot_api.wait_until(lambda: len(in_flight) == 3)
    assert len(set(in_flight)) == 3  # three different chats, never two of one chat
    release.set()
    await fake_bot_api.wait_until(lambda: not fake_bot_api.updates.pending)
    assert most == 3
    for person in people:
        texts = [u["message"]["text"] for _, _, u in receiver.received if chat_key(u) == person.id]
        assert texts == [f"{person.first_name} {r}" for r in range(3)]
    await bot.shutdown()


async def test_only_https_addresses_and_well_formed_secrets_are_accepted(
    fake_bot_api: FakeBotApi,
) -> None:
    bot = Bot(fake_bot_api.token, base_url=fake_bot_api.base_url)
    await bot.initialize()
    with pytest.raises(BadRequest, match=r"(?i)https url"):
        await bot.set_webhook("http://refleks.example.dk/telegram")
    with pytest.raises(BadRequest, match=r"(?i)secret token"):
        await bot.set_webhook(URL, secret_token="no spaces allowed")
    assert len(fake_bot_api.take_violations()) == 2
    await bot.shutdown()
