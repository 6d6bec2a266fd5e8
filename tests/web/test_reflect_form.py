"""A reflection as a form over HTTP: a page asks every question up to the one whose answer
decides what comes next, answers them in order through the chat's services, and stops at
the first answer refused with the rest of the page as it was typed."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from bot.services import reflection, web_sign_in
from storage.db import Database
from storage.enums import Role
from storage.models import Answer
from storage.repositories import people
from tests.admin.support import group, member, person
from tests.support import Clock, make_app

BASE = "https://refleks.example.dk"
CPR = "241299-1235"
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')
_TURN = re.compile(r'name="turn" value="(\d+)"')
_LEGENDS = re.compile(r'<fieldset id="s\d+">\s*<legend>([^<]*)</legend>')


@dataclass
class Form:
    http: httpx.AsyncClient
    app: Any
    csrf: str
    ane: int
    team: int

    async def start(self, format_id: str) -> httpx.Response:
        started = await self.http.post(
            "/reflect/start", data={"csrf": self.csrf, "group": str(self.team), "format": format_id}
        )
        assert started.status_code == 303
        return await self.page()

    async def page(self) -> httpx.Response:
        shown = await self.http.get("/reflect/now")
        assert shown.status_code == 200, shown.text[:300]
        return shown

    async def send(self, page: httpx.Response, **fields: str) -> httpx.Response:
        turn = _TURN.search(page.text)
        assert turn is not None
        data = {"csrf": self.csrf, "turn": turn.group(1), "action": "answer"}
        return await self.http.post("/reflect/now", data={**data, **fields})

    async def answers(self) -> dict[str, Any]:
        async def read(session: Any) -> dict[str, Any]:
            rows = await session.scalars(select(Answer).where(Answer.person_id == self.ane))
            return {row.step_id + (f"[{row.item}]" if row.item else ""): row.value for row in rows}

        return dict(await self.app.db.run(read))


@pytest.fixture
async def form(database: Database) -> AsyncIterator[Form]:
    app = make_app(database, Clock(), refleks_public_url=BASE)

    async def seed(session: Any) -> tuple[int, int, str]:
        team = await group(app, session, "Team 4A")
        ane = await person(app, session, "Ane", 9101)
        await member(app, session, team, ane, Role.participant)
        link = await web_sign_in.issue_link(app, session, ane)
        return ane.id, team.id, link

    ane, team, link = await app.db.run(seed)
    from bot.web.app import create_web_app

    transport = httpx.ASGITransport(app=create_web_app(app))
    async with httpx.AsyncClient(transport=transport, base_url=BASE) as http:
        signed = await http.post("/signin", data={"token": link.rsplit("/", 1)[1]})
        assert signed.status_code == 303
        found = _CSRF.search((await http.get("/me")).text)
        assert found is not None
        yield Form(http=http, app=app, csrf=found.group(1), ane=ane, team=team)


def legends(page: httpx.Response) -> list[str]:
    return [legend.strip() for legend in _LEGENDS.findall(page.text)]


FIRE = {
    "s1-value": "At de tør spørge",
    "s2-value": "At læse fagtekster",
    "s3-value": "Vi lytter til dem",
    "s4-value": "Vi prøver en ny vej",
}


async def test_a_format_without_branches_is_one_page_with_every_question(form: Form) -> None:
    page = await form.start("fire-spoergsmaal")
    assert legends(page) == [
        "De fire spørgsmål",
        "Det, der betyder mest",
        "Det, de skal lære",
        "Sådan ved vi det",
        "Når de ikke lærer",
        "Videre med",
        "Næste skridt",
        "Næste skridt",
        "Næste skridt",
    ]
    assert page.text.count('name="turn"') == 1
    # Each step says who will see its answer, and the one that may be left out says so.
    assert page.text.count('class="who"') == 8
    assert 'id="s6-skip"' in page.text
    assert "Kan springes over" in page.text
    assert 'id="s1-skip"' not in page.text
    # The page that ends the reflection says so on its button, and what happens next.
    assert "Send refleksionen ✓" in page.text
    assert 'id="send-note"' in page.text
    assert "kan stadig rette hvert svar" in page.text

    done = await form.send(
        page,
        **FIRE,
        **{"s2-visibility": "team", "s5-option": "1", "s6-value": "Prøve det i 5.b"},
    )
    assert done.status_code == 303
    assert re.fullmatch(r"/me/reflections/\d+\?done=1", done.headers["location"])
    stored = await form.answers()
    assert stored["q1_matters"] == "At de tør spørge"
    assert stored["q4_not_learning"] == "Vi prøver en ny vej"
    assert stored["next"] == {"what": "Prøve det i 5.b", "due": None, "reach": None}
    playback = await form.http.get(done.headers["location"])
    assert "At læse fagtekster" in playback.text

    async def level(session: Any) -> str:
        found = await session.scalar(select(Answer).where(Answer.step_id == "q2_learn"))
        return str(found.visibility)

    assert await form.app.db.run(level) == "team"


async def test_a_required_answer_left_empty_is_asked_for_beside_its_field(form: Form) -> None:
    page = await form.start("fire-spoergsmaal")
    refused = await form.send(page, **{**FIRE, "s2-value": "  "})
    assert refused.status_code == 422
    assert legends(refused)[0] == "Det, de skal lære"
    assert 'id="s0-problem" role="alert"' in refused.text
    assert list(await form.answers()) == ["q1_matters"]


async def test_a_branching_format_asks_up_to_the_branch_and_then_the_right_branch(
    form: Form,
) -> None:
    page = await form.start("roller-og-relationer")
    assert len(legends(page)) == 1
    assert "Efter besøget" in page.text
    assert "Send refleksionen" not in page.text  # more pages follow
    assert "Gem og gå videre" in page.text
    after = await form.send(page, **{"s0-option": "1"})
    assert after.status_code == 303
    page = await form.page()
    shown = legends(page)
    assert "Det overraskende" in shown
    assert "At aftale på forhånd" not in shown
    assert shown.count("Dit næste skridt") == 3

    # Back goes to where the page before began: the timing, as it was answered.
    back = await form.http.post(
        "/reflect/now",
        data={"csrf": form.csrf, "turn": _TURN.findall(page.text)[0], "action": "back"},
    )
    assert back.status_code == 303
    again = await form.page()
    assert len(legends(again)) == 1
    assert re.search(r'value="1" checked', again.text)

    before = await form.send(again, **{"s0-option": "0"})
    assert before.status_code == 303
    page = await form.page()
    shown = legends(page)
    assert "Det overraskende" not in shown
    assert "Dit næste skridt" not in shown  # the question about agreements quotes the role
    texts = {f"s{i}-value": f"Svar {i}" for i in range(len(shown))}
    moved = await form.send(page, **texts, **{"s1-option": "0"})
    assert moved.status_code == 303, moved.text[:500]
    last = await form.page()
    assert legends(last)[0] == "At aftale på forhånd"
    assert legends(last)[-3:] == ["Dit næste skridt"] * 3
    assert "Send refleksionen ✓" in last.text


async def test_a_cpr_number_stops_the_page_at_its_field_and_keeps_the_rest(form: Form) -> None:
    page = await form.start("fire-spoergsmaal")
    refused = await form.send(
        page, **{**FIRE, "s2-value": f"Eleven {CPR} læser", "s3-value": "Vi lytter til dem"}
    )
    assert refused.status_code == 422
    # The first answer is saved; the page goes on from the refused one.
    assert await form.answers() == {"q1_matters": "At de tør spørge"}
    assert legends(refused)[0] == "Det, de skal lære"
    problem = re.search(r'<p class="error" id="s0-problem" role="alert">([^<]*)', refused.text)
    assert problem is not None
    assert "CPR" in problem.group(1)
    assert re.search(r'<textarea id="s0-answer"[^>]*aria-invalid="true"', refused.text)
    assert re.search(r'aria-describedby="[^"]*s0-problem"', refused.text)
    assert 'id="s1-problem"' not in refused.text
    assert re.search(r'<textarea id="s1-answer"[^>]*>Vi lytter til dem</textarea>', refused.text)
    assert re.search(r'<textarea id="s2-answer"[^>]*>Vi prøver en ny vej</textarea>', refused.text)

    # Sent again without the number, the rest of the page goes through as typed.
    fixed = {f"s{i}-value": v for i, v in enumerate(list(FIRE.values())[1:])}
    done = await form.send(refused, **fixed, **{"s3-option": "0"})
    assert done.status_code == 303
    assert "/me/reflections/" in done.headers["location"]
    assert (await form.answers())["q3_know"] == "Vi lytter til dem"


async def test_a_page_made_stale_by_the_chat_is_refused(form: Form) -> None:
    page = await form.start("fire-spoergsmaal")

    async def in_the_chat(session: Any) -> None:
        ane = await people.get(session, form.ane)
        assert ane is not None
        await reflection.answer(form.app, session, person=ane, value=None, option_index=0)
        await reflection.answer(form.app, session, person=ane, value="Svaret i chatten")

    await form.app.db.run(in_the_chat)
    stale = await form.send(page, **FIRE)
    assert stale.status_code == 422
    assert "Det spørgsmål er lukket" in stale.text
    assert 'role="alert"' in stale.text
    assert await form.answers() == {"q1_matters": "Svaret i chatten"}
    # The page shown now goes on from where the chat left off.
    assert legends(stale)[0] == "Det, de skal lære"


async def test_a_page_shows_the_answers_given_before_and_keeps_them_unchanged(
    form: Form,
) -> None:
    page = await form.start("fire-spoergsmaal")

    async def in_the_chat(session: Any) -> None:
        ane = await people.get(session, form.ane)
        assert ane is not None
        await reflection.answer(form.app, session, person=ane, value=None, option_index=0)
        await reflection.answer(form.app, session, person=ane, value="Fra chatten")
        await reflection.back(form.app, session, person=ane, turn=None)

    await form.app.db.run(in_the_chat)
    page = await form.page()
    assert legends(page)[0] == "Det, der betyder mest"
    assert re.search(r'<textarea id="s0-answer"[^>]*>Fra chatten</textarea>', page.text)
    sent = await form.send(
        page,
        **{"s0-value": "Fra chatten", "s1-value": "B", "s2-value": "C", "s3-value": "D"},
        **{"s4-option": "2"},
    )
    assert sent.status_code == 303
    assert (await form.answers())["q1_matters"] == "Fra chatten"
