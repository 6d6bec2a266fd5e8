"""Telegram handlers: each turns an update into one use-case call and sends the views back."""

from __future__ import annotations

import logging

from telegram import Message, Update, User
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import BadRequest, Forbidden
from telegram.ext import ContextTypes

from bot.app import App
from bot.chat.base import Who
from bot.conversation import Conversation
from bot.i18n import language_of
from bot.services import membership
from bot.telegram.send import send_views
from bot.views import View, say
from dialogues.guards import clean_text
from storage.repositories import people

log = logging.getLogger(__name__)

Context = ContextTypes.DEFAULT_TYPE


def who_of(user: User) -> Who:
    return Who(
        display_name=clean_text(user.full_name)[:128],
        language_code=user.language_code,
        telegram_id=user.id,
    )


class TelegramChannel:
    """The bound callbacks the application builder registers."""

    def __init__(self, app: App) -> None:
        self.app = app
        self.conversation = Conversation(app)

    async def _send(
        self, context: Context, chat_id: int, views: list[View], pressed: Message | None = None
    ) -> None:
        try:
            await send_views(context.bot, chat_id, views, pressed)
        except Forbidden:
            # The person blocked the bot: note it and carry on with everyone else.
            log.info("person unreachable", extra={"chat": chat_id})
            await self.app.db.run(lambda s: membership.set_reachable(s, chat_id, False))

    async def start(self, update: Update, context: Context) -> None:
        """Greet a newcomer, ask for consent, or join a group by invite code."""
        user, chat = update.effective_user, update.effective_chat
        if user is None or chat is None:
            return
        code = context.args[0] if context.args else None
        views = await self.conversation.start(who_of(user), code, update.update_id)
        await self._send(context, chat.id, views)

    async def command(self, update: Update, context: Context) -> None:
        """Run a private-chat command (/help, /reflect, /next, /language, /privacy, /cancel)."""
        user, chat, message = update.effective_user, update.effective_chat, update.effective_message
        if user is None or chat is None or message is None or not message.text:
            return
        name = message.text.split()[0].lstrip("/").split("@")[0].lower()
        args = " ".join(context.args or [])
        views = await self.conversation.command(who_of(user), name, args, update.update_id)
        await self._send(context, chat.id, views)

    async def text(self, update: Update, context: Context) -> None:
        """Take typed text as the answer to the current step."""
        user, chat, message = update.effective_user, update.effective_chat, update.effective_message
        if user is None or chat is None or message is None or message.text is None:
            return
        text = clean_text(message.text)
        views = await self.conversation.text(who_of(user), text, update.update_id)
        await self._send(context, chat.id, views)

    async def not_text(self, update: Update, context: Context) -> None:
        """Explain kindly that only text can be kept."""
        user, chat = update.effective_user, update.effective_chat
        if user is None or chat is None:
            return
        views = await self.conversation.not_text(who_of(user), update.update_id)
        await self._send(context, chat.id, views)

    async def button(self, update: Update, context: Context) -> None:
        """Handle a pressed inline button."""
        query, user = update.callback_query, update.effective_user
        if query is None or user is None:
            return
        message = query.message if isinstance(query.message, Message) else None
        try:  # at once, with nothing to say: the spinner stops while the work is done
            await query.answer()
        except BadRequest:
            log.info("a button press was answered too late")  # the press still counts
        views = await self.conversation.button(who_of(user), query.data, update.update_id)
        if views and message is not None:
            await self._send(context, message.chat_id, views, pressed=message)

    async def private_only(self, update: Update, context: Context) -> None:
        """Point a private-chat command used in a group to the private chat."""
        user, message = update.effective_user, update.effective_message
        if user is None or message is None:
            return
        lang = language_of(user.language_code)
        link = f"https://t.me/{context.bot.username}"
        await message.reply_text(say(lang, "chat.private_only", link=link))

    async def group_only(self, update: Update, context: Context) -> None:
        """Explain that a group command belongs in the group's chat."""
        user, chat = update.effective_user, update.effective_chat
        if user is None or chat is None:
            return
        lang = language_of(user.language_code)
        await context.bot.send_message(chat.id, say(lang, "chat.group_only"))

    async def membership_changed(self, update: Update, _context: Context) -> None:
        """Note when someone blocks the bot in private chat, or starts it again."""
        change = update.my_chat_member
        if change is None or change.chat.type != ChatType.PRIVATE:
            return
        blocked = change.new_chat_member.status == ChatMemberStatus.BANNED
        user_id = change.from_user.id
        await self.app.db.run(lambda s: membership.set_reachable(s, user_id, not blocked))

    async def migrate(self, update: Update, _context: Context) -> None:
        """Keep a group's link when Telegram turns it into a supergroup."""
        message = update.effective_message
        if message is None or message.migrate_to_chat_id is None:
            return
        old, new = message.chat.id, message.migrate_to_chat_id
        await self.app.db.run(lambda s: membership.chat_migrated(s, old, new))

    async def _language(self, user: User | None) -> str:
        """The person's chosen language, or their Telegram language when it cannot be read."""
        fallback = language_of(user.language_code if user else None)
        if user is None:
            return fallback
        try:
            person = await self.app.db.run(lambda s: people.by_telegram_id(s, user.id))
        except Exception:  # the database may be what failed
            return fallback
        return person.language if person is not None else fallback

    async def error(self, update: object, context: Context) -> None:
        """Log the failure without any message text, and reassure the person."""
        error = context.error
        log.error(
            "update failed",
            extra={
                "error_type": type(error).__name__,
                "where": _where(error),
                "update_id": update.update_id if isinstance(update, Update) else None,
            },
        )
        if not isinstance(update, Update) or update.effective_chat is None:
            return
        user = update.effective_user
        if update.effective_chat.type != ChatType.PRIVATE:
            return
        lang = await self._language(user)
        try:
            await context.bot.send_message(update.effective_chat.id, say(lang, "error.internal"))
        except Exception:  # the error handler itself must never fail
            log.warning("could not tell the person about an error")


def _where(error: BaseException | None) -> str | None:
    """File and line where an error was raised: enough to find it, with nobody's words."""
    tb = error.__traceback__ if error is not None else None
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    if tb is None:
        return None
    return f"{tb.tb_frame.f_code.co_filename.rsplit('/', 1)[-1]}:{tb.tb_lineno}"
