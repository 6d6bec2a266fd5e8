"""Summaries as web pages: the groups a person may read summaries of, one group's summary
with a period filter, and the summary to take home (a print-ready page, Markdown, and the
spreadsheet Danish Excel opens as it is).

Who may read what is the summaries service's rule alone (`summaries.build`), and every
page and file is one read in the access log, as /summary in the chat and `refleks summary`
on the command line are: a group the person has no reading role in is the same 404 as a
group that never existed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlencode

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from bot.app import App
from bot.services import summaries
from bot.services.errors import NotFound, ServiceError
from bot.summaries.model import Report
from bot.summaries.output import (
    render_html,
    render_html_body,
    render_markdown,
    report_css,
    report_title,
)
from bot.summaries.period import CHOICES
from bot.summaries.spreadsheet import render_spreadsheet
from bot.web.auth import Visitor, signed_in_unit
from bot.web.render import page
from storage.enums import GroupKind
from storage.repositories import groups as groups_repo

# The period choices of the form: the chat's three, then a year and a range of dates.
FORM_CHOICES = ("all", "quarter", "schoolyear", "year", "range")
# What each download is, in `SummaryRequest.output` (as `refleks summary --format` says it).
FILES = {
    "html": "text/html; charset=utf-8",
    "md": "text/markdown; charset=utf-8",
    "csv": "text/csv; charset=utf-8",
}
PAGE_OUTPUT = "web"


@dataclass(frozen=True)
class Asked:
    """The period form as the person filled it in (or a link's `?period=` in the command
    line's words: `2026`, `2026-08-01..2026-12-31`)."""

    choice: str = "all"
    year: str = ""
    first: str = ""
    last: str = ""
    history: bool = False

    @classmethod
    def read(cls, query: QueryParams) -> Asked:
        raw = query.get("period", "all").strip().lower() or "all"
        history = query.get("history") in ("1", "on", "true")
        year, first, last = (query.get(k, "").strip() for k in ("year", "from", "to"))
        if raw in FORM_CHOICES:
            return cls(raw, year, first, last, history)
        if ".." in raw:
            first, _, last = raw.partition("..")
            return cls("range", year, first, last, history)
        return cls("year", raw, first, last, history)

    @property
    def period(self) -> str:
        """The period in the service's words. An empty field stays unreadable ("year",
        "..") so the service refuses it like any other period it cannot read."""
        if self.choice == "year":
            return self.year or "year"
        if self.choice == "range":
            return f"{self.first}..{self.last}"
        return self.choice

    def query(self) -> str:
        """This choice as a query string, for the download links."""
        params = {"period": self.period}
        if self.history:
            params["history"] = "1"
        return urlencode(params)


def _group_id(request: Request) -> int:
    group_id: int = request.path_params["group_id"]
    return group_id


def _stem(report: Report) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", report.group_name.lower()).strip("-")[:40] or "group"
    return f"refleks-{slug}-{report.kind}-{report.generated_at:%Y-%m-%d}"


def _chart(report: Report) -> tuple[bytes | None, str]:
    """The trend chart as SVG and the words that say what it shows, as the chat's page has."""
    # matplotlib is loaded on the first chart only: the rest of the web part starts fast.
    from bot.summaries.chart import for_page

    return for_page(report)


async def leads(request: Request) -> Response:
    """The groups the person can read summaries of, as the chat's /summary lists them."""

    async def handler(
        request: Request, app: App, session: AsyncSession, visitor: Visitor
    ) -> Response:
        found = await summaries.summarisable(app, session, visitor.person)
        listed = [
            {
                "id": group.id,
                "name": group.name,
                "kind": "network" if group.kind == GroupKind.network else "team",
            }
            for group in found
        ]
        return page(request, "lead.html", lang=visitor.lang, visitor=visitor, groups=listed)

    return await signed_in_unit(request, handler)


async def _build(
    request: Request,
    app: App,
    session: AsyncSession,
    visitor: Visitor,
    asked: Asked,
    *,
    output: str,
) -> Report | Response:
    """The summary, logged once as a read of `output`, or the form again with a word beside
    the period it could not read (422); Denied or NotFound when it is not the person's."""
    group_id = _group_id(request)
    summary_request = summaries.SummaryRequest(
        group_id=group_id, period=asked.period, output=output, history=asked.history
    )
    try:
        return await summaries.build(app, session, viewer=visitor.person, request=summary_request)
    except ServiceError as refused:
        if refused.key != "summary.bad_period":
            raise
        return await _refused_period(request, session, visitor, group_id, asked)


async def _refused_period(
    request: Request, session: AsyncSession, visitor: Visitor, group_id: int, asked: Asked
) -> Response:
    """The form again with a word beside the field that could not be read (422)."""
    # The service has already said the person may read this group: only the period failed.
    group = await groups_repo.get(session, group_id)
    if group is None:
        raise NotFound("error.group_not_found")
    problem = {"year": "web.lead_bad_year", "range": "web.lead_bad_range"}.get(
        asked.choice, "web.lead_bad_period"
    )
    return _summary_page(
        request, visitor, group_id, asked, title=group.name, problem=problem, status_code=422
    )


def _summary_page(
    request: Request,
    visitor: Visitor,
    group_id: int,
    asked: Asked,
    *,
    title: str,
    body: str = "",
    problem: str | None = None,
    status_code: int = 200,
) -> Response:
    return page(
        request,
        "lead_summary.html",
        lang=visitor.lang,
        visitor=visitor,
        group_id=group_id,
        asked=asked,
        choices=FORM_CHOICES,
        named=CHOICES,
        title=title,
        body=body,
        problem=problem,
        query=asked.query(),
        status_code=status_code,
    )


async def summary_page(request: Request) -> Response:
    """One group's summary as a page of the site, for the period asked."""

    async def handler(
        request: Request, app: App, session: AsyncSession, visitor: Visitor
    ) -> Response:
        asked = Asked.read(request.query_params)
        report = await _build(request, app, session, visitor, asked, output=PAGE_OUTPUT)
        if isinstance(report, Response):
            return report
        drawing, words = _chart(report)
        body = render_html_body(report, drawing, words)
        return _summary_page(
            request, visitor, _group_id(request), asked, title=report_title(report), body=body
        )

    return await signed_in_unit(request, handler)


async def summary_file(request: Request) -> Response:
    """The summary to take home: the print-ready page, Markdown, or the spreadsheet."""

    async def handler(
        request: Request, app: App, session: AsyncSession, visitor: Visitor
    ) -> Response:
        kind = request.path_params["kind"]
        if kind not in FILES:
            raise NotFound("web.not_found_title")
        report = await _build(
            request, app, session, visitor, Asked.read(request.query_params), output=kind
        )
        if isinstance(report, Response):
            return report
        if kind == "html":
            text = render_html(report, *_chart(report))
        elif kind == "md":
            text = render_markdown(report)
        else:
            text = render_spreadsheet(report)
        return Response(
            text.encode("utf-8"),
            media_type=FILES[kind],
            headers={
                "content-disposition": f'attachment; filename="{_stem(report)}.{kind}"',
                "cache-control": "no-store",
            },
        )

    return await signed_in_unit(request, handler)


async def stylesheet(_request: Request) -> Response:
    """The summary's own styles (tables, quotes, print), the same the standalone page inlines."""
    return Response(
        report_css(), media_type="text/css", headers={"cache-control": "public, max-age=3600"}
    )


def lead_routes() -> list[BaseRoute]:
    return [
        Route("/lead", leads, name="lead"),
        Route("/lead/report.css", stylesheet, name="lead_css"),
        Route("/lead/{group_id:int}", summary_page, name="lead_summary"),
        Route("/lead/{group_id:int}/summary.{kind:str}", summary_file, name="lead_file"),
    ]
