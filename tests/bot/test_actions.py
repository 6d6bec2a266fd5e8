"""Button data round-trips, stays inside 64 bytes, and anything forged is refused."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.actions import Action, act, parse


def test_round_trip() -> None:
    assert parse(act("a", 12, 3, 1)) == Action("a", (12, 3, 1))
    assert parse(act("c", 1, code="AbC-12_x")) == Action("c", (1,), "AbC-12_x")


def test_forged_or_old_data_is_refused() -> None:
    for data in ["", "a:1:2", "a:1:2:3:4", "z:1", "a:x:1:2", "n:1:2:extra", "a:1:2:3:code"]:
        assert parse(data) is None, data


@settings(deadline=None, max_examples=300)
@given(st.text(max_size=80))
def test_any_text_parses_or_is_refused(data: str) -> None:
    action = parse(data)
    if action is not None:
        assert len(action.encode().encode()) <= 64
