"""Webhook delivery the way Telegram does it, and the methods that set it up.

After `setWebhook`, every pending update is POSTed as JSON to the webhook's address with
the `X-Telegram-Bot-Api-Secret-Token` header. Updates of one chat go one after the other
(the next only after the previous one was answered with a 2xx); updates of different
chats go at once, up to `max_connections`. An answer other than 2xx, a closed connection
or no answer within `timeout` seconds is a failed attempt: the update is sent again after
`retry_delay`, to whichever worker answers the new connection. `getUpdates` is refused
while a webhook is set, as Telegram does.

Telegram only calls https addresses; a test stands in for the proxy in front of the bot
with `route(local_origin)`, which sends what is meant for the public address to a local
one, path and all.
"""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, NamedTuple
from urllib.parse import urlsplit

import aiohttp

from tests.fakebot import methods_chat
from tests.fakebot.validate import CheckedRequest
from tests.fakebot.world import ApiError, World, bad_request

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")


class Attempt(NamedTuple):
    """One POST of an update: its status (None: no answer in time or connection lost), and
    how many Bot API requests the fake had received by the time the answer came."""

    update_id: int
    status: int | None
    requests_before: int


@dataclass
class WebhookDelivery:
    """The webhook side of the fake: what is set, and the task that delivers."""

    world: World
    timeout: float = 10.0
    retry_delay: float = 0.05
    url: str = ""
    secret: str | None = None
    max_connections: int = 40
    allowed: set[str] | None = None
    local_origin: str | None = None
    attempts: list[Attempt] = field(default_factory=list)
    acknowledged: list[dict[str, Any]] = field(default_factory=list)  # answered with a 2xx
    last_error: str | None = None
    _task: asyncio.Task[None] | None = None
    _busy_chats: set[Any] = field(default_factory=set)
    _in_flight: set[int] = field(default_factory=set)
    _wake: asyncio.Event = field(default_factory=asyncio.Event)
    _session: aiohttp.ClientSession | None = None
    _posts: set[asyncio.Task[None]] = field(default_factory=set)

    @property
    def active(self) -> bool:
        return bool(self.url)

    def route(self, local_origin: str) -> None:
        """Deliver to `local_origin` (e.g. http://127.0.0.1:8080) what goes to the URL."""
        self.local_origin = local_origin.rstrip("/")

    def failed(self) -> Counter[int]:
        """Failed attempts per update id."""
        return Counter(a.update_id for a in self.attempts if not _ok(a.status))

    def set(self, url: str, secret: str | None, max_connections: int, allowed: Any) -> None:
        self.url, self.secret, self.max_connections = url, secret, max_connections
        if allowed is not None:
            self.allowed = set(allowed) or None
        if self._task is None:
            self._watch_queue()
            self._task = asyncio.get_running_loop().create_task(self._deliver())
        self._wake.set()

    async def delete(self) -> None:
        self.url = ""
        await self.stop()

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            for post in list(self._posts):
                post.cancel()
            await asyncio.gather(self._task, *self._posts, return_exceptions=True)
            self._task = None
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _watch_queue(self) -> None:
        """Look for work whenever the world queues an update."""
        queue = self.world.updates
        push = queue.push
        if getattr(push, "nudges", False):
            return

        def push_and_nudge(kind: str, payload: dict[str, Any]) -> dict[str, Any]:
            update = push(kind, payload)
            self._wake.set()
            return update

        push_and_nudge.nudges = True  # type: ignore[attr-defined]
        queue.push = push_and_nudge  # type: ignore[method-assign]

    # -- delivery -----------------------------------------------------------------------

    async def _deliver(self) -> None:
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.timeout))
        queue = self.world.updates
        while True:
            self._wake.clear()
            if self.allowed:
                queue.pending = [u for u in queue.pending if _kind(u) in self.allowed]
            for update in list(queue.pending):
                if len(self._in_flight) >= self.max_connections:
                    break
                chat = chat_key(update)
                if update["update_id"] in self._in_flight or chat in self._busy_chats:
                    continue
                self._in_flight.add(update["update_id"])
                self._busy_chats.add(chat)
                post = asyncio.get_running_loop().create_task(self._post(update, chat))
                self._posts.add(post)
                post.add_done_callback(self._posts.discard)
            await self._wake.wait()

    async def _post(self, update: dict[str, Any], chat: Any) -> None:
        try:
            status = await self._attempt(update)
            requests = len(getattr(self.world, "requests", ()))
            self.attempts.append(Attempt(update["update_id"], status, requests))
            if _ok(status):
                self.acknowledged.append(update)
                queue = self.world.updates
                queue.pending = [u for u in queue.pending if u is not update]
            else:
                await asyncio.sleep(self.retry_delay)
        finally:
            self._in_flight.discard(update["update_id"])
            self._busy_chats.discard(chat)
            self._wake.set()
            wake_waiters = getattr(self.world, "wake_waiters", None)
            if wake_waiters is not None:
                wake_waiters()

    async def _attempt(self, update: dict[str, Any]) -> int | None:
        """POST the update once; its status, or None without an answer."""
        headers = {SECRET_HEADER: self.secret} if self.secret else {}
        if self._session is None:
            return None
        try:
            async with self._session.post(self._target(), json=update, headers=headers) as r:
                await r.read()
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            self.last_error = type(exc).__name__
            return None
        if not _ok(r.status):
            self.last_error = f"Wrong response: {r.status}"
        return r.status

    def _target(self) -> str:
        if self.local_origin is None:
            return self.url
        parts = urlsplit(self.url)
        path = parts.path or "/"
        return f"{self.local_origin}{path}" + (f"?{parts.query}" if parts.query else "")


def _ok(status: int | None) -> bool:
    return status is not None and 200 <= status < 300


def _kind(update: dict[str, Any]) -> str:
    return next(k for k in update if k != "update_id")


def chat_key(update: dict[str, Any]) -> Any:
    """The chat an update belongs to (its sender when it has no chat)."""
    payload = update[_kind(update)]
    message = payload.get("message") if "data" in payload or "chat_instance" in payload else None
    for source in (payload, message or {}):
        chat = source.get("chat")
        if isinstance(chat, dict):
            return chat.get("id")
    sender = payload.get("from")
    return sender.get("id") if isinstance(sender, dict) else update["update_id"]


# -- methods ----------------------------------------------------------------------------


def delivery_of(world: World) -> WebhookDelivery:
    delivery = getattr(world, "webhook", None)
    if not isinstance(delivery, WebhookDelivery):
        raise bad_request("webhooks are not emulated here")
    return delivery


async def set_webhook(world: World, req: CheckedRequest) -> Any:
    """setWebhook: an https address, an optional secret, and how many connections."""
    params = req.params
    url = str(params.get("url", ""))
    delivery = delivery_of(world)
    if not url:
        await delivery.delete()
        return True
    if not url.startswith("https://"):
        raise bad_request("bad webhook: An HTTPS URL must be provided for webhook", "url")
    secret = params.get("secret_token")
    if secret is not None and not _SECRET.fullmatch(str(secret)):
        raise bad_request("secret token contains unallowed characters", "secret_token")
    connections = int(params.get("max_connections", 40))
    if not 1 <= connections <= 100:
        raise bad_request("bad webhook: max_connections must be between 1 and 100")
    if params.get("drop_pending_updates"):
        world.updates.clear()
    delivery.set(url, secret, connections, params.get("allowed_updates"))
    return True


async def delete_webhook(world: World, req: CheckedRequest) -> Any:
    """deleteWebhook: stop delivering (pending updates wait for getUpdates)."""
    await delivery_of(world).delete()
    return await methods_chat.delete_webhook(world, req)


async def get_webhook_info(world: World, req: CheckedRequest) -> Any:
    """getWebhookInfo: the address, pending count and last error, as Telegram shows them."""
    delivery = delivery_of(world)
    info: dict[str, Any] = {
        "url": delivery.url,
        "has_custom_certificate": False,
        "pending_update_count": len(world.updates.pending),
    }
    if delivery.active:
        info["max_connections"] = delivery.max_connections
        if delivery.allowed:
            info["allowed_updates"] = sorted(delivery.allowed)
        if delivery.last_error:
            info["last_error_date"] = world.now()
            info["last_error_message"] = delivery.last_error
    return info


async def get_updates(world: World, req: CheckedRequest) -> Any:
    """getUpdates: refused while a webhook is set."""
    if delivery_of(world).active:
        raise ApiError(
            409,
            "Conflict: can't use getUpdates method while webhook is active; "
            "use deleteWebhook to delete the webhook first",
        )
    return await methods_chat.get_updates(world, req)


HANDLERS = {
    "setWebhook": set_webhook,
    "deleteWebhook": delete_webhook,
    "getWebhookInfo": get_webhook_info,
    "getUpdates": get_updates,
}
