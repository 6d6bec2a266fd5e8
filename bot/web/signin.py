"""Signing in and out: the one-time link, Telegram's Mini App, and ending a session."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from bot.app import App
from bot.i18n import language_of
from bot.services import privacy, web_sign_in
from bot.web.auth import (
    COOKIE,
    SignInLimiter,
    Visitor,
    refleks,
    see,
    set_session_cookie,
    signed_in_unit,
)
from bot.web.render import page


def _limiter(request: Request) -> SignInLimiter:
    limiter: SignInLimiter = request.app.state.sign_in_limiter
    return limiter


def _too_many(request: Request) -> Response:
    return page(request, "too_many.html", status_code=429)


async def link_page(request: Request) -> Response:
    """The address in a sign-in link only shows a button: link previews and prefetching
    browsers fetch addresses, and must not use the link up."""
    return page(request, "signin.html", token=request.path_params["token"])


async def use_link(request: Request) -> Response:
    if not _limiter(request).allow(request):
        return _too_many(request)
    token = str((await request.form()).get("token", ""))
    app = refleks(request)

    async def unit(session: AsyncSession) -> web_sign_in.Signed | None:
        return await web_sign_in.redeem_link(app, session, token)

    signed = await app.db.run(unit)
    if signed is None:
        return page(request, "link_spent.html", status_code=400)
    response = see("/me")
    set_session_cookie(request, response, signed.token)
    return response


async def mini_app(request: Request) -> Response:
    """Telegram opens this inside the chat; its script posts the signed init data to us."""
    return page(request, "mini_app.html")


async def mini_app_sign_in(request: Request) -> Response:
    """Check the init data; a person who has not said yes to the privacy text is asked
    first, exactly as in the chat, and nothing is stored until they do."""
    if not _limiter(request).allow(request):
        return _too_many(request)
    form = await request.form()
    init_data = str(form.get("init_data", ""))
    consents = form.get("consent") == "yes"
    app = refleks(request)
    token = app.settings.telegram_bot_token
    telegram_id = (
        None
        if token is None
        else web_sign_in.telegram_user_id(init_data, token.get_secret_value(), app.now())
    )
    if telegram_id is None:
        return page(request, "mini_app_refused.html", status_code=403)

    async def unit(session: AsyncSession) -> Response:
        person = await privacy.stored_person(session, telegram_id=telegram_id)
        consented = person is not None and await privacy.has_consented(session, person)
        if not consented and not consents:
            user = web_sign_in.mini_app_user(init_data)
            lang = language_of(person.language if person else user.language_code)
            params = privacy.privacy_params(app, lang)
            return page(request, "consent.html", lang=lang, init_data=init_data, params=params)
        if not consented:
            user = web_sign_in.mini_app_user(init_data)
            person = await privacy.accept(
                app,
                session,
                language=language_of(user.language_code),
                display_name=user.name,
                telegram_id=telegram_id,
            )
        assert person is not None  # noqa: S101 (consented, or accepted just now)
        signed = await web_sign_in.open_session(app, session, person)
        response = see("/me")
        set_session_cookie(request, response, signed.token)
        return response

    return await app.db.run(unit)


async def sign_out(request: Request) -> Response:
    async def handler(
        request: Request, _app: App, session: AsyncSession, _visitor: Visitor
    ) -> Response:
        await web_sign_in.sign_out(session, request.cookies[COOKIE])
        response = page(request, "signed_out.html", lang=_visitor.lang)
        response.delete_cookie(COOKIE, path="/")
        return response

    return await signed_in_unit(request, handler)


def sign_in_routes() -> list[BaseRoute]:
    return [
        Route("/signin/{token}", link_page, name="sign_in_link"),
        Route("/signin", use_link, methods=["POST"]),
        Route("/app", mini_app, name="mini_app"),
        Route("/app/signin", mini_app_sign_in, methods=["POST"]),
        Route("/signout", sign_out, methods=["POST"]),
    ]
