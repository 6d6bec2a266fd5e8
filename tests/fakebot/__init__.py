"""A fake Telegram Bot API server that checks every request against the specification.

Import `FakeBotApi` to drive it; `tests.fakebot.ptb` builds a real python-telegram-bot
Application against it and `tests.fakebot.pytest_plugin` offers the pytest fixture.
Nothing here imports pytest, so benchmarks can use the fake too.
"""

from tests.fakebot.faults import FloodViolation
from tests.fakebot.server import DEFAULT_TOKEN, FakeBotApi, RecordedRequest, Violation
from tests.fakebot.world import BotMessage, Chat, User

__all__ = [
    "DEFAULT_TOKEN",
    "BotMessage",
    "Chat",
    "FakeBotApi",
    "FloodViolation",
    "RecordedRequest",
    "User",
    "Violation",
]
