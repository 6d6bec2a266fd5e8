"""The one place that wires the Telegram application: handlers in order, menus, lifecycle."""

from __future__ import annotations

from typing import Any

from telegram import (
    BotCommand,
    BotCommandScopeAllChatAdministrators,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
    Update,
)
from telegram.constants import ParseMode
from telegram.ext import (
    AIORateLimiter,
    Application,
    ApplicationBuilder,
    BaseRateLimiter,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    Defaults,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.app import App
from bot.dispatch import job as dispatch_job
from bot.dispatch.pacing import SharedPacer
from bot.i18n import LANGUAGES, t
from bot.logs import protect
from bot.routes import MENU as MENU_PRIVATE
from bot.routes import PRIVATE_COMMANDS
from bot.services import retention
from bot.telegram.channel import TelegramChannel
from bot.telegram.circle_views import BUTTON_PATTERN as CIRCLE_BUTTONS
from bot.telegram.flood import FloodControl, UpdateGuard
from bot.telegram.group import GroupChannel
from bot.telegram.limiter import SharedRateLimiter
from bot.telegram.mini_app import set_menu_button
from bot.telegram.processor import PerChatUpdateProcessor
from storage.locks import AdvisoryLocks

GROUP_COMMANDS = ("circle", "help")
MENU_GROUP = ("help",)
# Group admins (usually the facilitator who added the bot) also see how to run the circle.
MENU_GROUP_ADMINS = ("circle", "help")

# Connections kept open to the Bot API. httpcore checks every pooled connection, each with
# a system call, whenever a request starts or ends (encode/httpcore#928), so PTB's default
# of 256 costs far more CPU per message than it gives: with 32 updates in hand, Refleks on
# PostgreSQL answers about 28 % more updates a second with 8 connections than with the
# default (docs/benchmarks.md). Eight is still well above what Telegram's limit of about 30
# messages a second needs at its latency. A burst beyond eight waits for a free connection,
# so the wait allowed for one is long enough that a slow Bot API delays a reply instead of
# failing it ("Pool timeout").
HTTP_CONNECTIONS = 8
HTTP_POOL_TIMEOUT = 30.0
# Connections that hold chat locks in webhook mode: chats handled at once beyond this wait.
CHAT_LOCK_CONNECTIONS = 16


def _menu(lang: str, names: tuple[str, ...]) -> list[BotCommand]:
    return [BotCommand(name, t(lang, f"menu.{name}")) for name in names]


async def _set_menus(application: Application) -> None:  # type: ignore[type-arg]
    bot = application.bot
    for lang in LANGUAGES:
        code = None if lang == "da" else lang
        await bot.set_my_commands(
            _menu(lang, MENU_PRIVATE), scope=BotCommandScopeAllPrivateChats(), language_code=code
        )
        await bot.set_my_commands(
            _menu(lang, MENU_GROUP), scope=BotCommandScopeAllGroupChats(), language_code=code
        )
        await bot.set_my_commands(
            _menu(lang, MENU_GROUP_ADMINS),
            scope=BotCommandScopeAllChatAdministrators(),
            language_code=code,
        )


def build_application(
    app: App,
    *,
    token: str,
    base_url: str,
    base_file_url: str | None = None,
    rate_limit: bool = True,
    webhook: bool = False,
) -> Application:  # type: ignore[type-arg]
    """Build the PTB application for Refleks; it is started by the caller.

    With `webhook`, updates come from `bot.telegram.webhook` instead of an updater, and
    on PostgreSQL each chat's updates are handled under a lock every worker shares.
    """
    protect(token, app.db.engine)  # neither the token nor an answer reaches a log
    channel = TelegramChannel(app)

    async def post_init(application: Application) -> None:  # type: ignore[type-arg]
        app.bot_username = application.bot.username
        await _set_menus(application)
        await set_menu_button(app, application)
        if application.job_queue is not None:
            application.job_queue.run_daily(
                retention.job(app), time=retention.run_at(app), name=retention.JOB_NAME
            )
        await application.bot_data["circle"].restore(application)
        if app.settings.refleks_dispatch_in_bot:
            await dispatch_job.start(
                application, app, token=token, base_url=base_url, base_file_url=base_file_url
            )

    async def post_shutdown(application: Application) -> None:  # type: ignore[type-arg]
        await dispatch_job.stop(application)
        await app.close()

    builder = (
        ApplicationBuilder()
        .token(token)
        .base_url(base_url)
        .defaults(Defaults(parse_mode=ParseMode.HTML))
        .connection_pool_size(HTTP_CONNECTIONS)
        .pool_timeout(HTTP_POOL_TIMEOUT)
        .concurrent_updates(_processor(app, webhook=webhook))
        .post_init(post_init)
        .post_shutdown(post_shutdown)
    )
    if base_file_url:
        builder = builder.base_file_url(base_file_url)
    if webhook:
        builder = builder.updater(None)
    if rate_limit:
        builder = builder.rate_limiter(_rate_limiter(app))
    application = builder.build()
    application.bot_data["channel"] = channel
    register(application, channel)
    return application


def _processor(app: App, *, webhook: bool) -> PerChatUpdateProcessor:
    at_once = app.settings.refleks_concurrent_updates
    if not webhook or app.db.is_sqlite:
        return PerChatUpdateProcessor(at_once)
    locks = AdvisoryLocks.dedicated(app.db, pool_size=min(at_once, CHAT_LOCK_CONNECTIONS))
    return PerChatUpdateProcessor(at_once, chat_locks=locks)


def _rate_limiter(app: App) -> BaseRateLimiter[Any]:
    """Telegram's limits: in this process on SQLite, shared by every process on PostgreSQL."""
    if app.db.is_sqlite:
        return AIORateLimiter(max_retries=3)
    # Replies keep the overall and the group limits together with every other sender. A
    # reply in a private chat answers the person's own message, so it is not spaced a
    # second from the last one there (Telegram allows such short bursts; python-telegram-
    # bot's AIORateLimiter does not space them either); follow-ups are.
    return SharedRateLimiter(SharedPacer(app.db, chat_interval=0))


def register(application: Application, channel: TelegramChannel) -> None:  # type: ignore[type-arg]
    """Every handler, in the order they are tried."""
    private = filters.ChatType.PRIVATE
    groups = filters.ChatType.GROUPS
    add = application.add_handler
    circle = application.bot_data["circle"] = GroupChannel(channel.app)

    settings = channel.app.settings
    flood = FloodControl(settings.refleks_flood_per_minute, settings.refleks_flood_group_per_minute)
    add(TypeHandler(Update, UpdateGuard(flood).check), group=-1)  # floods and edits stop here
    add(MessageHandler(filters.StatusUpdate.MIGRATE, channel.migrate))
    add(ChatMemberHandler(channel.membership_changed, ChatMemberHandler.MY_CHAT_MEMBER))
    add(CommandHandler("start", channel.start, filters=private))
    add(CommandHandler(list(PRIVATE_COMMANDS[1:]), channel.command, filters=private))
    add(CommandHandler(list(PRIVATE_COMMANDS), channel.private_only, filters=groups))
    add(CommandHandler(["circle"], channel.group_only, filters=private))
    add(CommandHandler("circle", circle.circle, filters=groups))
    add(CallbackQueryHandler(circle.button, pattern=CIRCLE_BUTTONS))
    add(CallbackQueryHandler(channel.button))
    add(
        MessageHandler(
            groups
            & filters.REPLY
            & ~filters.COMMAND
            & ~filters.StatusUpdate.ALL
            & ~filters.UpdateType.EDITED,
            circle.reply,
        )
    )
    add(MessageHandler(private & filters.TEXT & ~filters.COMMAND, channel.text))
    add(MessageHandler(private & filters.COMMAND, channel.command))
    add(
        MessageHandler(
            private & ~filters.TEXT & ~filters.StatusUpdate.ALL & ~filters.UpdateType.EDITED,
            channel.not_text,
        )
    )
    # A second handler group: channel.migrate above keeps the link, this moves the circle.
    application.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, circle.migrated), 1)
    application.add_error_handler(channel.error)
