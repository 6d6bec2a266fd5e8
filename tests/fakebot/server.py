"""The fake Bot API server: HTTP on loopback, validation, faults, dispatch.

Every request is checked against the Bot API 10.0 specification before it is emulated;
every answer the fake builds is checked against the method's return type. Problems land
in `violations` (which the pytest fixture asserts empty) and the bot gets the
Telegram-shaped error it would get from the real server.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from types import TracebackType
from typing import Any, NamedTuple, Protocol

from aiohttp import web

from tests.fakebot import methods_chat, methods_messages, webhook
from tests.fakebot.driver import Driver
from tests.fakebot.faults import FaultRule, FloodLimiter, FloodViolation
from tests.fakebot.methods_messages import Handler
from tests.fakebot.schema import SchemaChecker
from tests.fakebot.spec import load_spec
from tests.fakebot.validate import RequestValidator, Upload
from tests.fakebot.world import ApiError

DEFAULT_TOKEN = "123456789:AAfakeTokenForOfflineTests_0123456789"
HANDLERS: dict[str, Handler] = {
    **methods_chat.HANDLERS,
    **methods_messages.HANDLERS,
    **webhook.HANDLERS,
}
_MAX_BODY = 64 * 1024 * 1024
# A pressed button shows a spinner until the bot answers the callback query.
ANSWER_WITHIN = 5.0


class Violation(NamedTuple):
    """A request (or a response of the fake itself) that breaks the specification."""

    method: str
    parameter: str
    message: str


class RecordedRequest(NamedTuple):
    """One request as the fake decoded it."""

    method: str
    params: dict[str, Any]


class _Joinable(Protocol):
    async def join(self) -> None: ...


class FakeBotApi(Driver):
    """A Telegram Bot API server for offline end-to-end tests.

    Use `async with FakeBotApi() as fake:` (or `await fake.start()` / `await fake.stop()`)
    inside the running event loop, then point PTB at `fake.base_url` and
    `fake.base_file_url`.
    """

    def __init__(
        self,
        *,
        token: str = DEFAULT_TOKEN,
        bot_username: str = "refleks_test_bot",
        bot_first_name: str = "Refleks",
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(
            token=token,
            bot_username=bot_username,
            bot_first_name=bot_first_name,
            clock=clock,
            wall_clock=wall_clock,
        )
        self.spec = load_spec()
        self.checker = SchemaChecker(self.spec)
        self.validator = RequestValidator(self.checker)
        self.violations: list[Violation] = []
        self.requests: list[RecordedRequest] = []
        self.flood_violations: list[FloodViolation] = []
        self.faults: list[FaultRule] = []
        self.answer_within = ANSWER_WITHIN  # seconds of `clock`
        self.flood: FloodLimiter | None = None
        self.port = 0
        self._runner: web.AppRunner | None = None
        self._in_flight = 0
        self._request_count = 0
        self._update_queue: _Joinable | None = None
        self._activity = asyncio.Event()  # replaced after every answered request
        self.webhook = webhook.WebhookDelivery(self)

    # -- lifecycle --------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """What to pass to ApplicationBuilder.base_url()."""
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        """What to pass to ApplicationBuilder.base_file_url()."""
        return f"http://127.0.0.1:{self.port}/file/bot"

    async def start(self) -> None:
        """Listen on an ephemeral loopback port in the running event loop."""
        app = web.Application(client_max_size=_MAX_BODY)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = int(self._runner.addresses[0][1])

    async def stop(self) -> None:
        """Release waiting long polls and close the server.

        A button press the bot fetched and never answered is a violation now: the person
        would see the spinner until Telegram gives up.
        """
        self.check_callbacks(final=True)
        self.updates.close()
        await self.webhook.stop()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeBotApi:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    # -- faults and limits ------------------------------------------------------------

    def fail(
        self,
        method: str,
        status: int | None = 429,
        *,
        retry_after: int | None = None,
        times: int = 1,
        chat_id: int | str | None = None,
        delay: float | None = None,
        description: str | None = None,
    ) -> None:
        """Answer the next `times` calls of `method` (in `chat_id`) with an error.

        `delay` keeps the connection open first (longer than PTB's read timeout, it
        emulates a timeout); with `status=None` the call is then answered normally.
        """
        rule = FaultRule(method.lower(), status, retry_after, times, chat_id, delay, description)
        self.faults.append(rule)

    def conflict_polling(self, times: int = 1_000_000) -> None:
        """getUpdates answers 409 Conflict, as when a second instance polls."""
        self.fail("getUpdates", status=409, times=times)

    def clear_faults(self) -> None:
        """Forget every injected fault that has not fired yet."""
        self.faults.clear()

    def enable_flood_limits(
        self,
        per_chat_per_second: float = 1,
        burst: int = 3,
        group_per_minute: float = 20,
        overall_per_second: float = 30,
    ) -> None:
        """Answer 429 like Telegram when the bot sends faster than its limits."""
        self.flood = FloodLimiter(
            self.clock,
            per_chat_per_second=per_chat_per_second,
            burst=burst,
            group_per_minute=group_per_minute,
            overall_per_second=overall_per_second,
        )

    # -- observing --------------------------------------------------------------------

    def watch_update_queue(self, queue: _Joinable | None) -> None:
        """Let idle() also wait until the application processed every update (None: stop)."""
        self._update_queue = queue

    def _quiet(self) -> bool:
        busy = self._in_flight - self.updates.waiting_polls
        return busy <= 0 and not self.updates.pending

    async def idle(
        self,
        timeout: float = 10.0,  # noqa: ASYNC109 - a guard against hangs, part of the API
        settle: float = 0.05,
    ) -> None:
        """Wait until the bot has no request in flight and no update left to handle.

        With an application's update queue watched, "handled" means its handlers have
        finished; otherwise the fake waits for `settle` seconds without any request.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while loop.time() < deadline:
            count = self._request_count
            if self._quiet():
                if self._update_queue is not None:
                    try:
                        await asyncio.wait_for(self._update_queue.join(), deadline - loop.time())
                    except TimeoutError:
                        break
                    await asyncio.sleep(0)
                else:
                    await asyncio.sleep(settle)
                if self._quiet() and count == self._request_count:
                    return
            await asyncio.sleep(0.002)
        raise AssertionError(f"the bot did not become idle within {timeout}s")

    async def wait_until(
        self,
        condition: Callable[[], bool],
        timeout: float = 10.0,  # noqa: ASYNC109 - a guard against hangs, part of the API
    ) -> None:
        """Wait until `condition()` holds, re-checking after every answered request.

        Useful for effects that are not new messages, such as an edit or a callback answer.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not condition():
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(
                    f"condition not met within {timeout}s; {self.describe_problems()}"
                )
            try:
                await asyncio.wait_for(self._activity.wait(), remaining)
            except TimeoutError:
                continue

    def check_callbacks(self, *, final: bool = False) -> None:
        """Record a violation for each fetched button press not answered in time.

        "In time" is `answer_within` seconds of the fake's `clock` after the bot fetched the
        update; `final` (the fake is stopping) means the bot will never answer.
        """
        now = self.clock()
        for query_id, fetched in list(self.unanswered.items()):
            waited = now - fetched
            if final or waited >= self.answer_within:
                del self.unanswered[query_id]
                data = self.callback_queries[query_id].get("data")
                self._violate(
                    "answerCallbackQuery",
                    "callback_query_id",
                    f"the press of button {data!r} was not answered within "
                    f"{self.answer_within:g} s: the person sees a spinner",
                )

    def take_violations(self) -> list[Violation]:
        """Return and forget the violations so far (for tests that provoke them)."""
        taken, self.violations = self.violations, []
        return taken

    def describe_problems(self) -> str:
        """Readable list of violations for assertion messages."""
        if not self.violations:
            return "no spec violations"
        lines = [f"  {v.method} {v.parameter or '-'}: {v.message}" for v in self.violations]
        return "spec violations:\n" + "\n".join(lines)

    def calls(self, method: str) -> list[dict[str, Any]]:
        """Parameters of every request to `method` (any case), oldest first."""
        wanted = method.lower()
        return [r.params for r in self.requests if r.method.lower() == wanted]

    # -- HTTP -------------------------------------------------------------------------

    def _violate(self, method: str, parameter: str, message: str) -> None:
        self.violations.append(Violation(method, parameter, message))

    @staticmethod
    def _error(
        status: int, description: str, parameters: dict[str, Any] | None = None
    ) -> web.Response:
        body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
        if parameters:
            body["parameters"] = parameters
        return web.json_response(body, status=status)

    async def _handle_api(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return self._error(401, "Unauthorized")
        self._in_flight += 1
        self._request_count += 1
        self.check_callbacks()
        try:
            return await self._dispatch(request)
        finally:
            self._in_flight -= 1
            self._request_count += 1
            self.wake_waiters()

    def wake_waiters(self) -> None:
        """Let `wait_until` look again (after every answered request or delivered update)."""
        self._activity.set()
        self._activity = asyncio.Event()

    async def _dispatch(self, request: web.Request) -> web.Response:
        spec = self.spec.method(request.match_info["method"])
        if spec is None:
            self._violate(request.match_info["method"], "", "unknown method")
            return self._error(404, "Not Found")
        try:
            raw, uploads = await _read_params(request)
        except ValueError as exc:
            self._violate(spec.name, "", str(exc))
            return self._error(400, f"Bad Request: {exc}")
        checked = self.validator.validate(spec, raw, uploads)
        self.requests.append(RecordedRequest(spec.name, checked.params))
        if checked.problems:
            for parameter, message in checked.problems:
                self._violate(spec.name, parameter, message)
            return self._error(400, f"Bad Request: {checked.problems[0][1]}")
        refusal = await self._injected_answer(spec.name, checked.params)
        if refusal is not None:
            return refusal
        handler = HANDLERS.get(spec.name)
        if handler is None:
            self._violate(spec.name, "", "not emulated")
            return self._error(400, f"Bad Request: {spec.name} is not emulated by the fake")
        try:
            result = await handler(self, checked)
        except ApiError as exc:
            if exc.violation:
                self._violate(spec.name, exc.parameter, exc.description)
            return self._error(exc.status, exc.description, exc.parameters)
        problem = self.checker.check(result, spec.returns, "result")
        if problem:
            self._violate(spec.name, "<result>", f"the fake's own answer is invalid: {problem}")
        return web.Response(
            body=json.dumps({"ok": True, "result": result}).encode(),
            content_type="application/json",
        )

    async def _injected_answer(self, method: str, params: dict[str, Any]) -> web.Response | None:
        """An injected fault or a flood-limit 429, or None to go on normally."""
        for rule in self.faults:
            if rule.matches(method, params):
                rule.times -= 1
                if rule.delay:
                    await asyncio.sleep(rule.delay)
                answer = rule.answer()
                if answer is not None:
                    return self._error(*answer)
                break
        if self.flood is not None:
            chat_id = params.get("chat_id")
            retry_after = self.flood.check(method, chat_id)
            if retry_after is not None:
                self.flood_violations.append(FloodViolation(method, chat_id, retry_after))
                return self._error(
                    429,
                    f"Too Many Requests: retry after {retry_after}",
                    {"retry_after": retry_after},
                )
        return None

    async def _handle_file(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return self._error(401, "Unauthorized")
        stored = self.files_by_path.get(request.match_info["path"])
        if stored is None:
            return self._error(404, "Not Found")
        return web.Response(body=stored.data, content_type="application/octet-stream")


async def _read_params(request: web.Request) -> tuple[dict[str, Any], dict[str, Upload]]:
    """Query string, then form, multipart or JSON body; file parts kept apart."""
    params: dict[str, Any] = dict(request.query)
    uploads: dict[str, Upload] = {}
    if not request.body_exists:
        return params, uploads
    if request.content_type == "application/json":
        try:
            body = await request.json()
        except ValueError as exc:
            raise ValueError("can't parse JSON object") from exc
        if not isinstance(body, dict):
            raise ValueError("the JSON body must be an object")
        params.update(body)
        return params, uploads
    form = await request.post()
    for key, value in form.items():
        if isinstance(value, web.FileField):
            data = value.file.read()
            uploads[key] = Upload(key, value.filename, value.content_type, data)
        elif isinstance(value, bytes | bytearray):
            # aiohttp keeps text parts that declare a non-text content type as bytes.
            params[key] = bytes(value).decode("utf-8", "replace")
        else:
            params[key] = value
    return params, uploads
