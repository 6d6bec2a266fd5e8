"""Each repository's queries do what they say, on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from storage.db import Database
from storage.enums import GroupKind, NextStepStatus, Role, SessionStatus
from storage.models import Answer, Base, Membership, NextStepEvent
from storage.repositories import consent, dialogues, groups, next_steps, people, updates
from tests.storage.support import NOW, make_person, make_session


async def test_people_lookup_and_identity_is_unique(database: Database) -> None:
    pid = await make_person(database, 1001)
    async with database.transaction() as s:
        found = await people.by_telegram_id(s, 1001)
        assert found is not None
        assert found.id == pid
        assert found.created_at == NOW  # aware UTC round trip on both databases
        assert await people.by_telegram_id(s, 9999) is None
    with pytest.raises(IntegrityError):
        await make_person(database, 1001, "Bo")


async def test_person_needs_an_identity(database: Database) -> None:
    with pytest.raises(IntegrityError):
        async with database.transaction() as s:
            await people.create(s, display_name="Nobody", language="da", now=NOW)


async def test_groups_members_and_roles(database: Database) -> None:
    ane, bo = await make_person(database, 1), await make_person(database, 2, "Bo")
    async with database.transaction() as s:
        network = await groups.create_group(
            s, name="Netværk Øst", kind=GroupKind.network, language="da", now=NOW
        )
        team = await groups.create_group(
            s, name="Team 4A", kind=GroupKind.team, language="da", now=NOW, parent_id=network.id
        )
        await groups.add_member(s, group_id=team.id, person_id=ane, role=Role.facilitator, now=NOW)
        await groups.add_member(s, group_id=team.id, person_id=bo, role=Role.participant, now=NOW)
        # joining again changes the role instead of duplicating the membership
        await groups.add_member(s, group_id=team.id, person_id=bo, role=Role.leader, now=NOW)
    async with database.transaction() as s:
        assert [g.name for g in await groups.children(s, network.id)] == ["Team 4A"]
        assert (await groups.by_name(s, "team 4a")) is not None
        members = await groups.members(s, team.id)
        assert [(m.role, p.display_name) for m, p in members] == [
            (Role.facilitator, "Ane"),
            (Role.leader, "Bo"),
        ]
        assert await groups.count_role(s, team.id, Role.facilitator) == 1
        assert [g.id for _, g in await groups.memberships_of(s, bo)] == [team.id]
        assert await groups.remove_member(s, team.id, bo)
        assert not await groups.remove_member(s, team.id, bo)


async def test_chat_link_survives_supergroup_migration(database: Database) -> None:
    async with database.transaction() as s:
        team = await groups.create_group(
            s, name="Team", kind=GroupKind.team, language="da", now=NOW
        )
        await groups.link_chat(s, team.id, -100)
    async with database.transaction() as s:
        assert await groups.migrate_chat(s, -100, -1001234)
        assert await groups.by_chat(s, -100) is None
        moved = await groups.by_chat(s, -1001234)
        assert moved is not None
        assert moved.id == team.id


async def test_invites_expire_run_out_and_revoke(database: Database) -> None:
    async with database.transaction() as s:
        team = await groups.create_group(
            s, name="Team", kind=GroupKind.team, language="da", now=NOW
        )
        limited = await groups.create_invite(
            s,
            code="abc",
            group_id=team.id,
            role=Role.participant,
            now=NOW,
            created_by=None,
            expires_at=NOW + timedelta(days=7),
            uses_left=1,
        )
        expired = await groups.create_invite(
            s,
            code="old",
            group_id=team.id,
            role=Role.participant,
            now=NOW,
            created_by=None,
            expires_at=NOW - timedelta(days=1),
            uses_left=None,
        )
    async with database.transaction() as s:
        assert [i.code for i in await groups.open_invites(s, team.id, NOW)] == ["abc"]
        assert await groups.use_invite(s, limited.id)
        assert not await groups.use_invite(s, limited.id)
        assert await groups.open_invites(s, team.id, NOW) == []
        assert await groups.revoke_invite(s, expired.id, NOW)
        assert not await groups.revoke_invite(s, expired.id, NOW)
        found = await groups.invite_by_code(s, "abc")
        assert found is not None
        assert found.uses_left == 0


async def test_answers_upsert_append_and_clear(database: Database) -> None:
    pid = await make_person(database, 7)
    sid = await make_session(database, pid)
    async with database.transaction() as s:
        await dialogues.upsert_answer(
            s,
            session_id=sid,
            person_id=pid,
            step_id="q1",
            item="",
            value="første",
            visibility="private",
            now=NOW,
        )
        await dialogues.upsert_answer(
            s,
            session_id=sid,
            person_id=pid,
            step_id="q1",
            item="",
            value="anden",
            visibility="team",
            now=NOW,
        )
        for text_ in ("a", "b"):
            await dialogues.upsert_answer(
                s,
                session_id=sid,
                person_id=pid,
                step_id="phase",
                item="",
                value=text_,
                visibility="team",
                now=NOW,
                append=True,
            )
    async with database.transaction() as s:
        answers = await dialogues.answers_of_session(s, sid)
        assert [(a.step_id, a.seq, a.value, a.visibility) for a in answers] == [
            ("q1", 0, "anden", "team"),
            ("phase", 1, "a", "team"),
            ("phase", 2, "b", "team"),
        ]
        await dialogues.clear_answer(s, session_id=sid, person_id=pid, step_id="q1", item="")
        assert len(await dialogues.answers_of_session(s, sid)) == 2
        active = await dialogues.active_private_session(s, pid)
        assert active is not None
        assert active.id == sid
        assert await dialogues.cancel_active_private(s, pid, NOW) == 1
        assert await dialogues.active_private_session(s, pid) is None
        cancelled = await dialogues.get_session(s, sid)
        assert cancelled is not None
        assert cancelled.status == SessionStatus.cancelled


async def test_visibility_is_constrained(database: Database) -> None:
    pid = await make_person(database, 8)
    sid = await make_session(database, pid)
    with pytest.raises(IntegrityError):
        async with database.transaction() as s:
            await dialogues.upsert_answer(
                s,
                session_id=sid,
                person_id=pid,
                step_id="q",
                item="",
                value="x",
                visibility="everyone",
                now=NOW,
            )


async def test_scores_replace(database: Database) -> None:
    pid = await make_person(database, 9)
    sid = await make_session(database, pid)
    async with database.transaction() as s:
        await dialogues.set_scores(s, sid, {"tryghed": 5.5})
        await dialogues.set_scores(s, sid, {"tryghed": 6.0, "other": 2.0})
    async with database.transaction() as s:
        assert await dialogues.scores_of_session(s, sid) == {"tryghed": 6.0, "other": 2.0}


async def test_next_steps_keep_their_history(database: Database) -> None:
    pid = await make_person(database, 10)
    async with database.transaction() as s:
        later = await next_steps.create(
            s,
            person_id=pid,
            what="Prøv exit tickets",
            due=date(2027, 1, 10),
            how_shared="På teammødet",
            visibility="team",
            now=NOW,
        )
        sooner = await next_steps.create(
            s,
            person_id=pid,
            what="Del data",
            due=date(2026, 12, 1),
            how_shared=None,
            visibility="private",
            now=NOW,
        )
        await next_steps.set_status(s, later, NextStepStatus.partly, NOW + timedelta(days=3))
        await next_steps.set_status(s, sooner, NextStepStatus.done, NOW + timedelta(days=4))
    async with database.transaction() as s:
        assert [n.what for n in await next_steps.open_for(s, pid)] == ["Prøv exit tickets"]
        events = await next_steps.history(s, later.id)
        assert [e.status for e in events] == [NextStepStatus.open, NextStepStatus.partly]


async def test_update_ids_are_claimed_once(database: Database) -> None:
    async with database.transaction() as s:
        assert await updates.claim(s, 42, NOW)
    async with database.transaction() as s:
        assert not await updates.claim(s, 42, NOW)
        assert await updates.forget_before(s, NOW + timedelta(seconds=1)) == 1
        assert await updates.claim(s, 42, NOW)


async def test_consent_versions(database: Database) -> None:
    pid = await make_person(database, 11)
    async with database.transaction() as s:
        assert await consent.current_version(s, pid) is None
        await consent.give(s, pid, 1, NOW)
        await consent.give(s, pid, 2, NOW)
        assert await consent.current_version(s, pid) == 2
        await consent.withdraw(s, pid, NOW)
        assert await consent.current_version(s, pid) is None


async def test_administrators(database: Database) -> None:
    async with database.transaction() as s:
        assert await people.add_administrator(s, 555, NOW)
        assert not await people.add_administrator(s, 555, NOW)
        assert await people.is_administrator(s, 555)
        assert await people.list_administrators(s) == [555]
        assert await people.remove_administrator(s, 555)
        assert not await people.is_administrator(s, 555)


async def test_deleting_a_person_cascades_to_every_personal_row(database: Database) -> None:
    pid = await make_person(database, 12)
    other = await make_person(database, 13, "Bo")
    sid = await make_session(database, pid)
    async with database.transaction() as s:
        team = await groups.create_group(s, name="T", kind=GroupKind.team, language="da", now=NOW)
        await groups.add_member(s, group_id=team.id, person_id=pid, role=Role.facilitator, now=NOW)
        await groups.add_member(
            s, group_id=team.id, person_id=other, role=Role.participant, now=NOW
        )
        await groups.create_invite(
            s,
            code="x1",
            group_id=team.id,
            role=Role.participant,
            now=NOW,
            created_by=pid,
            expires_at=None,
            uses_left=None,
        )
        await dialogues.upsert_answer(
            s,
            session_id=sid,
            person_id=pid,
            step_id="q",
            item="",
            value="hemmeligt",
            visibility="private",
            now=NOW,
        )
        await next_steps.create(
            s,
            person_id=pid,
            what="noget",
            due=None,
            how_shared=None,
            visibility="private",
            now=NOW,
        )
        await consent.give(s, pid, 1, NOW)
    async with database.transaction() as s:
        await people.delete_person(s, pid)
    async with database.transaction() as s:
        assert await s.scalar(select(func.count()).select_from(Answer)) == 0
        assert await s.scalar(select(func.count()).select_from(NextStepEvent)) == 0
        remaining = await s.scalar(select(func.count()).select_from(Membership))
        assert remaining == 1  # Bo stays in the team
        invite = await groups.invite_by_code(s, "x1")
        assert invite is not None
        assert invite.created_by is None
        # No table holds a column value pointing at the deleted person.
        for table in Base.metadata.sorted_tables:
            for column in table.columns:
                for fk in column.foreign_keys:
                    if fk.column.table.name == "people":
                        count = await s.scalar(
                            select(func.count()).select_from(table).where(column == pid)
                        )
                        assert count == 0, f"{table.name}.{column.name} still refers to them"
