"""/web: a one-time link that signs the person in to the web part in any browser."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import App
from bot.render import View, say
from bot.services import web_sign_in
from storage.models import Person

if TYPE_CHECKING:
    from bot.conversation import Conversation


class WebChat:
    def __init__(self, app: App) -> None:
        self.app = app

    async def command(self, session: AsyncSession, person: Person) -> list[View]:
        link = await web_sign_in.issue_link(self.app, session, person)
        return [View(html=say(person.language, "web.link", link=link))]


def install(conversation: Conversation) -> None:
    conversation.add_command("web", WebChat(conversation.app).command)
