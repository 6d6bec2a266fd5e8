"""The facilitator's pages over HTTP: members and roles, invite links with their QR code,
meetings planned, moved and cancelled, and who answered since the last meeting, through
the same services as the chat's /groups, /invite and /schedule; a group the person does
not facilitate is the same 404 as one that never existed."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from bot.services import membership
from bot.services.errors import ServiceError
from bot.web.app import create_web_app
from dialogues.visibility import Visibility
from storage.db import Database
from storage.enums import FollowupKind, FollowupStatus, MeetingStatus, Role
from storage.models import Followup, Invite, Meeting
from storage.repositories import groups
from tests.admin.support import group, member, person, reflect
from tests.support import Clock, make_app
from tests.web.test_own_page import BASE, Setting

VISIT = "Naturcenteret ved skoven, 7. klasse"
_LINK = re.compile(r"https://t\.me/RefleksTestBot\?start=([A-Za-z0-9_-]+)")


@pytest.fixture
async def setting(database: Database) -> AsyncIterator[Setting]:
    """Frida facilitates Team 4A with Kim as its leader and Ane as a participant who has
    reflected; Bo facilitates Team 5B and is in nothing else."""
    clock = Clock()
    app = make_app(database, clock, refleks_public_url=BASE)
    app.bot_username = "RefleksTestBot"

    async def work(session: Any) -> dict[str, int]:
        team = await group(app, session, "Team 4A")
        other = await group(app, session, "Team 5B")
        frida = await person(app, session, "Frida", 9001)
        ane = await person(app, session, "Ane", 9002)
        bo = await person(app, session, "Bo", 9003)
        kim = await person(app, session, "Kim", 9004)
        newcomer = await person(app, session, "Nina", 9005)
        await member(app, session, team, frida, Role.facilitator)
        await member(app, session, team, ane, Role.participant)
        await member(app, session, team, kim, Role.leader)
        await member(app, session, other, bo, Role.facilitator)
        await reflect(
            app, session, ane, team.id, texts={"visit": VISIT}, shared={"visit": Visibility.team}
        )
        return {
            "team": team.id,
            "other": other.id,
            "frida": frida.id,
            "ane": ane.id,
            "bo": bo.id,
            "nina": newcomer.id,
        }

    ids = await app.db.run(work)
    clock.advance(hours=1)
    transport = httpx.ASGITransport(app=create_web_app(app))
    async with httpx.AsyncClient(transport=transport, base_url=BASE) as http:
        yield Setting(http=http, app=app, clock=clock, ids=ids)


async def _meetings(setting: Setting) -> list[tuple[int, MeetingStatus]]:
    async def read(session: Any) -> list[tuple[int, MeetingStatus]]:
        rows = await session.execute(
            select(Meeting.id, Meeting.status)
            .where(Meeting.group_id == setting.ids["team"])
            .order_by(Meeting.starts_at)
        )
        return [(row[0], MeetingStatus(row[1])) for row in rows]

    return await setting.app.db.run(read)


async def _plan(setting: Setting, csrf: str, **fields: str) -> httpx.Response:
    data = {"csrf": csrf, "minutes": "90", "every": "", "count": "1", **fields}
    return await setting.http.post(f"/groups/{setting.ids['team']}/meetings", data=data)


async def test_the_facilitator_finds_their_groups_from_the_own_page(setting: Setting) -> None:
    await setting.sign_in("frida")
    me = await setting.http.get("/me")
    assert 'href="/groups"' in me.text
    listed = await setting.http.get("/groups")
    assert listed.status_code == 200
    assert f'href="/groups/{setting.ids["team"]}"' in listed.text
    assert "Team 5B" not in listed.text

    await setting.sign_in("ane")  # a participant is shown no way in
    assert 'href="/groups"' not in (await setting.http.get("/me")).text


async def test_members_are_shown_with_their_roles_and_no_answers(setting: Setting) -> None:
    await setting.sign_in("frida")
    shown = await setting.http.get(f"/groups/{setting.ids['team']}")
    assert shown.status_code == 200
    rows = dict(re.findall(r'<th scope="row">([^<]+)</th><td>([^<]+)</td>', shown.text))
    assert rows["Frida"] == "facilitator"
    assert rows["Ane"] == "deltager"
    assert rows["Kim"] == "leder"
    assert "<caption>" in shown.text
    assert VISIT not in shown.text


async def test_an_invite_link_comes_with_a_qr_code_and_can_be_taken_back(
    setting: Setting,
) -> None:
    csrf = await setting.sign_in("frida")
    team = setting.ids["team"]
    made = await setting.http.post(
        f"/groups/{team}/invites", data={"csrf": csrf, "role": "participant", "uses": "1"}
    )
    assert made.status_code == 303
    shown = await setting.http.get(made.headers["location"])
    assert "Linket er klar" in shown.text
    found = _LINK.search(shown.text)
    assert found is not None
    code = found.group(1)

    async def invite_of(session: Any) -> tuple[int, Role, int | None]:
        invite = await groups.invite_by_code(session, code)
        assert invite is not None
        return invite.id, invite.role, invite.uses_left

    invite_id, role, uses = await setting.app.db.run(invite_of)
    assert (role, uses) == (Role.participant, 40)  # "up to 40 people", as /invite offers
    svg_path = f"/groups/{team}/invites/{invite_id}.svg"
    assert f'src="{svg_path}"' in shown.text
    picture = await setting.http.get(svg_path)
    assert picture.status_code == 200
    assert picture.headers["content-type"].startswith("image/svg+xml")
    root = ET.fromstring(picture.content)  # noqa: S314 (our own output)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    svg = "{http://www.w3.org/2000/svg}"
    assert [p for p in root.iter(f"{svg}path") if p.get("class") == "qrline"]
    assert root.findtext(f"{svg}title") == found.group(0)  # the code is of this very link

    revoked = await setting.http.post(
        f"/groups/{team}/invites/{invite_id}/revoke", data={"csrf": csrf}
    )
    assert revoked.status_code == 303
    after = await setting.http.get(revoked.headers["location"])
    assert "trukket tilbage" in after.text
    assert code not in after.text
    assert (await setting.http.get(svg_path)).status_code == 404

    async def join(session: Any) -> str:
        nina = await setting.as_person(session, "nina")
        try:
            await membership.join(setting.app, session, person=nina, code=code)
        except ServiceError as refused:
            return refused.key
        return "joined"

    assert await setting.app.db.run(join) == "start.code_revoked"


async def test_a_series_is_planned_and_one_meeting_moved_and_one_cancelled(
    setting: Setting,
) -> None:
    csrf = await setting.sign_in("frida")
    team = setting.ids["team"]
    planned = await _plan(setting, csrf, date="2026-12-01", time="14:00", every="2", count="3")
    assert planned.status_code == 303, planned.text
    shown = await setting.http.get(planned.headers["location"])
    assert "3 møder i <b>Team 4A</b> er planlagt" in shown.text
    for day in ("1. december 2026", "15. december 2026", "29. december 2026"):
        assert f"{day} kl. 14.00–15.30" in shown.text
    made = await setting.app.db.run(lambda s: _count_meetings(s, team))
    assert made == 3
    first, second, third = [meeting for meeting, _ in await _meetings(setting)]

    # The follow-up plan of a meeting, as /schedule shows it: rounds with their dates.
    rounds = await setting.http.get(f"/groups/{team}/meetings/{second}")
    assert rounds.status_code == 200
    assert "Forberedelse" in rounds.text
    assert "Opfølgning omkring mødet" in rounds.text

    moved = await setting.http.post(
        f"/groups/{team}/meetings/{second}/move",
        data={"csrf": csrf, "date": "2026-12-16", "time": "9:30", "minutes": "60"},
    )
    assert moved.status_code == 303
    after = await setting.http.get(moved.headers["location"])
    assert "Mødet er flyttet til" in after.text
    assert "16. december 2026 kl. 09.30–10.30" in after.text

    unconfirmed = await setting.http.post(
        f"/groups/{team}/meetings/{third}/cancel", data={"csrf": csrf}
    )
    assert unconfirmed.status_code == 303
    assert unconfirmed.headers["location"].endswith("?cancel=1")
    asked = await setting.http.get(unconfirmed.headers["location"])
    assert "Vil du aflyse mødet" in asked.text
    assert MeetingStatus.planned == dict(await _meetings(setting))[third]
    cancelled = await setting.http.post(
        f"/groups/{team}/meetings/{third}/cancel", data={"csrf": csrf, "confirm": "yes"}
    )
    assert cancelled.status_code == 303
    listed = await setting.http.get(cancelled.headers["location"])
    assert "Mødet er aflyst" in listed.text
    assert "29. december 2026" not in listed.text
    assert dict(await _meetings(setting)) == {
        first: MeetingStatus.planned,
        second: MeetingStatus.planned,
        third: MeetingStatus.cancelled,
    }


async def _count_meetings(session: Any, group_id: int) -> int:
    query = select(func.count()).select_from(Meeting).where(Meeting.group_id == group_id)
    return int(await session.scalar(query))


async def test_an_impossible_series_is_explained_beside_its_field(setting: Setting) -> None:
    csrf = await setting.sign_in("frida")
    too_many = await _plan(setting, csrf, date="2026-12-01", time="14:00", every="2", count="500")
    assert too_many.status_code == 422
    beside = re.search(r'id="plan-count-error">([^<]+)<', too_many.text)
    assert beside is not None
    assert "op til 100 møder" in beside.group(1)
    assert 'aria-invalid="true"' in too_many.text
    assert 'value="500"' in too_many.text  # what was typed is kept to correct

    past = await _plan(setting, csrf, date="2026-11-20", time="14:00")
    assert past.status_code == 422
    beside = re.search(r'id="plan-date-error">([^<]+)<', past.text)
    assert beside is not None
    assert "allerede passeret" in beside.group(1)

    unread = await _plan(setting, csrf, date="i morgen-ish", time="25:99", minutes="lang")
    assert unread.status_code == 422
    for name in ("date", "time", "minutes"):
        assert f'id="plan-{name}-error"' in unread.text

    short = await _plan(setting, csrf, date="2026-12-01", time="14:00", minutes="5")
    assert short.status_code == 422
    assert 'id="plan-minutes-error"' in short.text
    assert await _meetings(setting) == []


async def test_who_answered_since_the_last_meeting_shows_names_never_words(
    setting: Setting,
) -> None:
    csrf = await setting.sign_in("frida")
    team = setting.ids["team"]
    assert (await _plan(setting, csrf, date="2026-11-25", time="14:00")).status_code == 303
    assert (await _plan(setting, csrf, date="2026-12-09", time="14:00")).status_code == 303
    setting.clock.advance(days=3)  # the first meeting is over

    async def send_out(session: Any) -> None:
        first = (await _meetings_in(session, team))[0]
        row = await session.scalar(
            select(Followup).where(
                Followup.meeting_id == first, Followup.kind == FollowupKind.next_step
            )
        )
        assert row is not None
        row.status = FollowupStatus.open  # as the dispatcher does when the meeting ends

    await setting.app.db.run(send_out)
    await setting.sign_in("frida")
    shown = await setting.http.get(f"/groups/{team}")
    opening = shown.text.split('id="opening"', 1)[1].split('id="holidays"', 1)[0]
    assert "Næste skridt" in opening
    assert "0 af 1 har svaret" in opening
    assert '<th scope="row">Ane</th><td>har ikke svaret endnu</td>' in opening
    assert VISIT not in shown.text


async def _meetings_in(session: Any, group_id: int) -> list[int]:
    query = select(Meeting.id).where(Meeting.group_id == group_id).order_by(Meeting.starts_at)
    return list((await session.scalars(query)).all())


async def test_a_post_without_the_token_changes_nothing(setting: Setting) -> None:
    await setting.sign_in("frida")
    team = setting.ids["team"]
    forged = await setting.http.post(
        f"/groups/{team}/invites", data={"csrf": "made-up", "role": "facilitator", "uses": "0"}
    )
    assert forged.status_code == 403
    missing = await setting.http.post(
        f"/groups/{team}/meetings", data={"date": "2026-12-01", "time": "14:00", "minutes": "90"}
    )
    assert missing.status_code == 403

    async def invites(session: Any) -> int:
        query = select(func.count()).select_from(Invite).where(Invite.group_id == team)
        return int(await session.scalar(query))

    assert await setting.app.db.run(invites) == 0
    assert await _meetings(setting) == []


async def test_a_group_the_person_does_not_facilitate_is_not_found(setting: Setting) -> None:
    team, other = setting.ids["team"], setting.ids["other"]
    csrf = await setting.sign_in("frida")
    made = await setting.http.post(
        f"/groups/{team}/invites", data={"csrf": csrf, "role": "participant", "uses": "0"}
    )
    invite = re.search(r"invite-(\d+)", made.headers["location"])
    assert invite is not None
    svg = f"/groups/{team}/invites/{invite.group(1)}.svg"
    missing = await setting.http.get("/groups/999999")
    foreign = await setting.http.get(f"/groups/{other}")
    assert missing.status_code == foreign.status_code == 404
    assert "Team 5B" not in foreign.text
    assert foreign.text == missing.text  # no hint that the group exists

    for who in ("ane", "bo"):
        csrf = await setting.sign_in(who)
        attempts = [
            await setting.http.get(f"/groups/{team}"),
            await setting.http.get(svg),
            await setting.http.post(
                f"/groups/{team}/invites", data={"csrf": csrf, "role": "leader", "uses": "0"}
            ),
            await setting.http.post(
                f"/groups/{team}/meetings",
                data={"csrf": csrf, "date": "2026-12-01", "time": "14:00", "minutes": "90"},
            ),
        ]
        assert [a.status_code for a in attempts] == [404] * len(attempts), who
        assert "Team 4A" not in attempts[0].text
    assert await _meetings(setting) == []


async def test_an_english_speaking_facilitator_reads_the_pages_in_english(
    setting: Setting,
) -> None:
    async def english(session: Any) -> None:
        (await setting.as_person(session, "frida")).language = "en"

    await setting.app.db.run(english)
    csrf = await setting.sign_in("frida")
    shown = await setting.http.get(f"/groups/{setting.ids['team']}")
    assert "Who is in the group" in shown.text
    assert "Invite links" in shown.text
    assert '<th scope="row">Ane</th><td>participant</td>' in shown.text
    refused = await _plan(setting, csrf, date="2026-11-20", time="14:00")
    assert refused.status_code == 422
    assert "Something needs fixing" in refused.text
