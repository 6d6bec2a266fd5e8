"""/summary: choose a group and a period; read the summary as messages, a document, a chart.

Facilitators also find two buttons here: close the group's safety check-in round (its
answers are then frozen as an anonymous total) and see who has looked at summaries.

Buttons are `SummaryButton`s ("D": a group and a `SummaryChoice`) and `CloseCheckinButton`s
("K": close the group's check-in round).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import IntEnum

from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import App
from bot.buttons import ButtonData, Press, button
from bot.services import aggregates, summaries
from bot.services.errors import Denied, NotFound
from bot.summaries.chart import for_page, render_chart
from bot.summaries.labels import Formatter
from bot.summaries.model import Report
from bot.summaries.output import render_html, render_telegram
from bot.summaries.period import CHOICES
from bot.views import Attachment, Button, View, say
from storage.models import Group, Person
from storage.repositories import groups as groups_repo


class SummaryChoice(IntEnum):
    """What a /summary button shows; the values are in buttons already sent."""

    QUARTER = 0  # the periods first, in the order of CHOICES
    SCHOOLYEAR = 1
    ALL = 2
    LATEST_MEETING = 3  # the latest meeting's summary
    ACCESS_LOG = 4  # who has looked (facilitators)
    ASK = 9  # show the choices for this group


# The choices of a period, in the order of CHOICES.
PERIODS = (SummaryChoice.QUARTER, SummaryChoice.SCHOOLYEAR, SummaryChoice.ALL)


@button("D")
@dataclass(frozen=True)
class SummaryButton(ButtonData):
    group_id: int
    choice: SummaryChoice


@button("K")
@dataclass(frozen=True)
class CloseCheckinButton(ButtonData):
    """Close the group's safety check-in round (facilitators)."""

    group_id: int


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:40] or "group"


def report_views(report: Report, lang: str, *, with_chart: bool = True) -> list[View]:
    """The summary as messages, then the whole document, then the chart when there is one."""
    views = [View(html=part) for part in render_telegram(report)]
    chart = render_chart(report) if with_chart else None  # a photo for the chat
    drawing, words = for_page(report) if chart is not None else (None, "")  # for the page
    stamp = report.generated_at.strftime("%Y-%m-%d")
    name = f"refleks-{_slug(report.group_name)}-{report.kind}-{stamp}"
    page = render_html(report, drawing, words)
    document = Attachment(f"{name}.html", page.encode("utf-8"))
    views.append(View(html=say(lang, "summary.document_caption"), attachment=document))
    if chart is not None:
        photo = Attachment(f"{name}.png", chart, photo=True)
        views.append(View(html=say(lang, "summary.chart_caption"), attachment=photo))
    return views


class SummaryChat:
    def __init__(self, app: App) -> None:
        self.app = app

    async def command(self, session: AsyncSession, person: Person) -> list[View]:
        """Offer the groups the person can see summaries of."""
        lang = person.language
        found = await summaries.summarisable(self.app, session, person)
        if not found:
            return [View(html=say(lang, "summary.none"))]
        if len(found) == 1:
            return await self._choices(session, person, found[0], replace=False)
        buttons = [[Button(g.name, SummaryButton(g.id, SummaryChoice.ASK).encode())] for g in found]
        return [View(html=say(lang, "summary.choose_group"), buttons=buttons)]

    async def _choices(
        self, session: AsyncSession, person: Person, group: Group, *, replace: bool
    ) -> list[View]:
        lang = person.language
        seen_as = await summaries.audience(self.app, session, person, group)
        rows = [
            [Button(say(lang, f"summary.period.{name}"), SummaryButton(group.id, choice).encode())]
            for choice, name in zip(PERIODS, CHOICES, strict=True)
        ]
        rows.append(
            [
                Button(
                    say(lang, "summary.latest_meeting"),
                    SummaryButton(group.id, SummaryChoice.LATEST_MEETING).encode(),
                )
            ]
        )
        if seen_as == "facilitator":
            rows.append(
                [Button(say(lang, "summary.close_checkin"), CloseCheckinButton(group.id).encode())]
            )
            rows.append(
                [
                    Button(
                        say(lang, "summary.access_log"),
                        SummaryButton(group.id, SummaryChoice.ACCESS_LOG).encode(),
                    )
                ]
            )
        text = say(lang, "summary.choose_period", group=group.name)
        return [View(html=text, buttons=rows, replace=replace)]

    async def button(self, session: AsyncSession, person: Person, action: Press) -> list[View]:
        """Show the choices, a summary, the access log, or close a check-in round."""
        lang = person.language
        close = CloseCheckinButton.read(action)
        if close is not None:
            return await self._close(session, person, close.group_id)
        pressed = SummaryButton.read(action)
        if pressed is None:
            return [View(html=say(lang, "stale.unknown"))]
        choice = pressed.choice
        group = await groups_repo.get(session, pressed.group_id)
        if group is None or group.archived_at is not None:
            raise NotFound("error.group_not_found")
        if choice is SummaryChoice.ASK:
            return await self._choices(session, person, group, replace=True)
        if choice is SummaryChoice.ACCESS_LOG:
            return await self._access(session, person, group)
        request = summaries.SummaryRequest(
            group_id=group.id,
            period=CHOICES[PERIODS.index(choice)] if choice in PERIODS else "all",
            meeting=choice is SummaryChoice.LATEST_MEETING,
        )
        report = await summaries.build(self.app, session, viewer=person, request=request)
        return report_views(report, lang)

    async def _access(self, session: AsyncSession, person: Person, group: Group) -> list[View]:
        lang = person.language
        if await summaries.audience(self.app, session, person, group) != "facilitator":
            raise Denied("denied.manage")
        items = await summaries.access_items(session, [group.id])
        if not items:
            return [View(html=say(lang, "summary.access_none"))]
        f = Formatter(lang, self.app.settings.refleks_timezone)
        lines = [say(lang, "summary.access_header", group=group.name)]
        lines += [
            say(
                lang,
                "summary.access_item",
                when=f.moment(item.at),
                viewer=item.viewer or f.L["operator"],
                what=f.access_what(item.what),
            )
            for item in items
        ]
        return [View(html="\n".join(lines))]

    async def _close(self, session: AsyncSession, person: Person, group_id: int) -> list[View]:
        lang = person.language
        frozen = await aggregates.close_checkin(self.app, session, person=person, group_id=group_id)
        answered = frozen.respondents(group_id)
        if not frozen.rows:
            return [View(html=say(lang, "summary.checkin_empty"))]
        minimum = self.app.settings.refleks_anonymity_min
        key = "summary.checkin_closed" if answered >= minimum else "summary.checkin_too_few"
        return [View(html=say(lang, key, n=answered))]
