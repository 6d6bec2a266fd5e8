"""A small network used by several tests: three teams, two rounds, a meeting with a circle."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import App
from bot.services.aggregates import freeze_round
from storage.enums import GroupKind, NextStepStatus, Role
from storage.models import Group, Meeting, Person
from tests.summaries.factory import Factory
from tests.support import Clock


@dataclass
class Network:
    network: Group
    teams: dict[str, Group]
    members: dict[str, list[Person]]
    leader: Person
    facilitator: Person
    meeting: Meeting


async def build_network(app: App, session: AsyncSession, clock: Clock) -> Network:
    """Nord: Skovly (4), Bakken (3), Engen (3, only one answers the second round)."""
    make = Factory(app, session)
    clock.now = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)
    network = await make.group("Netværk Nord", GroupKind.network)
    teams = {name: await make.group(name, parent=network) for name in ("Skovly", "Bakken", "Engen")}
    members = {
        "Skovly": await make.team_of(teams["Skovly"], 4, "S"),
        "Bakken": await make.team_of(teams["Bakken"], 3, "B"),
        "Engen": await make.team_of(teams["Engen"], 3, "E"),
    }
    leader = await make.person("Lea Leder")
    await make.member(network, leader, Role.leader)
    facilitator = await make.person("Frida Facilitator")
    await make.member(network, facilitator, Role.facilitator)

    meeting = await make.meeting(network, "Netværksmøde 1", clock.now)
    clock.advance(hours=3)
    await make.circle(
        teams["Skovly"],
        meeting,
        [
            (members["Skovly"][0], "focus", "Hvordan får vi de stille elever med?", "leaders"),
            (members["Skovly"][1], "data", "Vi har talt ordskifter i tre timer.", "team"),
            (members["Skovly"][2], "close", "Jeg tager spørgsmålene med hjem.", "team"),
        ],
        followup="2026-10-01",
    )
    for name, people in members.items():
        for i, person in enumerate(people):
            status = [NextStepStatus.done, NextStepStatus.partly, NextStepStatus.not_yet][i % 3]
            await make.step(
                teams[name],
                person,
                f"Prøve exit-billetter ({name} {i + 1})",
                meeting=meeting,
                visibility="leaders" if i == 0 else "team",
                status=status,
            )
    # Round 1: everyone answers the check-in.
    scores = {"Skovly": [5.0, 6.0, 5.5, 4.5], "Bakken": [4.0, 5.0, 6.0], "Engen": [3.0, 4.0, 5.0]}
    for name, values in scores.items():
        for person, value in zip(members[name], values, strict=True):
            clock.advance(minutes=5)
            await make.checkin(teams[name], person, value)
    await make.reflection(
        teams["Bakken"],
        members["Bakken"][0],
        "Eleverne spørger mere, når de må skrive først.",
        "leaders",
    )
    await make.reflection(teams["Bakken"], members["Bakken"][1], "Kun til mig selv.", "private")
    await make.reflection(teams["Bakken"], members["Bakken"][2], "Til teamet.", "team")
    clock.advance(days=14)
    await freeze_round(
        app, session, network.id, "midpoint-1", label="Midtvejs", meeting_id=meeting.id
    )
    # Round 2: Engen has a single respondent.
    scores2 = {"Skovly": [6.0, 6.5, 5.0], "Bakken": [5.0, 5.5, 6.0], "Engen": [1.5]}
    for name, values in scores2.items():
        for person, value in zip(members[name], values, strict=False):
            clock.advance(minutes=5)
            await make.checkin(teams[name], person, value)
    clock.advance(days=14)
    await freeze_round(
        app, session, network.id, "meeting-2", label="Før møde 2", meeting_id=meeting.id
    )
    clock.advance(days=1)
    return Network(network, teams, members, leader, facilitator, meeting)
