"""/web: a one-time link that signs the person in to the web part in any browser."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import App
from bot.services import web_sign_in
from bot.views import View, say
from storage.models import Person


class WebChat:
    """The chat's way into the web part."""

    def __init__(self, app: App) -> None:
        self.app = app

    async def command(self, session: AsyncSession, person: Person) -> list[View]:
        link = await web_sign_in.issue_link(self.app, session, person)
        return [View(html=say(person.language, "web.link", link=link))]
