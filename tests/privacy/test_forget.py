"""/forget leaves no row holding the person's id or words; anonymous totals stay."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.services import forget
from bot.services.forget import scrub_state
from storage.db import Database
from storage.models import Answer, DialogueSession, FrozenAggregate, Membership, NextStep
from tests.privacy.support import seed, traces_of
from tests.support import Clock, make_app


async def test_forget_leaves_no_trace_and_keeps_aggregates(database: Database) -> None:
    app = make_app(database, Clock())
    ane = await app.db.run(lambda s: seed(app, s, telegram_id=710_000_001, name="Ane Aagaard"))
    bo = await app.db.run(lambda s: seed(app, s, telegram_id=710_000_002, name="Bo Bertelsen"))

    async def before(session):  # type: ignore[no-untyped-def]
        assert await traces_of(session, ane) != []  # the scan does find them while they exist
        return await session.scalar(select(func.count()).select_from(FrozenAggregate))

    aggregates = await app.db.run(before)

    async def forget_ane(session):  # type: ignore[no-untyped-def]
        found = await forget.forget_by_telegram(app, session, ane.telegram_id)
        assert found is not None
        return found

    done = await app.db.run(forget_ane)
    assert done.answers >= 4
    assert done.next_steps == 1
    assert done.memberships == 1
    assert done.messages == 1
    assert done.consents == 1
    assert done.aggregates_kept == 1
    assert done.sole_facilitator_of == [f"Team {ane.telegram_id}"]

    async def after(session):  # type: ignore[no-untyped-def]
        assert await traces_of(session, ane) == []
        # Bo keeps everything of his own.
        assert len(await traces_of(session, bo)) > 5
        assert await session.scalar(select(func.count()).select_from(FrozenAggregate)) == aggregates
        circle = await session.scalar(
            select(DialogueSession).where(
                DialogueSession.person_id.is_(None), DialogueSession.group_id == ane.team_id
            )
        )
        assert circle is not None  # the group's run stays, without her
        assert circle.started_by is None
        assert circle.state["answers"] == []
        answers = (await session.scalars(select(Answer))).all()
        assert answers
        assert {a.person_id for a in answers} == {bo.person_id}
        steps = (await session.scalars(select(NextStep))).all()
        assert [s.person_id for s in steps] == [bo.person_id]
        members = (await session.scalars(select(Membership))).all()
        assert [m.person_id for m in members] == [bo.person_id]

    await app.db.run(after)


async def test_forgetting_someone_unknown_changes_nothing(database: Database) -> None:
    app = make_app(database, Clock())
    assert await app.db.run(lambda s: forget.forget_by_telegram(app, s, 42)) is None


def test_scrubbing_a_group_state_keeps_others_and_option_choices() -> None:
    state = {
        "actor": "7",
        "ctx": {"focus_person": "7", "focus_name": "Ane", "topic": "læsning"},
        "answers": [
            {"step_id": "data", "kind": "phase", "value": "mit bidrag", "actor": "7"},
            {"step_id": "data", "kind": "phase", "value": "dit bidrag", "actor": "8"},
            {"step_id": "who", "kind": "choice", "value": "team", "actor": "7"},
        ],
    }
    cleaned = scrub_state(state, 7, {"Ane"})
    assert cleaned["actor"] is None
    assert cleaned["ctx"] == {"focus_person": "", "focus_name": "", "topic": "læsning"}
    assert cleaned["answers"] == [
        {"step_id": "data", "kind": "phase", "value": "dit bidrag", "actor": "8"},
        {"step_id": "who", "kind": "choice", "value": "team", "actor": None},
    ]
    assert state["actor"] == "7"  # the input is not changed in place
