"""pytest fixtures for the fake Bot API.

Register with `pytest_plugins = ["tests.fakebot.pytest_plugin"]` in the root conftest.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.fakebot.server import FakeBotApi


@pytest.fixture
async def fake_bot_api(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeBotApi]:
    """A started fake server; at teardown, no request may have broken the spec."""
    # PTB 22 warns on integer time periods unless this opt-in is set (warnings are errors).
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    fake = FakeBotApi()
    await fake.start()
    try:
        yield fake
    finally:
        await fake.stop()
    assert not fake.violations, fake.describe_problems()
