"""The opening digest: what people did with their next steps since the last meeting.

It goes to the facilitators the day before a meeting. Every participant is listed with
the status of each next step set since the previous meeting; the text of a step, and
what people wrote in their follow-ups, appear only where the author let the facilitator
see it (facilitator, team or leaders, never private or aggregate).
"""

from __future__ import annotations

from collections import Counter, defaultdict

from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import App
from bot.scheduling import format_when
from bot.services import followups as rounds
from bot.services.zones import person_zone
from bot.views import View, say
from dialogues.visibility import SEEN_BY_FACILITATORS
from storage.enums import FollowupKind, NextStepStatus
from storage.models import Answer, Followup, NextStep, Person
from storage.repositories import followups as repo
from storage.repositories import groups as groups_repo
from storage.repositories import meetings as meetings_repo

# What the follow-up reflection asks that a facilitator would open a meeting with.
SHARED_STEPS = ("learnt", "how_shared", "bring")
_MAX_QUOTE = 300


def _quote(text: str) -> str:
    return text if len(text) <= _MAX_QUOTE else text[: _MAX_QUOTE - 1].rstrip() + "…"


def _person_block(
    lang: str,
    person: Person,
    team: str | None,
    steps: list[NextStep],
    answers: list[Answer],
) -> str:
    lines = [
        say(lang, "digest.person", name=person.display_name, team=f" ({team})" if team else "")
    ]
    for step in steps:
        status = say(lang, f"status.{step.status.value}")
        if step.visibility in SEEN_BY_FACILITATORS:
            lines.append(say(lang, "digest.step", what=_quote(step.what), status=status))
        else:
            lines.append(say(lang, "digest.step_private", status=status))
    if not steps:
        lines.append(say(lang, "digest.no_step"))
    for answer in answers:
        if answer.visibility in SEEN_BY_FACILITATORS and isinstance(answer.value, str):
            lines.append(say(lang, f"digest.{answer.step_id}", text=_quote(answer.value)))
    return "\n".join(lines)


async def digest_view(app: App, session: AsyncSession, followup: Followup, viewer: Person) -> View:
    """The digest for the meeting `followup` prepares, as `viewer` may see it."""
    lang, tz = viewer.language, person_zone(app, viewer)
    group = await groups_repo.get(session, followup.group_id)
    meeting = await meetings_repo.get_meeting(session, followup.meeting_id or 0)
    if group is None or meeting is None:
        return View(html=say(lang, "digest.empty"))
    looked = await rounds.since_previous(session, group, meeting)
    since, related = looked.since, looked.related
    ids = await rounds.recipient_groups(session, group)
    people = await rounds.recipients(session, group, FollowupKind.next_step)
    person_ids = [p.id for p in people]
    steps = await repo.steps_since(session, person_ids, ids, since)
    sessions = await repo.completed_sessions(
        session, [r.id for r in related if r.kind in rounds.ASKING]
    )
    answers = await repo.answers_of(session, [s.id for s in sessions], SHARED_STEPS)
    teams = await repo.group_names_of(session, person_ids, ids[1:])

    steps_of: dict[int, list[NextStep]] = defaultdict(list)
    for step in steps:
        steps_of[step.person_id].append(step)
    answers_of: dict[int, list[Answer]] = defaultdict(list)
    for answer in answers:
        answers_of[answer.person_id].append(answer)
    counts = Counter(step.status for step in steps)
    asked = set(person_ids)
    answered_by: dict[int, set[int]] = defaultdict(set)
    for s in sessions:
        if s.followup_id is not None and s.person_id in asked:
            answered_by[s.followup_id].add(s.person_id)
    # Each round that has gone out since the last meeting, with who of today's
    # participants answered it.
    sent_out = looked.sent_out
    per_round = [
        say(
            lang,
            "digest.round",
            kind=say(lang, f"followup.kind.{r.kind.value}"),
            answered=len(answered_by[r.id]),
            total=len(people),
        )
        for r in sent_out
    ]

    parts = [
        say(
            lang,
            "digest.header",
            group=group.name,
            when=format_when(meeting.starts_at, tz, lang),
            count=len(people),
        ),
        say(
            lang,
            "digest.totals",
            done=counts[NextStepStatus.done],
            partly=counts[NextStepStatus.partly],
            not_yet=counts[NextStepStatus.not_yet],
            open=counts[NextStepStatus.open],
        ),
    ]
    if per_round and people:
        parts.append(say(lang, "digest.rounds", rounds=" · ".join(per_round)))
    if not people:
        parts.append(say(lang, "digest.empty"))
    for person in people:
        parts.append(
            _person_block(
                lang, person, teams.get(person.id), steps_of[person.id], answers_of[person.id]
            )
        )
    parts.append(say(lang, "digest.footer"))
    return View(html="\n\n".join(parts))
