"""Flood control: hundreds of updates a minute are slowed, with one polite word."""

from __future__ import annotations

from dataclasses import dataclass

from bot.telegram.flood import FloodControl


@dataclass
class Ticks:
    now: float = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_person_sending_hundreds_a_minute_is_slowed_and_told_once() -> None:
    ticks = Ticks()
    flood = FloodControl(per_minute=60, group_per_minute=120, clock=ticks)
    verdicts = []
    for _ in range(300):  # five a second for a minute
        verdicts.append(flood.admit(7, None))
        ticks.now += 0.2
    admitted = sum(1 for ok, _ in verdicts if ok)
    warnings = sum(1 for _, warn in verdicts if warn)
    assert 100 <= admitted <= 125  # a minute's allowance plus what refilled meanwhile
    assert warnings == 1
    assert all(ok for ok, _ in verdicts[:60])  # a burst of an ordinary size passes


def test_a_calm_person_is_never_slowed_and_others_are_not_affected() -> None:
    ticks = Ticks()
    flood = FloodControl(per_minute=60, group_per_minute=120, clock=ticks)
    for _ in range(60):
        assert flood.admit(1, None) == (True, False)
    assert flood.admit(1, None) == (False, True)
    assert flood.admit(1, None) == (False, False)
    assert flood.admit(2, None) == (True, False)
    for _ in range(500):  # one a second for a long time
        ticks.now += 1.0
        assert flood.admit(3, None) == (True, False)
    ticks.now += 60
    assert flood.admit(1, None) == (True, False)  # recovered after a quiet minute


def test_a_group_chat_has_its_own_allowance() -> None:
    ticks = Ticks()
    flood = FloodControl(per_minute=60, group_per_minute=120, clock=ticks)
    results = [flood.admit(person, -100) for person in range(200) for _ in range(1)]
    assert sum(ok for ok, _ in results) == 120
    assert sum(warn for _, warn in results) == 1
    assert flood.admit(999, None) == (True, False)  # the same people are free in private


def test_zero_switches_flood_control_off() -> None:
    flood = FloodControl(per_minute=0, group_per_minute=0, clock=Ticks())
    assert all(flood.admit(1, -5) == (True, False) for _ in range(1000))
