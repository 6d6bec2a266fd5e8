"""The person's own page over HTTP: answers changed, steps marked, meetings and data taken
home, and everything forgotten, through the same services as the chat's /mine, /next,
/meetings, /mydata and /forget; someone else's answer, step or meeting is a 404."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from bot.services import meetings
from dialogues.visibility import Visibility
from storage.db import Database
from storage.enums import NextStepStatus, Role
from storage.models import Answer, NextStep, Person
from storage.repositories import people
from tests.admin.support import answer_id, group, member, person, reflect, summary_text
from tests.support import Clock, make_app
from tests.web.conftest import sign_in_over_http

BASE = "https://refleks.example.dk"
VISIT = "Naturcenteret ved skoven, 7. klasse"
STEP = "Eleverne leder næste besøg selv"
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@dataclass
class Setting:
    http: httpx.AsyncClient
    app: Any
    clock: Clock
    ids: dict[str, int]

    async def sign_in(self, who: str) -> str:
        """Sign in as `who` in a fresh browser; the CSRF token of the session."""
        await sign_in_over_http(self.http, self.app, self.ids[who])
        me = await self.http.get("/me")
        assert me.status_code == 200
        found = _CSRF.search(me.text)
        assert found is not None
        return found.group(1)

    async def as_person(self, session: Any, who: str) -> Person:
        found = await people.get(session, self.ids[who])
        assert found is not None
        return found


@pytest.fixture
async def setting(database: Database) -> AsyncIterator[Setting]:
    """Ane reflected in Team 4A (the visit shared with the team, the step with leaders);
    Frida facilitates the team and has a meeting planned; Bo is in another team."""
    clock = Clock()
    app = make_app(database, clock, refleks_public_url=BASE)

    async def work(session: Any) -> dict[str, int]:
        team = await group(app, session, "Team 4A")
        other = await group(app, session, "Team 5B")
        frida = await person(app, session, "Frida", 9001)
        ane = await person(app, session, "Ane", 9002)
        bo = await person(app, session, "Bo", 9003)
        await member(app, session, team, frida, Role.facilitator)
        await member(app, session, team, ane, Role.participant)
        await member(app, session, other, bo, Role.facilitator)
        run = await reflect(
            app,
            session,
            ane,
            team.id,
            texts={"visit": VISIT, "next": STEP},
            shared={"visit": Visibility.team, "next": Visibility.leaders},
        )
        planned = await meetings.schedule(
            app,
            session,
            actor=frida,
            group_id=team.id,
            first_start=app.now() + timedelta(days=9),
        )
        step = await session.scalar(select(NextStep.id).where(NextStep.person_id == ane.id))
        assert step is not None
        return {
            "team": team.id,
            "frida": frida.id,
            "ane": ane.id,
            "bo": bo.id,
            "run": run,
            "visit": await answer_id(session, run, "visit"),
            "next": await answer_id(session, run, "next"),
            "step": step,
            "meeting": planned[0].id,
        }

    ids = await app.db.run(work)
    clock.advance(hours=1)
    from bot.web.app import create_web_app

    transport = httpx.ASGITransport(app=create_web_app(app))
    async with httpx.AsyncClient(transport=transport, base_url=BASE) as http:
        yield Setting(http=http, app=app, clock=clock, ids=ids)


async def _summary(setting: Setting) -> str:
    async def read(session: Any) -> str:
        frida = await setting.as_person(session, "frida")
        return await summary_text(setting.app, session, frida, setting.ids["team"])

    return await setting.app.db.run(read)


async def test_the_playback_links_each_answer_to_what_can_be_done_with_it(
    setting: Setting,
) -> None:
    await setting.sign_in("ane")
    run, visit = setting.ids["run"], setting.ids["visit"]
    played = await setting.http.get(f"/me/reflections/{run}?done=1")
    assert VISIT in played.text
    assert "Her er det, du har svaret" in played.text
    assert f'href="/me/answers/{visit}"' in played.text
    opened = await setting.http.get(f"/me/answers/{visit}")
    assert opened.status_code == 200
    assert VISIT in opened.text
    assert "👁" in opened.text  # who sees it now
    assert 'value="edit"' in opened.text
    assert 'value="narrow"' in opened.text


async def test_an_edit_reaches_the_facilitators_summary_and_a_bad_one_keeps_the_old_words(
    setting: Setting,
) -> None:
    csrf = await setting.sign_in("ane")
    visit = setting.ids["visit"]
    new = "Skovskolen ved søen, 7. klasse"
    edited = await setting.http.post(
        f"/me/answers/{visit}", data={"csrf": csrf, "action": "edit", "value": new}
    )
    assert edited.status_code == 303
    assert edited.headers["location"].startswith(f"/me/reflections/{setting.ids['run']}")
    shown = await setting.http.get(edited.headers["location"])
    assert "Dit svar er rettet" in shown.text
    assert new in shown.text
    summary = await _summary(setting)
    assert new in summary
    assert VISIT not in summary

    too_long = "x" * 5000
    refused = await setting.http.post(
        f"/me/answers/{visit}", data={"csrf": csrf, "action": "edit", "value": too_long}
    )
    assert refused.status_code == 422
    assert 'role="alert"' in refused.text
    assert "for langt" in refused.text
    assert too_long in refused.text  # what was typed is still there to shorten
    assert new in await _summary(setting)  # nothing recorded was lost

    cpr = await setting.http.post(
        f"/me/answers/{visit}",
        data={"csrf": csrf, "action": "edit", "value": "Eleven 010203-1234 var med"},
    )
    assert cpr.status_code == 422
    assert "CPR" in cpr.text
    assert "010203-1234" not in await _summary(setting)


async def test_narrowing_and_withdrawing_take_the_answer_out_of_the_summary(
    setting: Setting,
) -> None:
    csrf = await setting.sign_in("ane")
    visit = setting.ids["visit"]
    assert VISIT in await _summary(setting)
    narrowed = await setting.http.post(
        f"/me/answers/{visit}", data={"csrf": csrf, "action": "narrow", "visibility": "private"}
    )
    assert narrowed.status_code == 303
    assert VISIT not in await _summary(setting)
    wider = await setting.http.post(
        f"/me/answers/{visit}", data={"csrf": csrf, "action": "narrow", "visibility": "team"}
    )
    assert wider.status_code == 422  # never wider than it is
    assert "Svaret kan allerede kun ses af så få som muligt." in wider.text

    step = setting.ids["next"]
    asked = await setting.http.get(f"/me/answers/{step}?withdraw=1")
    assert "Vil du trække dit svar" in asked.text
    gone = await setting.http.post(f"/me/answers/{step}", data={"csrf": csrf, "action": "withdraw"})
    assert gone.status_code == 303
    assert "trukket tilbage" in (await setting.http.get(gone.headers["location"])).text

    async def left(session: Any) -> tuple[Any, int]:
        value = await session.scalar(select(Answer.value).where(Answer.id == step))
        steps = await session.scalar(select(func.count()).select_from(NextStep))
        return value, steps

    value, steps = await setting.app.db.run(left)
    assert STEP not in json.dumps(value)
    assert steps == 0


async def test_a_next_step_is_marked_from_the_page(setting: Setting) -> None:
    csrf = await setting.sign_in("ane")
    step = setting.ids["step"]
    page = await setting.http.get("/me")
    assert STEP in page.text
    assert f'action="/me/steps/{step}"' in page.text
    marked = await setting.http.post(f"/me/steps/{step}", data={"csrf": csrf, "status": "done"})
    assert marked.status_code == 303
    after = await setting.http.get(marked.headers["location"])
    assert "står nu som gjort" in after.text

    async def status(session: Any) -> NextStepStatus:
        found = await session.get(NextStep, step)
        return NextStepStatus(found.status)

    assert await setting.app.db.run(status) == NextStepStatus.done
    odd = await setting.http.post(f"/me/steps/{step}", data={"csrf": csrf, "status": "open"})
    assert odd.status_code == 303  # not a choice on the page: nothing changes
    assert await setting.app.db.run(status) == NextStepStatus.done


async def test_coming_meetings_come_with_their_calendar_file(setting: Setting) -> None:
    await setting.sign_in("ane")
    meeting = setting.ids["meeting"]
    page = await setting.http.get("/me")
    assert "Team 4A" in page.text
    assert f"/me/meetings/{meeting}.ics" in page.text
    ics = await setting.http.get(f"/me/meetings/{meeting}.ics")
    assert ics.status_code == 200
    assert ics.headers["content-type"].startswith("text/calendar")
    assert "attachment" in ics.headers["content-disposition"]
    assert ics.text.startswith("BEGIN:VCALENDAR")
    assert "Team 4A" in ics.text


async def test_the_data_page_exports_and_forgets(setting: Setting) -> None:
    csrf = await setting.sign_in("ane")
    data = await setting.http.get("/me/data")
    assert data.status_code == 200
    assert "Vil du slette dine data?" in data.text
    exported = await setting.http.get("/me/data/refleks.json")
    assert exported.status_code == 200
    assert "attachment" in exported.headers["content-disposition"]
    assert VISIT in exported.text
    readable = await setting.http.get("/me/data/refleks.html")
    assert readable.headers["content-type"].startswith("text/html")
    assert VISIT in readable.text
    assert (await setting.http.get("/me/data/refleks.exe")).status_code == 404

    unconfirmed = await setting.http.post("/me/forget", data={"csrf": csrf})
    assert unconfirmed.status_code == 303  # back to the question, nothing deleted
    forgotten = await setting.http.post("/me/forget", data={"csrf": csrf, "confirm": "yes"})
    assert forgotten.status_code == 200
    assert "Dine data er slettet" in forgotten.text
    assert "refleks_session" in forgotten.headers.get("set-cookie", "")

    async def answers_left(session: Any) -> int:
        mine = Answer.person_id == setting.ids["ane"]
        return int(await session.scalar(select(func.count()).select_from(Answer).where(mine)))

    assert await setting.app.db.run(answers_left) == 0
    assert (await setting.http.get("/me")).headers.get("location") == "/"


async def test_someone_elses_answer_step_and_meeting_are_not_found(setting: Setting) -> None:
    csrf = await setting.sign_in("bo")
    ids = setting.ids
    assert (await setting.http.get(f"/me/answers/{ids['visit']}")).status_code == 404
    attempts = [
        await setting.http.post(
            f"/me/answers/{ids['visit']}", data={"csrf": csrf, "action": "withdraw"}
        ),
        await setting.http.post(
            f"/me/answers/{ids['visit']}", data={"csrf": csrf, "action": "edit", "value": "Bo"}
        ),
        await setting.http.post(f"/me/steps/{ids['step']}", data={"csrf": csrf, "status": "done"}),
        await setting.http.get(f"/me/meetings/{ids['meeting']}.ics"),
        await setting.http.get("/me/answers/999999"),
    ]
    assert [a.status_code for a in attempts] == [404] * len(attempts)
    assert VISIT in await _summary(setting)  # nothing of Ane's changed

    # A post without the session's token changes nothing either.
    await setting.sign_in("ane")
    forged = await setting.http.post(
        f"/me/answers/{ids['visit']}", data={"action": "withdraw", "csrf": "made-up"}
    )
    assert forged.status_code == 403
    assert VISIT in await _summary(setting)
