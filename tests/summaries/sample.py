"""Reports built by hand (no database), for golden files and renderer tests."""

from __future__ import annotations

from datetime import UTC, date, datetime

from bot.summaries.model import (
    AccessItem,
    MeetingDetail,
    MeetingRow,
    Phase,
    Report,
    SafetyCell,
    Section,
    SharedText,
    StepCell,
    StepItem,
)
from bot.summaries.period import Period

AT = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
ROUND1 = datetime(2026, 9, 15, 12, 0, tzinfo=UTC)
ROUND2 = datetime(2026, 10, 27, 12, 0, tzinfo=UTC)
PERIOD = Period(
    "schoolyear", datetime(2026, 7, 31, 22, 0, tzinfo=UTC), None, date(2026, 8, 1), AT.date()
)


def _team(group_id: int, name: str, text: str = "", hidden: bool = False) -> Section:
    return Section(
        group_id=group_id,
        name=name,
        members=6,
        meetings=[MeetingRow(1, "Netværksmøde 1", datetime(2026, 9, 1, 7, 0, tzinfo=UTC), 5, 6)],
        safety=[
            SafetyCell("r1", "Midtvejs", ROUND1, 5, 5.25, 0.61),
            SafetyCell(
                "r2",
                "",
                ROUND2,
                2 if hidden else 4,
                None if hidden else 5.5,
                None if hidden else 0.5,
                "too_few" if hidden else "",
            ),
        ],
        steps=[StepCell("r1", "Midtvejs", ROUND1, 5, {"done": 2, "partly": 2, "not_yet": 1})],
        step_items=[
            StepItem(
                "Prøve exit-billetter i 5.b",
                date(2026, 10, 1),
                "done",
                (("open", ROUND1), ("done", ROUND2)),
            )
        ]
        if text
        else [],
        reflections=[SharedText(ROUND1, "Læringssamtalen", "Læringsfokus", text)] if text else [],
        focuses=[
            SharedText(
                ROUND1, "Læringscirklen", "Læringsfokus", "Hvordan får vi de stille elever med?"
            )
        ]
        if text
        else [],
    )


def team_report(lang: str, text: str = "Eleverne spørger mere, når de må skrive først.") -> Report:
    return Report(
        kind="team",
        lang=lang,
        timezone="Europe/Copenhagen",
        group_name="Skovly",
        period=PERIOD,
        generated_at=AT,
        audience="facilitator",
        anonymity_min=3,
        main=_team(2, "Skovly", text),
        access=[
            AccessItem("Lea Leder", "summary:network", "telegram all", AT),
            AccessItem("", "summary:team", "cli html", AT),
        ],
    )


def network_report(lang: str, teams: int = 3, text: str = "Vi prøver tavse minutter.") -> Report:
    main = Section(
        group_id=1,
        name="Netværk Nord",
        members=18,
        meetings=[MeetingRow(1, "Netværksmøde 1", datetime(2026, 9, 1, 7, 0, tzinfo=UTC), 15, 18)],
        safety=[
            SafetyCell("r1", "Midtvejs", ROUND1, 15, 5.1, 0.8),
            SafetyCell("r2", "", ROUND2, 10, None, None, "withheld"),
        ],
        steps=[
            StepCell(
                "r1", "Midtvejs", ROUND1, 15, {"done": 6, "partly": 5, "not_yet": 3, "dropped": 1}
            )
        ],
    )
    names = ["Skovly", "Bakken", "Engen"] + [f"Team {i}" for i in range(4, teams + 1)]
    return Report(
        kind="network",
        lang=lang,
        timezone="Europe/Copenhagen",
        group_name="Netværk Nord",
        period=Period("all", None, None),
        generated_at=AT,
        audience="leader",
        anonymity_min=3,
        main=main,
        teams=[
            _team(i + 2, name, text if i == 0 else "", hidden=name == "Engen")
            for i, name in enumerate(names[:teams])
        ],
    )


def meeting_report(lang: str, text: str = "Vi har talt ordskifter i tre timer.") -> Report:
    return Report(
        kind="meeting",
        lang=lang,
        timezone="Europe/Copenhagen",
        group_name="Skovly",
        period=Period("all", None, None),
        generated_at=AT,
        audience="facilitator",
        anonymity_min=3,
        main=Section(group_id=2, name="Skovly", members=6),
        meeting=MeetingDetail(
            title="Netværksmøde 1",
            starts_at=datetime(2026, 9, 1, 7, 0, tzinfo=UTC),
            participants=5,
            members=6,
            circle_title="Læringscirklen",
            phases=[
                Phase("Læringsfokus", ("Hvordan får vi de stille elever med?",)),
                Phase("Data", (text, "Exit-billetter fra to uger.")),
            ],
            followup_date=date(2026, 10, 1),
            step_items=[
                StepItem(
                    "Prøve exit-billetter i 5.b",
                    date(2026, 10, 1),
                    "partly",
                    (("open", ROUND1), ("partly", ROUND2)),
                )
            ],
        ),
        access=[],
    )
