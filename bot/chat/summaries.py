"""/summary: choose a group and a period; read the summary as messages, a document, a chart.

Facilitators also find two buttons here: close the group's safety check-in round (its
answers are then frozen as an anonymous total) and see who has looked at summaries.
"""

from __future__ import annotations

import re

from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import App
from bot.buttons import Press, act
from bot.services import aggregates, summaries
from bot.services.errors import Denied, NotFound
from bot.summaries.chart import describe, render_chart
from bot.summaries.labels import Formatter
from bot.summaries.model import Report
from bot.summaries.output import render_html, render_telegram
from bot.summaries.period import CHOICES
from bot.views import Attachment, Button, View, say
from storage.models import Group, Person
from storage.repositories import groups as groups_repo

ASK = 9  # choice: show the choices for this group
LATEST_MEETING = len(CHOICES)  # choice: the latest meeting's summary
ACCESS_LOG = LATEST_MEETING + 1  # choice: who has looked (facilitators)


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:40] or "group"


def report_views(report: Report, lang: str, *, with_chart: bool = True) -> list[View]:
    """The summary as messages, then the whole document, then the chart when there is one."""
    views = [View(html=part) for part in render_telegram(report)]
    chart = render_chart(report) if with_chart else None  # a photo for the chat
    drawing = render_chart(report, "svg") if chart is not None else None  # for the page
    stamp = report.generated_at.strftime("%Y-%m-%d")
    name = f"refleks-{_slug(report.group_name)}-{report.kind}-{stamp}"
    page = render_html(report, drawing, describe(report) if drawing else "")
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
        buttons = [[Button(g.name, act("D", g.id, ASK))] for g in found]
        return [View(html=say(lang, "summary.choose_group"), buttons=buttons)]

    async def _choices(
        self, session: AsyncSession, person: Person, group: Group, *, replace: bool
    ) -> list[View]:
        lang = person.language
        seen_as = await summaries.audience(self.app, session, person, group)
        rows = [
            [Button(say(lang, f"summary.period.{name}"), act("D", group.id, index))]
            for index, name in enumerate(CHOICES)
        ]
        rows.append(
            [Button(say(lang, "summary.latest_meeting"), act("D", group.id, LATEST_MEETING))]
        )
        if seen_as == "facilitator":
            rows.append([Button(say(lang, "summary.close_checkin"), act("K", group.id))])
            rows.append([Button(say(lang, "summary.access_log"), act("D", group.id, ACCESS_LOG))])
        text = say(lang, "summary.choose_period", group=group.name)
        return [View(html=text, buttons=rows, replace=replace)]

    async def button(self, session: AsyncSession, person: Person, action: Press) -> list[View]:
        """Show the choices, a summary, the access log, or close a check-in round."""
        lang = person.language
        if action.kind == "K":
            return await self._close(session, person, action.args[0])
        group_id, choice = action.args
        group = await groups_repo.get(session, group_id)
        if group is None or group.archived_at is not None:
            raise NotFound("error.group_not_found")
        if choice == ASK:
            return await self._choices(session, person, group, replace=True)
        if choice == ACCESS_LOG:
            return await self._access(session, person, group)
        if not 0 <= choice <= LATEST_MEETING:
            return [View(html=say(lang, "stale.unknown"))]
        request = summaries.SummaryRequest(
            group_id=group.id,
            period=CHOICES[choice] if choice < LATEST_MEETING else "all",
            meeting=choice == LATEST_MEETING,
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
