"""Button data round-trips inside 64 bytes; old buttons are out of date, forged ones refused."""

from __future__ import annotations

import dataclasses
import itertools
import typing
from enum import IntEnum

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import bot.routes  # noqa: F401  (every feature declares its typed buttons on import)
from bot import buttons
from bot.buttons import OUT_OF_DATE, VERSION, ButtonData, OutOfDate, Press, act, decode
from bot.chat.admin import GroupButton, GroupOp, NewGroupButton, NewGroupStep
from bot.chat.invite import InviteButton, InviteRole, InviteUses
from bot.chat.privacy import (
    ArchiveAndLeaveButton,
    ForgetButton,
    ForgetChoice,
    LeaveButton,
    RemoveButton,
    Step,
)
from bot.chat.schedule import ScheduleButton, ScheduleOp
from bot.chat.summaries import PERIODS, SummaryButton, SummaryChoice
from bot.conversation import Conversation, Who
from bot.dispatch.compose import FollowupButton, FollowupOp
from bot.i18n import t
from bot.summaries.period import CHOICES
from storage.db import Database
from tests.support import Clock, make_app

ANE = Who(display_name="Ane", language_code="da", console_handle="ane")

NUMBER = st.integers(min_value=-(10**11), max_value=10**12 - 1)
CODE = st.from_regex(r"[A-Za-z0-9_-]{1,40}", fullmatch=True).filter(
    lambda code: not code.lstrip("-").isdigit()
)


def test_round_trip() -> None:
    assert act("a", 12, 3, 1) == f"{VERSION}|a:12:3:1"
    assert decode(act("a", 12, 3, 1)) == Press("a", (12, 3, 1))
    assert decode(act("c", 1, code="AbC-12_x")) == Press("c", (1,), "AbC-12_x")


def test_buttons_without_a_version_keep_working_while_their_shape_is_the_same() -> None:
    # Yesterday's follow-up message and next-step status buttons, as they were sent.
    assert decode("O:1:17:0") == Press("O", (1, 17, 0))
    assert decode("n:4:2") == Press("n", (4, 2))
    assert decode("c:1") == Press("c", (1,))
    legacy = decode("O:2:17:7")  # "snooze a week" in a follow-up queued before versions
    assert isinstance(legacy, Press)
    assert FollowupButton.read(legacy) == FollowupButton(FollowupOp.SNOOZE, 17, 7)


def test_a_kind_that_changed_shape_makes_its_older_buttons_out_of_date(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(buttons, "VERSION", VERSION + 1)
    monkeypatch.setitem(buttons._SINCE, "W", VERSION + 1)
    assert decode(f"{VERSION}|W:1:2:3") == OUT_OF_DATE
    assert decode(f"{VERSION}|W:1:2") == OUT_OF_DATE  # whatever shape it had then
    assert decode("W:1:2:3") == OUT_OF_DATE
    assert decode(f"{VERSION + 1}|W:1:2:3") == Press("W", (1, 2, 3))
    assert decode(f"{VERSION}|S:1:2:3") == Press("S", (1, 2, 3))


def test_garbage_and_forged_data_are_refused() -> None:
    for data in [
        *("", "z:1", "a:x:1:2", "nonsense", "2|", "|a:1:2:3", "2|a:1:2:3|"),
        *("1|a:1:2:3", "9|a:1:2:3", "a:1:2", "a:1:2:3:4", "n:1:2:extra", "a:1:2:3:code"),
        *(f"{VERSION}|W:1:2", "f:1", f"{VERSION}|x:1:code"),
    ]:
        assert decode(data) is None, data


@st.composite
def any_button(draw: st.DrawFn) -> tuple[str, tuple[int, ...], str | None]:
    kind = draw(st.sampled_from(sorted(buttons.kinds())))
    args = tuple(
        draw(st.lists(NUMBER, min_size=buttons._ARITY[kind], max_size=buttons._ARITY[kind]))
    )
    code = (
        draw(CODE)
        if kind in buttons._WITH_CODE
        else draw(st.none() | CODE)
        if kind == "c"
        else None
    )
    return kind, args, code


@settings(deadline=None, max_examples=400)
@given(any_button())
def test_every_kind_round_trips_within_64_bytes(
    made: tuple[str, tuple[int, ...], str | None],
) -> None:
    kind, args, code = made
    data = act(kind, *args, code=code)
    assert len(data.encode()) <= 64
    assert decode(data) == Press(kind, args, code)


@settings(deadline=None, max_examples=200)
@given(st.data())
def test_every_typed_kind_round_trips(data: st.DataObject) -> None:
    assert buttons.TYPED, "the features declare typed buttons"
    cls = data.draw(st.sampled_from(sorted(buttons.TYPED.values(), key=lambda c: c.kind)))
    made = data.draw(st.builds(cls, **_fields(cls)))
    encoded = made.encode()
    assert len(encoded.encode()) <= 64
    pressed = decode(encoded)
    assert isinstance(pressed, Press)
    assert cls.read(pressed) == made


def _fields(cls: type[buttons.ButtonData]) -> dict[str, st.SearchStrategy[object]]:
    hints = typing.get_type_hints(cls)
    return {
        f.name: st.sampled_from(list(hints[f.name])) if hints[f.name] is not int else NUMBER
        for f in dataclasses.fields(cls)  # type: ignore[arg-type]
    }


def test_a_typed_button_refuses_an_unknown_operation() -> None:
    for cls in buttons.TYPED.values():
        # 99 where the operation goes: first, or after the group it is about
        at = next(i for i, name in enumerate(_names(cls)) if name in _enum_fields(cls))
        args = [99 if i == at else 0 for i in range(buttons._ARITY[cls.kind])]
        assert cls.read(Press(cls.kind, tuple(args))) is None, cls.__name__


# The typed kinds that once were written with `act` and bare numbers.
FORMERLY_BARE: list[type[ButtonData]] = [
    ScheduleButton,
    NewGroupButton,
    GroupButton,
    ForgetButton,
    LeaveButton,
    ArchiveAndLeaveButton,
    RemoveButton,
    SummaryButton,
    InviteButton,
]

# Typed buttons beside the `act` strings the same buttons were written as before.
SAME_AS_BEFORE: list[tuple[ButtonData, str]] = [
    (ScheduleButton(ScheduleOp.CLOSE), act("S", 0, 0, 0)),
    (ScheduleButton(ScheduleOp.REPEAT, 4), act("S", 3, 4, 0)),
    (ScheduleButton(ScheduleOp.ASK_CANCEL_SERIES, 41, 17), act("S", 10, 41, 17)),
    (ScheduleButton(ScheduleOp.PLAN_CYCLE, 7, 2), "2|S:14:7:2"),
    (ScheduleButton(ScheduleOp.HOLIDAYS, 7), "2|S:16:7:0"),
    (NewGroupButton(NewGroupStep.ASK), act("G", 0, 0)),
    (NewGroupButton(NewGroupStep.TEAM_IN, 12), act("G", 3, 12)),
    (NewGroupButton(NewGroupStep.CANCEL), "2|G:9:0"),
    (GroupButton(GroupOp.SHOW, 12), act("A", 1, 12, 0, 0)),
    (GroupButton(GroupOp.SET_ROLE, 12, 34, 2), act("A", 4, 12, 34, 2)),
    (GroupButton(GroupOp.LINK, 12, value=1), "2|A:5:12:0:1"),
    (GroupButton(GroupOp.ALL, value=3), "2|A:8:0:0:3"),
    (GroupButton(GroupOp.JOIN, 12), "2|A:11:12:0:0"),
    (ForgetButton(ForgetChoice.DELETE), act("d", 1)),
    (ForgetButton(ForgetChoice.KEEP), "2|d:0"),
    (LeaveButton(12, Step.ASK), act("o", 12, 0)),
    (LeaveButton(12, Step.KEEP), "2|o:12:9"),
    (ArchiveAndLeaveButton(12, Step.YES), act("q", 12, 1)),
    (RemoveButton(12, 0, Step.ASK), act("u", 12, 0, 0)),
    (RemoveButton(12, 34, Step.KEEP), "2|u:12:34:9"),
    (SummaryButton(12, SummaryChoice.ASK), act("D", 12, 9)),
    (SummaryButton(12, SummaryChoice.SCHOOLYEAR), act("D", 12, 1)),
    (SummaryButton(12, SummaryChoice.LATEST_MEETING), "2|D:12:3"),
    (SummaryButton(12, SummaryChoice.ACCESS_LOG), "2|D:12:4"),
    (InviteButton(12), act("i", 12, 9, 9)),
    (InviteButton(12, InviteRole.LEADER), act("i", 12, 1, 9)),
    (InviteButton(12, InviteRole.FACILITATOR, InviteUses.MEETING), "2|i:12:2:1"),
    (InviteButton(12, InviteRole.PARTICIPANT, InviteUses.ONE), "2|i:12:0:0"),
]


def _names(cls: type[ButtonData]) -> list[str]:
    return [f.name for f in dataclasses.fields(cls)]  # type: ignore[arg-type]


def _enum_fields(cls: type[ButtonData]) -> dict[str, type[IntEnum]]:
    hints = typing.get_type_hints(cls)
    return {
        f.name: hints[f.name]
        for f in dataclasses.fields(cls)  # type: ignore[arg-type]
        if hints[f.name] is not int
    }


@pytest.mark.parametrize("cls", FORMERLY_BARE, ids=lambda cls: cls.__name__)
def test_every_operation_of_a_typed_kind_round_trips(cls: type[ButtonData]) -> None:
    enums = _enum_fields(cls)
    names = _names(cls)
    for numbers in (0, 1, 12345):
        for members in itertools.product(*enums.values()):
            chosen = dict(zip(enums, members, strict=True))
            made = cls(*(chosen.get(name, numbers) for name in names))
            pressed = decode(made.encode())
            assert isinstance(pressed, Press)
            assert pressed.kind == cls.kind
            assert cls.read(pressed) == made


@pytest.mark.parametrize("cls", FORMERLY_BARE, ids=lambda cls: cls.__name__)
def test_a_number_outside_a_typed_kinds_enum_reads_as_nothing(cls: type[ButtonData]) -> None:
    enums = _enum_fields(cls)
    names = _names(cls)
    assert enums, "a typed kind has at least its operation as an enum"
    for name, enum in enums.items():
        valid = {n: int(min(e)) for n, e in enums.items()}
        for outside in (max(enum) + 1, min(enum) - 1):
            args = [outside if n == name else valid.get(n, 7) for n in names]
            assert cls.read(Press(cls.kind, tuple(args))) is None, (name, outside)


@pytest.mark.parametrize(("made", "before"), SAME_AS_BEFORE, ids=lambda x: str(x)[:40])
def test_a_typed_button_is_written_as_it_was_before(made: ButtonData, before: str) -> None:
    assert made.encode() == before
    pressed = decode(before)
    assert isinstance(pressed, Press)
    assert type(made).read(pressed) == made
    legacy = decode(before.split("|", 1)[1])  # as sent before versions
    assert isinstance(legacy, Press)
    assert type(made).read(legacy) == made


def test_every_typed_kind_that_once_was_bare_has_a_sample_as_before() -> None:
    assert {type(made) for made, _ in SAME_AS_BEFORE} == set(FORMERLY_BARE)


def test_the_summary_periods_are_the_choices_in_their_order() -> None:
    assert [choice.name.lower() for choice in PERIODS] == list(CHOICES)
    assert [int(choice) for choice in PERIODS] == list(range(len(CHOICES)))
    assert int(SummaryChoice.LATEST_MEETING) == len(CHOICES)  # as it was computed before


@settings(deadline=None, max_examples=500)
@given(st.text(max_size=80) | st.from_regex(r"(\d{1,3}\|)?[a-zA-Z]:[-\d:]{0,30}(:[\w-]{0,41})?"))
def test_any_text_decodes_or_is_refused_without_raising(data: str) -> None:
    pressed = decode(data)
    assert pressed is None or isinstance(pressed, OutOfDate | Press)
    if isinstance(pressed, Press):
        assert len(pressed.encode().encode()) <= 64


async def test_an_out_of_date_button_gets_a_kind_answer_in_both_languages(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    talk = Conversation(make_app(database, Clock()))
    await talk.button(ANE, "c:1")  # consent, pressed on a button sent before versions
    page = "W:1:0:0"  # /mine's first page, as it was sent before versions
    assert (await talk.button(ANE, page))[0].html != t("da", "stale.out_of_date")

    monkeypatch.setattr(buttons, "VERSION", VERSION + 1)  # /mine's buttons change shape
    monkeypatch.setitem(buttons._SINCE, "W", VERSION + 1)
    for old in (page, f"{VERSION}|W:1:0:0"):
        answered = await talk.button(ANE, old)
        assert [v.html for v in answered] == [t("da", "stale.out_of_date")]
        assert "forældet" in answered[0].html
    await talk.button(ANE, act("l", 1))  # English from now on
    answered = await talk.button(ANE, page)
    assert [v.html for v in answered] == [t("en", "stale.out_of_date")]
    assert "out of date" in answered[0].html
    assert "/mine" in answered[0].html  # and what to do instead
    assert (await talk.button(ANE, act("W", 1, 0, 0)))[0].html != answered[0].html
