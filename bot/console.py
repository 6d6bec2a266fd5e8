"""The console channel: try Refleks in a terminal, on the same services as Telegram.

Type answers as text; where the bot offers buttons, type their number. Commands are the
Telegram ones (/reflect, /next, /language, /help, /privacy, /cancel) plus /quit.
End of input (Ctrl-D) leaves cleanly.
"""

from __future__ import annotations

import asyncio
import html
import re
import sys
from pathlib import Path
from typing import TextIO

from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import App
from bot.chat.base import Who
from bot.conversation import Conversation
from bot.services import membership
from bot.views import Attachment, Button, View
from storage.enums import GroupKind, Role
from storage.models import Person
from storage.repositories import groups

_TAG = re.compile(r"<[^>]+>")
DEMO_TEAM = {"da": "Demo-team", "en": "Demo team"}


def plain(markup: str) -> str:
    """Telegram HTML as plain terminal text."""
    return html.unescape(_TAG.sub("", markup))


class Console:
    """A line-based chat with one person."""

    def __init__(self, app: App, who: Who, out: TextIO) -> None:
        self.app = app
        self.who = who
        self.out = out
        self.conversation = Conversation(app, on_consent=self.demo_team)
        self.buttons: list[Button] = []

    def show(self, views: list[View]) -> None:
        self.buttons = []
        for view in views:
            self.out.write("\n" + plain(view.html) + "\n")
            if view.attachment is not None:
                self.out.write(self.save(view.attachment))
            for row in view.buttons:
                for button in row:
                    self.buttons.append(button)
                    self.out.write(f"  [{len(self.buttons)}] {plain(button.label)}\n")
        self.out.flush()

    def save(self, attachment: Attachment) -> str:
        """Write a file the bot sends into ./data/console/ and say where it is."""
        folder = Path("data") / "console"
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / Path(attachment.filename).name
        target.write_bytes(attachment.data)
        return f"  📎 {target}\n"

    async def demo_team(self, session: AsyncSession, person: Person) -> None:
        """Give a newcomer a team of their own to try everything in, once they consented."""
        if await membership.my_groups(session, person):
            return
        now = self.app.now()
        name = DEMO_TEAM.get(person.language, DEMO_TEAM["da"])
        group = await groups.by_name(session, name) or await groups.create_group(
            session, name=name, kind=GroupKind.team, language=person.language, now=now
        )
        await groups.add_member(
            session, group_id=group.id, person_id=person.id, role=Role.facilitator, now=now
        )

    async def handle(self, line: str) -> bool:
        """Handle one line; False when the person wants to leave."""
        text = line.strip()
        if not text:
            return True
        conversation, who = self.conversation, self.who
        if text in {"/quit", "/exit"}:
            return False
        if text.startswith("/"):
            name, _, args = text[1:].partition(" ")
            if name == "start":
                views = await conversation.start(who, args.strip() or None)
            else:
                views = await conversation.command(who, name.lower(), args)
        elif text.isdigit() and self.buttons and 1 <= int(text) <= len(self.buttons):
            views = await conversation.button(who, self.buttons[int(text) - 1].action)
        else:
            views = await conversation.text(who, text)
        self.show(views)
        return True


async def run_console(
    app: App,
    *,
    handle: str = "console",
    lang: str | None = None,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
) -> int:
    """Chat in the terminal until /quit or end of input."""
    source, out = stdin or sys.stdin, stdout or sys.stdout
    who = Who(
        display_name=handle,
        language_code=lang or app.settings.refleks_language,
        console_handle=handle,
    )
    console = Console(app, who, out)
    out.write("Refleks – konsol / console. /quit afslutter / ends.\n")
    try:
        console.show(await console.conversation.start(who, None))
        while True:
            line = await asyncio.to_thread(source.readline)
            if not line:  # end of input
                break
            if not await console.handle(line):
                break
    finally:
        await app.close()
    out.write("\nFarvel / Goodbye.\n")
    out.flush()
    return 0
