"""Feature modules that add private-chat commands and buttons to the conversation.

Each feature keeps its use cases in bot/services/ and its chat glue in a module with an
`install(conversation)` function; this is the one list of them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.conversation import Conversation


def install(conversation: Conversation) -> None:
    """Register every feature's commands and buttons."""
    from bot.chat import invite

    invite.install(conversation)
    from bot.chat import summaries

    summaries.install(conversation)
    from bot.chat import privacy

    privacy.install(conversation)
    # Before meetings, whose typed-text handler takes any awaited text: these take only theirs.
    from bot.chat import admin, mine

    admin.install(conversation)
    mine.install(conversation)
    from bot.chat import meetings

    meetings.install(conversation)
    from bot.chat import web

    web.install(conversation)
