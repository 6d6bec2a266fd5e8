"""Who is asking: the browser session behind the cookie, CSRF, and sign-in rate limits.

Page handlers run inside `signed_in_unit`, which opens one unit of work, finds the person,
refuses a form post without the session's CSRF token, asks for consent when it is missing,
and turns a service's NotFound into the same 404 as an address that never existed.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from bot.app import App
from bot.i18n import Lang
from bot.services import privacy, web_sign_in
from bot.services.errors import Denied, NotFound
from bot.web.render import page
from storage.models import Person, WebSession

COOKIE = "refleks_session"
CSRF_FIELD = "csrf"


@dataclass(frozen=True)
class Visitor:
    """A signed-in person, with their session (for its CSRF token)."""

    person: Person
    web_session: WebSession

    @property
    def lang(self) -> Lang:
        return "en" if self.person.language == "en" else "da"

    @property
    def csrf(self) -> str:
        return self.web_session.csrf_token


def refleks(request: Request) -> App:
    app: App = request.app.state.refleks
    return app


def set_session_cookie(request: Request, response: Response, token: str) -> None:
    """HttpOnly, SameSite=Lax, and Secure when people reach us over https."""
    secure = refleks(request).settings.public_url.startswith("https://")
    response.set_cookie(
        COOKIE,
        token,
        max_age=int(web_sign_in.SESSION_VALID.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=secure,
        path="/",
    )


def not_found(request: Request, lang: Lang = "da") -> Response:
    return page(request, "not_found.html", lang=lang, status_code=404)


def see(path: str) -> Response:
    """After a form post: go to `path` with GET (303), so a reload posts nothing twice."""
    return RedirectResponse(path, status_code=303)


Handler = Callable[[Request, App, AsyncSession, Visitor], Awaitable[Response]]


async def signed_in_unit(request: Request, handler: Handler) -> Response:
    """Run `handler` for the signed-in person in one unit of work (see the module text)."""
    app = refleks(request)
    token = request.cookies.get(COOKIE)
    if not token:
        return see("/")
    form = await request.form() if request.method == "POST" else None

    async def unit(session: AsyncSession) -> Response:
        found = await web_sign_in.signed_in(app, session, token)
        if found is None:  # ended, expired, or forgotten: start again from the front page
            response = see("/")
            response.delete_cookie(COOKIE, path="/")
            return response
        visitor = Visitor(person=found[1], web_session=found[0])
        if form is not None:
            given = form.get(CSRF_FIELD)
            if not web_sign_in.csrf_matches(visitor.web_session, str(given) if given else None):
                return page(request, "refused.html", lang=visitor.lang, status_code=403)
        if not await privacy.has_consented(session, visitor.person):
            return await consent_page(request, app, session, visitor)
        try:
            return await handler(request, app, session, visitor)
        except (NotFound, Denied):
            return not_found(request, visitor.lang)

    return await app.db.run(unit)


async def consent_page(
    request: Request, app: App, session: AsyncSession, visitor: Visitor
) -> Response:
    """The privacy text and a yes, as the chat asks it; a yes posts to /consent."""
    if request.url.path == "/consent" and request.method == "POST":
        person = visitor.person
        await privacy.accept(
            app,
            session,
            language=person.language,
            display_name=person.display_name,
            telegram_id=person.telegram_id,
            console_handle=person.console_handle,
        )
        return see("/me")
    params = privacy.privacy_params(app, visitor.lang)
    return page(request, "consent.html", lang=visitor.lang, visitor=visitor, params=params)


class SignInLimiter:
    """At most `limit` sign-in attempts a minute from one address (a sliding window)."""

    def __init__(self, clock: Callable[[], float], limit: int = 10) -> None:
        self.limit = limit
        self.clock = clock
        self.seen: dict[str, deque[float]] = defaultdict(deque)

    def allow(self, request: Request) -> bool:
        address = request.client.host if request.client else "?"
        now = self.clock()
        window = self.seen[address]
        while window and now - window[0] >= 60:
            window.popleft()
        if len(window) >= self.limit:
            return False
        window.append(now)
        if len(self.seen) > 10_000:  # forget idle addresses rather than grow without bound
            for key in [k for k, v in self.seen.items() if not v]:
                del self.seen[key]
        return True
