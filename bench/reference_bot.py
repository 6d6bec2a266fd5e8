"""The reference: a ten-step reflection in python-telegram-bot's conversationbot.py style.

State lives in memory (`ConversationHandler`, `user_data`); nothing is stored durably.
It answers through the same fake server and harness as Refleks, so the ratio of the two
throughputs is the cost of what Refleks adds: consent and role checks, the engine, and an
answer committed to the database before every reply.

Built as the example builds it, the reference keeps PTB's default pool of 256 connections
to the Bot API. Refleks keeps fewer (`bot.telegram.builder.HTTP_CONNECTIONS`), which saves
much of the CPU httpcore spends per request on its pool; with `connections`, the reference
gets the same pool, so that the ratio leaves that setting out.
"""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CommandHandler,
    ContextTypes,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.telegram.processor import PerChatUpdateProcessor

STEPS = 10


def question(n: int) -> str:
    return f"Spørgsmål {n} af {STEPS} – hvad lagde du mærke til?"


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
    """Begin the reflection and ask the first question."""
    context.user_data.clear()  # type: ignore[union-attr]
    assert update.message is not None
    await update.message.reply_text(question(1))
    return 0


def make_step(index: int) -> Any:
    async def step(update: Update, context: ContextTypes.DEFAULT_TYPE) -> int:
        """Keep the answer in memory and ask the next question."""
        assert update.message is not None
        context.user_data[f"q{index + 1}"] = update.message.text  # type: ignore[index]
        if index + 1 == STEPS:
            await update.message.reply_text("Tak for din refleksion!")
            return ConversationHandler.END
        await update.message.reply_text(question(index + 2))
        return index + 1

    return step


def build(
    token: str, base_url: str, base_file_url: str, *, concurrency: int, connections: int | None
) -> Application:  # type: ignore[type-arg]
    """The reference, handling as many updates at once as Refleks does in the same run."""
    builder = (
        ApplicationBuilder()
        .token(token)
        .base_url(base_url)
        .base_file_url(base_file_url)
        .concurrent_updates(PerChatUpdateProcessor(concurrency))
    )
    if connections is not None:
        builder = builder.connection_pool_size(connections)
    application = builder.build()
    text = filters.TEXT & ~filters.COMMAND
    application.add_handler(
        ConversationHandler(
            entry_points=[CommandHandler("start", start)],
            states={i: [MessageHandler(text, make_step(i))] for i in range(STEPS)},
            fallbacks=[],
        )
    )
    return application
