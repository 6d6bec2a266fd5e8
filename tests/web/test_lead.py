"""Summaries as web pages over HTTP: a network's leader reads its summary for a period,
with every snapshot on request, and takes it home as a page, a spreadsheet or Markdown;
every page and file is one read in the access log, and a group that is not the person's
to read is the same 404 as one that never existed."""

from __future__ import annotations

import itertools
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from bot.services import privacy
from storage.db import Database
from storage.models import AccessLogEntry, Person
from storage.repositories import people
from tests.summaries.scenario import build_network
from tests.support import Clock, make_app
from tests.web.conftest import sign_in_over_http

BASE = "https://refleks.example.dk"
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')
PARTICIPATION_ROW = "<td>Netværksmøde 1</td><td>1. sep. 2026</td>"


@dataclass
class Lead:
    http: httpx.AsyncClient
    app: Any
    ids: dict[str, int]

    async def sign_in(self, who: str) -> None:
        """Sign in as `who` in a fresh browser (by a one-time link, as /web gives one)."""
        await sign_in_over_http(self.http, self.app, self.ids[who])

    async def reads(self) -> list[tuple[str, str]]:
        """The access log's rows for the network, oldest first: (what, detail)."""

        async def read(session: Any) -> list[tuple[str, str]]:
            rows = await session.execute(
                select(AccessLogEntry.what, AccessLogEntry.detail)
                .where(AccessLogEntry.group_id == self.ids["network"])
                .order_by(AccessLogEntry.id)
            )
            return [(what, detail or "") for what, detail in rows]

        return list(await self.app.db.run(read))

    async def count_reads(self) -> int:
        async def count(session: Any) -> int:
            return int(await session.scalar(select(func.count()).select_from(AccessLogEntry)))

        return int(await self.app.db.run(count))


async def _consented(app: Any, session: Any, person: Person) -> None:
    await privacy.accept(
        app,
        session,
        language="da",
        display_name=person.display_name,
        console_handle=person.console_handle,
    )


@pytest.fixture
async def lead(database: Database) -> AsyncIterator[Lead]:
    """Netværk Nord (three teams, two rounds, a meeting) with Lea as its leader; S1 takes
    part in Skovly; Sigurd belongs to no group."""
    clock = Clock()
    app = make_app(database, clock, refleks_public_url=BASE)

    async def work(session: Any) -> dict[str, int]:
        net = await build_network(app, session, clock)
        stranger = await people.create(
            session, display_name="Sigurd", language="da", now=app.now(), console_handle="sigurd"
        )
        participant = net.members["Skovly"][0]
        for someone in (net.leader, participant, stranger):
            await _consented(app, session, someone)
        return {
            "network": net.network.id,
            "skovly": net.teams["Skovly"].id,
            "leader": net.leader.id,
            "participant": participant.id,
            "stranger": stranger.id,
        }

    ids = await app.db.run(work)
    from bot.web.app import create_web_app

    transport = httpx.ASGITransport(app=create_web_app(app))
    async with httpx.AsyncClient(transport=transport, base_url=BASE) as http:
        yield Lead(http=http, app=app, ids=ids)


async def test_the_leader_finds_the_network_from_the_own_page_and_reads_its_figures(
    lead: Lead,
) -> None:
    await lead.sign_in("leader")
    me = await lead.http.get("/me")
    assert 'href="/lead"' in me.text
    listed = await lead.http.get("/lead")
    assert listed.status_code == 200
    network = lead.ids["network"]
    assert f'<a href="/lead/{network}">Netværk Nord</a>' in listed.text
    assert f'<a href="/lead/{lead.ids["skovly"]}">Skovly</a>' in listed.text  # teams under it

    shown = await lead.http.get(f"/lead/{network}")
    assert shown.status_code == 200
    assert "<h1>Netværksoversigt: Netværk Nord</h1>" in shown.text
    assert PARTICIPATION_ROW in shown.text
    assert "Kort fortalt" in shown.text
    assert "Næste skridt gjort: 4 af 10 (40\xa0%)" in shown.text
    assert '<th scope="row">Engen</th>' in shown.text
    assert 'src="data:image/svg+xml;base64,' in shown.text  # the chart, inside the CSP
    assert "<style" not in shown.text  # the CSP allows only stylesheets of our own
    assert 'href="/lead/report.css"' in shown.text
    assert "Log ud" in shown.text  # the site's own header is still there
    css = await lead.http.get("/lead/report.css")
    assert css.headers["content-type"].startswith("text/css")
    assert "td.num" in css.text
    # Headings go down one level at a time.
    levels = [int(n) for n in re.findall(r"<h([1-6])[ >]", shown.text)]
    assert levels[0] == 1
    assert all(b - a <= 1 for a, b in itertools.pairwise(levels)), levels


async def test_the_period_narrows_the_summary_and_a_bad_one_is_said_beside_its_field(
    lead: Lead,
) -> None:
    await lead.sign_in("leader")
    network = lead.ids["network"]
    everything = await lead.http.get(f"/lead/{network}", params={"period": "all"})
    assert PARTICIPATION_ROW in everything.text
    assert "Midtvejs" in everything.text

    later = await lead.http.get(
        f"/lead/{network}", params={"period": "range", "from": "2026-09-20", "to": "2026-12-31"}
    )
    assert later.status_code == 200
    assert "Periode: 20. sep. 2026 – 31. dec. 2026" in later.text
    assert PARTICIPATION_ROW not in later.text  # the meeting was on 1 September
    assert "Midtvejs" not in later.text  # the round closed in mid-September
    assert 'value="2026-09-20"' in later.text  # the form remembers the choice
    assert "download>" in later.text
    assert "summary.csv?period=2026-09-20..2026-12-31" in later.text

    before = await lead.http.get(f"/lead/{network}", params={"period": "year", "year": "2025"})
    assert "Der er ikke noget at vise for perioden endnu." in before.text

    reads = len(await lead.reads())
    for params, field in (
        ({"period": "year", "year": "næste år"}, "year-problem"),
        ({"period": "year", "year": ""}, "year-problem"),
        ({"period": "range", "from": "2026-12-31", "to": "2026-09-01"}, "range-problem"),
        ({"period": "range", "from": "2026-09-01", "to": ""}, "range-problem"),
        ({"period": "sometime"}, "year-problem"),
    ):
        refused = await lead.http.get(f"/lead/{network}", params=params)
        assert refused.status_code == 422, params
        assert f'<p class="error" role="alert" id="{field}">' in refused.text, params
        assert 'aria-invalid="true"' in refused.text
        assert "Netværk Nord" in refused.text
        assert PARTICIPATION_ROW not in refused.text
    assert len(await lead.reads()) == reads  # nothing was read, so nothing is logged
    unknown = await lead.http.get(f"/lead/{network}", params={"period": "range", "to": "x"})
    assert "Vælg to datoer" in unknown.text


async def test_every_snapshot_shows_more_rows_of_next_steps(lead: Lead) -> None:
    await lead.sign_in("leader")
    network = lead.ids["network"]

    def step_rows(html: str) -> int:
        table = html.split("<h3>Næste skridt over tid</h3>", 1)[1].split("</table>", 1)[0]
        return table.count("<tr>") - 1  # without the header row

    latest = await lead.http.get(f"/lead/{network}")
    every = await lead.http.get(f"/lead/{network}", params={"period": "all", "history": "1"})
    assert step_rows(every.text) > step_rows(latest.text) >= 1
    assert 'id="history" value="1" aria-describedby="history-help" checked' in every.text
    assert "history=1" in every.text  # the downloads keep the choice


async def test_the_downloads_hold_the_same_summary_and_each_is_one_read(lead: Lead) -> None:
    await lead.sign_in("leader")
    network = lead.ids["network"]
    before = await lead.reads()
    page = await lead.http.get(f"/lead/{network}", params={"period": "schoolyear"})
    assert page.status_code == 200

    html = await lead.http.get(f"/lead/{network}/summary.html", params={"period": "schoolyear"})
    assert html.headers["content-type"] == "text/html; charset=utf-8"
    disposition = html.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="refleks-netv-rk-nord-network-')
    assert disposition.endswith('.html"')
    assert html.text.startswith("<!DOCTYPE html>")
    assert "<style>" in html.text  # self-contained: its styles inside
    assert "@page { size: A4;" in html.text
    assert "/lead/report.css" not in html.text
    assert PARTICIPATION_ROW in html.text
    assert "Log ud" not in html.text  # the document, not the site's page

    spreadsheet = await lead.http.get(f"/lead/{network}/summary.csv?period=schoolyear")
    assert spreadsheet.headers["content-type"] == "text/csv; charset=utf-8"
    assert spreadsheet.headers["content-disposition"].endswith('.csv"')
    assert spreadsheet.content.startswith(b"\xef\xbb\xbf")  # Excel reads æ, ø and å right
    header = spreadsheet.content.decode("utf-8-sig").splitlines()[0]
    assert header.startswith("Afsnit;Gruppe;")
    assert "Deltagelse;Netværk Nord;Netværksmøde 1;" in spreadsheet.content.decode("utf-8-sig")

    markdown = await lead.http.get(f"/lead/{network}/summary.md?period=schoolyear")
    assert markdown.headers["content-type"] == "text/markdown; charset=utf-8"
    assert markdown.text.startswith("# Netværksoversigt: Netværk Nord")
    assert "Netværksmøde 1" in markdown.text

    missing = await lead.http.get(f"/lead/{network}/summary.pdf")
    assert missing.status_code == 404

    reads = (await lead.reads())[len(before) :]
    assert reads == [
        ("summary:network", "web schoolyear"),
        ("summary:network", "html schoolyear"),
        ("summary:network", "csv schoolyear"),
        ("summary:network", "md schoolyear"),
    ]


async def test_a_group_without_a_reading_role_is_not_found(lead: Lead) -> None:
    network, skovly = lead.ids["network"], lead.ids["skovly"]
    await lead.sign_in("participant")
    me = await lead.http.get("/me")
    listed = await lead.http.get("/lead")
    assert f'href="/lead/{network}"' not in listed.text  # only their own team
    assert 'href="/lead"' in me.text
    before = await lead.count_reads()
    for path in (
        f"/lead/{network}",
        f"/lead/{network}?period=nonsense",  # no word about the period before the right
        f"/lead/{network}/summary.csv",
        f"/lead/{network}/summary.html",
        "/lead/999999",
    ):
        refused = await lead.http.get(path)
        assert refused.status_code == 404, path
        assert "Den side findes ikke, eller også er den ikke din." in refused.text
        assert "Netværk Nord" not in refused.text
    assert await lead.count_reads() == before

    await lead.sign_in("stranger")
    assert 'href="/lead"' not in (await lead.http.get("/me")).text
    assert "Der er ingen grupper" in (await lead.http.get("/lead")).text
    for path in (f"/lead/{network}", f"/lead/{skovly}", f"/lead/{skovly}/summary.md"):
        refused = await lead.http.get(path)
        assert refused.status_code == 404, path
        assert "Skovly" not in refused.text
    assert await lead.count_reads() == before


async def test_signed_out_visitors_go_to_the_front_page(lead: Lead) -> None:
    for path in (
        "/lead",
        f"/lead/{lead.ids['network']}",
        f"/lead/{lead.ids['network']}/summary.csv",
    ):
        answer = await lead.http.get(path)
        assert answer.status_code == 303
        assert answer.headers["location"] == "/"
