"""Build networks, teams, check-ins, meetings, circles and next steps straight in storage."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import App
from bot.services import circle
from bot.services.reflection import pin
from storage.enums import GroupKind, MeetingStatus, NextStepStatus, Role, SessionStatus
from storage.models import Group, Meeting, Person
from storage.repositories import dialogues, groups, next_steps, people

SAFETY_FORMAT = "psykologisk-tryghed"
_HANDLES = itertools.count(1)  # console handles are unique across every factory


@dataclass
class Factory:
    app: App
    session: AsyncSession

    @property
    def now(self) -> datetime:
        return self.app.now()

    async def person(self, name: str, language: str = "da") -> Person:
        return await people.create(
            self.session,
            display_name=name,
            language=language,
            now=self.now,
            console_handle=f"{name.lower()[:40]}-{next(_HANDLES)}",
        )

    async def group(
        self, name: str, kind: GroupKind = GroupKind.team, parent: Group | None = None
    ) -> Group:
        return await groups.create_group(
            self.session,
            name=name,
            kind=kind,
            language="da",
            now=self.now,
            parent_id=parent.id if parent else None,
        )

    async def member(self, group: Group, person: Person, role: Role = Role.participant) -> None:
        await groups.add_member(
            self.session, group_id=group.id, person_id=person.id, role=role, now=self.now
        )

    async def team_of(self, group: Group, size: int, prefix: str) -> list[Person]:
        found = []
        for i in range(size):
            person = await self.person(f"{prefix}{i + 1}")
            await self.member(group, person)
            found.append(person)
        return found

    async def _session(
        self,
        format_id: str,
        group: Group,
        *,
        person: Person | None,
        meeting: Meeting | None = None,
        completed: bool = True,
    ) -> int:
        fmt = self.app.catalog.get(format_id)
        assert fmt is not None
        row = await dialogues.create_session(
            self.session,
            format_id=fmt.id,
            format_version=fmt.version,
            snapshot_id=await pin(self.app, self.session, fmt),
            language="da",
            state={},
            now=self.now,
            person_id=person.id if person else None,
            started_by=person.id if person else None,
            group_id=group.id,
            meeting_id=meeting.id if meeting else None,
        )
        if completed:
            row.status = SessionStatus.completed
            row.completed_at = self.now
        return row.id

    async def checkin(self, group: Group, person: Person, score: float) -> int:
        """A completed safety check-in with this index score."""
        session_id = await self._session(SAFETY_FORMAT, group, person=person)
        await dialogues.upsert_answer(
            self.session,
            session_id=session_id,
            person_id=person.id,
            step_id="ps_risk",
            item="",
            value=round(score),
            visibility="aggregate",
            now=self.now,
        )
        await dialogues.set_scores(self.session, session_id, {"psychological_safety": score})
        return session_id

    async def took_part(self, group: Group, person: Person, meeting: Meeting) -> None:
        """A reflection tied to `meeting`, in `group`: taking part in it."""
        await self._session("laeringssamtale", group, person=person, meeting=meeting)

    async def reflection(
        self, group: Group, person: Person, text: str, visibility: str, step: str = "focus"
    ) -> None:
        """A private learning conversation whose answer to `step` is shared at `visibility`."""
        session_id = await self._session("laeringssamtale", group, person=person)
        await dialogues.upsert_answer(
            self.session,
            session_id=session_id,
            person_id=person.id,
            step_id=step,
            item="",
            value=text,
            visibility=visibility,
            now=self.now,
        )

    async def meeting(self, group: Group, title: str, starts: datetime) -> Meeting:
        meeting = Meeting(
            group_id=group.id,
            title=title,
            starts_at=starts,
            ends_at=starts + timedelta(hours=3),
            status=MeetingStatus.planned,
            sequence=0,
            created_at=self.now,
            updated_at=self.now,
        )
        self.session.add(meeting)
        await self.session.flush()
        return meeting

    async def circle(
        self,
        group: Group,
        meeting: Meeting,
        contributions: list[tuple[Person, str, str, str]],
        followup: str | None = None,
    ) -> None:
        """A learning circle at a meeting: (person, phase, text, visibility) contributions.

        Only what the product lets leaders see may be given to them: the focus person's
        learning focus and next step and the follow-up date, shared after the circle
        (`circle.share_with_leaders`); every other phase stays with the team.
        """
        session_id = await self._session("laeringscirkel", group, person=None, meeting=meeting)
        for person, phase, text, visibility in contributions:
            assert visibility == "team" or phase in circle.SHAREABLE_STEPS, (phase, visibility)
            await dialogues.upsert_answer(
                self.session,
                session_id=session_id,
                person_id=person.id,
                step_id=phase,
                item="",
                value=text,
                visibility=visibility,
                now=self.now,
                append=True,
            )
        if followup and contributions:
            await dialogues.upsert_answer(
                self.session,
                session_id=session_id,
                person_id=contributions[0][0].id,
                step_id="followup_date",
                item="",
                value=followup,
                visibility="leaders",
                now=self.now,
            )

    async def step(
        self,
        group: Group,
        person: Person,
        what: str,
        *,
        meeting: Meeting | None = None,
        visibility: str = "team",
        status: NextStepStatus | None = None,
        due: date | None = None,
    ) -> None:
        step = await next_steps.create(
            self.session,
            person_id=person.id,
            what=what,
            due=due,
            how_shared=None,
            visibility=visibility,
            now=self.now,
            group_id=group.id,
            meeting_id=meeting.id if meeting else None,
        )
        if status is not None:
            await next_steps.set_status(self.session, step, status, self.now)
