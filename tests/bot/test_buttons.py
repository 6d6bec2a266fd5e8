"""Button data round-trips inside 64 bytes; old buttons are out of date, forged ones refused."""

from __future__ import annotations

import dataclasses
import itertools
import pathlib
import subprocess
import sys
import typing
from enum import IntEnum

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from bot import button_kinds, buttons
from bot.button_kinds import decode
from bot.buttons import OUT_OF_DATE, VERSION, ButtonData, OutOfDate, Press, button
from bot.chat.admin import GroupButton, GroupOp, NewGroupButton, NewGroupStep
from bot.chat.invite import InviteButton, InviteRole, InviteUses, RevokeInviteButton
from bot.chat.mine import MineButton, MineOp
from bot.chat.onboarding import Consent, ConsentButton, Language, LanguageButton
from bot.chat.privacy import (
    TO_ADMINISTRATOR,
    ArchiveAndLeaveButton,
    ForgetButton,
    ForgetChoice,
    HandOverButton,
    LeaveButton,
    RemoveButton,
    Step,
)
from bot.chat.reflecting import (
    STEP_BUTTONS,
    CancelButton,
    FormatButton,
    GroupChoiceButton,
    Resume,
    ResumeButton,
    StatusButton,
)
from bot.chat.schedule import ScheduleButton, ScheduleOp
from bot.chat.summaries import PERIODS, CloseCheckinButton, SummaryButton, SummaryChoice
from bot.conversation import Conversation, Who
from bot.dispatch.compose import FollowupButton, FollowupOp
from bot.i18n import t
from bot.summaries.period import CHOICES
from bot.telegram.circle_views import (
    ExtendButton,
    FocusButton,
    LinkButton,
    NextButton,
    SettingButton,
    ShareButton,
    Sharing,
    StopButton,
)
from bot.views import (
    AnswerButton,
    BackButton,
    ChosenButton,
    KeepButton,
    SkipButton,
    ToggleButton,
    VisibilityButton,
)
from storage.db import Database
from storage.models import Person
from tests.support import Clock, make_app

# Every kind of button the bot has ever sent; buttons of each are in people's chats.
EVERY_KIND = frozenset("amMbswvxgfnclrikDKdohquLFPNEZYSOGAW")

ANE = Who(display_name="Ane", language_code="da", console_handle="ane")

NUMBER = st.integers(min_value=-(10**11), max_value=10**12 - 1)
CODE = st.from_regex(r"[A-Za-z0-9_-]{1,40}", fullmatch=True).filter(
    lambda code: not code.lstrip("-").isdigit()
)


def test_round_trip() -> None:
    assert AnswerButton(12, 3, 1).encode() == f"{VERSION}|a:12:3:1"
    assert decode(AnswerButton(12, 3, 1).encode()) == Press("a", (12, 3, 1))
    yes = ConsentButton(Consent.YES, "AbC-12_x").encode()
    assert decode(yes) == Press("c", (1,), "AbC-12_x")


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
    kind = draw(st.sampled_from(sorted(button_kinds.kinds())))
    cls = buttons.TYPED[kind]
    arity = len(cls.numbers)
    args = tuple(draw(st.lists(NUMBER, min_size=arity, max_size=arity)))
    code = (
        draw(CODE)
        if cls.code_required
        else draw(st.none() | CODE)
        if cls.code_field is not None
        else None
    )
    return kind, args, code


@settings(deadline=None, max_examples=400)
@given(any_button())
def test_every_kind_round_trips_within_64_bytes(
    made: tuple[str, tuple[int, ...], str | None],
) -> None:
    kind, args, code = made
    data = Press(kind, args, code).encode()
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
        f.name: NUMBER
        if hints[f.name] is int
        else CODE
        if hints[f.name] is str
        else st.none() | CODE
        if f.name == cls.code_field
        else st.sampled_from(list(hints[f.name]))
        for f in dataclasses.fields(cls)  # type: ignore[arg-type]
    }


def test_a_typed_button_refuses_an_unknown_operation() -> None:
    with_enums = [cls for cls in buttons.TYPED.values() if _enum_fields(cls)]
    assert {cls.kind for cls in with_enums} == set("iGASdoquDWOclrY")
    for cls in with_enums:
        # 99 where the operation goes: first, or after the group it is about
        at = next(i for i, name in enumerate(_names(cls)) if name in _enum_fields(cls))
        args = [99 if i == at else 0 for i in range(len(cls.numbers))]
        assert cls.read(Press(cls.kind, tuple(args))) is None, cls.__name__


# The typed kinds that once were written with bare numbers and have an enum.
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
    ConsentButton,
    LanguageButton,
    ResumeButton,
]

# Typed buttons beside the strings the same buttons were written as before they were typed
# (then: `act(kind, *numbers, code=...)`, the version, the kind, the numbers, the code).
SAME_AS_BEFORE: list[tuple[ButtonData, str]] = [
    (ScheduleButton(ScheduleOp.CLOSE), "2|S:0:0:0"),
    (ScheduleButton(ScheduleOp.REPEAT, 4), "2|S:3:4:0"),
    (ScheduleButton(ScheduleOp.ASK_CANCEL_SERIES, 41, 17), "2|S:10:41:17"),
    (ScheduleButton(ScheduleOp.PLAN_CYCLE, 7, 2), "2|S:14:7:2"),
    (ScheduleButton(ScheduleOp.HOLIDAYS, 7), "2|S:16:7:0"),
    (NewGroupButton(NewGroupStep.ASK), "2|G:0:0"),
    (NewGroupButton(NewGroupStep.TEAM_IN, 12), "2|G:3:12"),
    (NewGroupButton(NewGroupStep.CANCEL), "2|G:9:0"),
    (GroupButton(GroupOp.SHOW, 12), "2|A:1:12:0:0"),
    (GroupButton(GroupOp.SET_ROLE, 12, 34, 2), "2|A:4:12:34:2"),
    (GroupButton(GroupOp.LINK, 12, value=1), "2|A:5:12:0:1"),
    (GroupButton(GroupOp.ALL, value=3), "2|A:8:0:0:3"),
    (GroupButton(GroupOp.JOIN, 12), "2|A:11:12:0:0"),
    (ForgetButton(ForgetChoice.DELETE), "2|d:1"),
    (ForgetButton(ForgetChoice.KEEP), "2|d:0"),
    (LeaveButton(12, Step.ASK), "2|o:12:0"),
    (LeaveButton(12, Step.KEEP), "2|o:12:9"),
    (ArchiveAndLeaveButton(12, Step.YES), "2|q:12:1"),
    (RemoveButton(12, 0, Step.ASK), "2|u:12:0:0"),
    (RemoveButton(12, 34, Step.KEEP), "2|u:12:34:9"),
    (SummaryButton(12, SummaryChoice.ASK), "2|D:12:9"),
    (SummaryButton(12, SummaryChoice.SCHOOLYEAR), "2|D:12:1"),
    (SummaryButton(12, SummaryChoice.LATEST_MEETING), "2|D:12:3"),
    (SummaryButton(12, SummaryChoice.ACCESS_LOG), "2|D:12:4"),
    (InviteButton(12), "2|i:12:9:9"),
    (InviteButton(12, InviteRole.LEADER), "2|i:12:1:9"),
    (InviteButton(12, InviteRole.FACILITATOR, InviteUses.MEETING), "2|i:12:2:1"),
    (InviteButton(12, InviteRole.PARTICIPANT, InviteUses.ONE), "2|i:12:0:0"),
    (MineButton(MineOp.LIST, 3), "2|W:1:3:0"),
    (MineButton(MineOp.NARROW, 41, 9), "2|W:5:41:9"),
    (FollowupButton(FollowupOp.SNOOZE, 17, 7), "2|O:2:17:7"),
    (FollowupButton(FollowupOp.PAUSE_MENU), "2|O:5:0:0"),
    # a step of a reflection: session, turn and what was chosen
    (AnswerButton(12, 3, 1), "2|a:12:3:1"),
    (AnswerButton(12, 3, 0), "2|a:12:3:0"),
    (ToggleButton(12, 3, 5, 2), "2|m:12:3:5:2"),
    (ChosenButton(12, 3, 5), "2|M:12:3:5"),
    (BackButton(12, 3), "2|b:12:3"),
    (SkipButton(12, 3), "2|s:12:3"),
    (KeepButton(12, 3), "2|w:12:3"),
    (VisibilityButton(12, 3, 2), "2|v:12:3:2"),
    (CancelButton(12), "2|x:12"),
    (GroupChoiceButton(7), "2|g:7"),
    (FormatButton(7, "fire-spoergsmaal"), "2|f:7:fire-spoergsmaal"),
    (StatusButton(4, 2), "2|n:4:2"),
    (ResumeButton(Resume.CONTINUE), "2|r:1"),
    (ResumeButton(Resume.NEW), "2|r:0"),
    (ConsentButton(Consent.YES), "2|c:1"),
    (ConsentButton(Consent.YES, "AbC-12_x"), "2|c:1:AbC-12_x"),
    (ConsentButton(Consent.READ_MORE, "AbC-12_x"), "2|c:2:AbC-12_x"),
    (ConsentButton(Consent.NO), "2|c:0"),
    (LanguageButton(Language.DA), "2|l:0"),
    (LanguageButton(Language.EN), "2|l:1"),
    (RevokeInviteButton(55), "2|k:55"),
    (CloseCheckinButton(12), "2|K:12"),
    (HandOverButton(12, 34), "2|h:12:34"),
    (HandOverButton(12, TO_ADMINISTRATOR), "2|h:12:0"),
    # the learning circle in a group chat
    (LinkButton(12), "2|L:12"),
    (FocusButton(12, 34), "2|F:12:34"),
    (SettingButton(9, 2, 1), "2|P:9:2:1"),
    (NextButton(9, 2), "2|N:9:2"),
    (ExtendButton(9, 2), "2|E:9:2"),
    (StopButton(9, 2), "2|Z:9:2"),
    (ShareButton(9, Sharing.SHARE), "2|Y:9:1"),
    (ShareButton(9, Sharing.KEEP), "2|Y:9:0"),
]


def _names(cls: type[ButtonData]) -> list[str]:
    return [f.name for f in dataclasses.fields(cls)]  # type: ignore[arg-type]


def _enum_fields(cls: type[ButtonData]) -> dict[str, type[IntEnum]]:
    hints = typing.get_type_hints(cls)
    return {name: hints[name] for name in cls.numbers if hints[name] is not int}


@pytest.mark.parametrize("cls", FORMERLY_BARE, ids=lambda cls: cls.__name__)
def test_every_operation_of_a_typed_kind_round_trips(cls: type[ButtonData]) -> None:
    enums = _enum_fields(cls)
    for numbers in (0, 1, 12345):
        for members in itertools.product(*enums.values()):
            chosen = dict(zip(enums, members, strict=True))
            made = cls(**{name: chosen.get(name, numbers) for name in cls.numbers})
            pressed = decode(made.encode())
            assert isinstance(pressed, Press)
            assert pressed.kind == cls.kind
            assert cls.read(pressed) == made


@pytest.mark.parametrize("cls", FORMERLY_BARE, ids=lambda cls: cls.__name__)
def test_a_number_outside_a_typed_kinds_enum_reads_as_nothing(cls: type[ButtonData]) -> None:
    enums = _enum_fields(cls)
    names = cls.numbers
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


def test_every_kind_has_a_sample_as_before() -> None:
    assert {type(made).kind for made, _ in SAME_AS_BEFORE} == EVERY_KIND
    assert set(FORMERLY_BARE) <= {type(made) for made, _ in SAME_AS_BEFORE}


def test_the_steps_of_a_reflection_are_their_buttons() -> None:
    assert sorted(STEP_BUTTONS) == sorted("amMbswv")


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
    await talk.button(ANE, LanguageButton(Language.EN).encode())  # English from now on
    answered = await talk.button(ANE, page)
    assert [v.html for v in answered] == [t("en", "stale.out_of_date")]
    assert "out of date" in answered[0].html
    assert "/mine" in answered[0].html  # and what to do instead
    assert (await talk.button(ANE, MineButton(MineOp.LIST, 0).encode()))[0].html != answered[0].html


def test_every_kind_is_known_whatever_was_imported_first() -> None:
    # A fresh interpreter that reads a press first, as the group chat's handler does.
    for first in ("bot.button_kinds", "bot.telegram.group", "bot.conversation"):
        script = (
            f"import {first}\n"
            "from bot import button_kinds\n"
            "print(''.join(sorted(button_kinds.kinds())))\n"
            "print(button_kinds.decode('2|a:1:2:3'), button_kinds.decode('L:5'))"
        )
        done = subprocess.run(  # noqa: S603 - our own interpreter and script
            [sys.executable, "-c", script], capture_output=True, text=True, check=True
        )
        kinds, pressed = done.stdout.splitlines()
        assert set(kinds) == EVERY_KIND, first
        assert "Press(kind='a'" in pressed, first
        assert "Press(kind='L'" in pressed, first


def test_every_module_that_declares_buttons_is_imported_to_decode() -> None:
    root = pathlib.Path(button_kinds.__file__).parent
    declaring = {
        "bot." + ".".join(path.relative_to(root).with_suffix("").parts)
        for path in root.rglob("*.py")
        if "\n@button(" in path.read_text(encoding="utf-8")
    }
    assert declaring == {module.__name__ for module in button_kinds.DECLARING}
    assert button_kinds.kinds() == EVERY_KIND


def test_a_code_is_required_only_where_declared() -> None:
    assert decode("f:7") is None  # a format button without its format
    assert decode("2|f:7:fire-spoergsmaal") == Press("f", (7,), "fire-spoergsmaal")
    assert decode("c:1") == Press("c", (1,))  # consent may come without an invite
    assert decode("2|g:7:code") is None  # a group choice carries no code
    assert ConsentButton.read(Press("c", (1,), "abc")) == ConsentButton(Consent.YES, "abc")
    assert GroupChoiceButton.read(Press("g", (7,), "abc")) is None
    assert FormatButton.read(Press("f", (7,))) is None


def test_a_button_kind_is_declared_once_with_numbers_and_a_code_last() -> None:
    with pytest.raises(ValueError, match="declared twice"):

        @button("a")
        @dataclasses.dataclass(frozen=True)
        class Again(ButtonData):
            session_id: int

    with pytest.raises(TypeError):

        @button("y")
        @dataclasses.dataclass(frozen=True)
        class CodeFirst(ButtonData):
            code: str
            group_id: int

    with pytest.raises(TypeError):

        @button("y")
        @dataclasses.dataclass(frozen=True)
        class Floating(ButtonData):
            share: float

    assert "y" not in buttons.TYPED


async def test_a_forged_choice_is_refused_and_is_no_yes(database: Database) -> None:
    talk = Conversation(make_app(database, Clock()))
    for forged in ("c:5", "2|c:3:AbC", "2|c:-1"):
        answered = await talk.button(ANE, forged)
        assert [v.html for v in answered] == [t("da", "stale.unknown")], forged
    async with database.transaction() as session:
        assert await session.scalar(select(func.count()).select_from(Person)) == 0
    await talk.button(ANE, ConsentButton(Consent.YES).encode())
    for forged in ("2|l:7", "2|r:5", "2|h:1"):
        answered = await talk.button(ANE, forged)
        assert [v.html for v in answered] == [t("da", "stale.unknown")], forged
    async with database.transaction() as session:
        person = await session.scalar(select(Person))
        assert person is not None
        assert person.language == "da"
