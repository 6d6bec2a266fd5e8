"""The facilitator's pages: their groups, who is in each and with which role, invite links
with a QR code to show at a meeting, the group's meetings (plan, move, cancel), the
follow-up around each meeting, the school holidays, and who answered since the last
meeting.

Every read and change goes through the service the chat's /groups, /invite and /schedule
use, and that service decides who may do it: a group the person does not facilitate is
the same 404 as one that never existed.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import segno
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from bot.app import App
from bot.chat.invite import INVITE_DAYS, USES, InviteUses
from bot.chat.invite import ROLES as INVITE_ROLES
from bot.scheduling import DEFAULT_MEETING_DURATION, format_date, format_span, format_when
from bot.scheduling.dates import parse_clock, parse_date
from bot.scheduling.series import MAX_SERIES_COUNT
from bot.scheduling.zones import local_date, wall_time_to_utc
from bot.services import admin, followups, meetings, membership
from bot.services.errors import NotFound, ServiceError
from bot.services.zones import group_zone
from bot.views import say
from bot.web.auth import Visitor, see, signed_in_unit
from bot.web.render import form_int, page
from storage.enums import MeetingStatus
from storage.models import Group, Invite, Meeting, Person

# How many coming meetings the group's page lists (as /schedule does).
MEETINGS_SHOWN = 8
# Which field of the planning form a refusal from the service belongs beside.
_FIELD_OF = {
    "schedule.in_past": "date",
    "schedule.overlaps": "date",
    "schedule.duration": "minutes",
    "schedule.ends_before_start": "minutes",
}


async def facilitated(app: App, session: AsyncSession, person: Person) -> list[admin.Place]:
    """The groups the person looks after, as the chat's /groups marks them."""
    return [place for place in await admin.places(app, session, person) if place.manage]


@dataclass
class PlanForm:
    """What was typed in a planning or moving form, and what is wrong with it, per field."""

    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)


def _day(day: date, lang: str) -> str:
    return format_date(day, lang, weekday=False)


def _read_date(text: str, today: date, lang: str) -> date | None:
    """A date from the date field: 2026-11-24 from a browser's date picker, or typed."""
    text = text.strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return parse_date(text, today, lang)


def _start_and_length(
    app: App, group: Group, lang: str, checked: PlanForm
) -> tuple[datetime | None, timedelta | None]:
    """The start (in the group's time zone) and the length typed in a form; what cannot be
    read is noted beside its field."""
    tz = group_zone(app, group)
    day = _read_date(checked.values["date"], local_date(app.now(), tz), lang)
    if day is None:
        checked.errors["date"] = say(lang, "web.plan_date_unread")
    clock = parse_clock(checked.values["time"])
    if clock is None:
        checked.errors["time"] = say(lang, "web.plan_time_unread")
    minutes = checked.values["minutes"].strip()
    length = timedelta(minutes=form_int(minutes, 0)) if minutes.isdigit() else None
    if length is None:
        checked.errors["minutes"] = say(lang, "web.plan_whole_number")
    start = wall_time_to_utc(day, clock, tz) if day is not None and clock is not None else None
    return start, length


def _refusal(checked: PlanForm, lang: str, refused: ServiceError, default: str) -> None:
    checked.errors[_FIELD_OF.get(refused.key, default)] = say(lang, refused.key, **refused.params)


# -- pages --------------------------------------------------------------------------------


async def groups_page(request: Request) -> Response:
    """The groups the person facilitates."""

    async def handler(
        request: Request, app: App, session: AsyncSession, visitor: Visitor
    ) -> Response:
        lang = visitor.lang
        listed = [
            {
                "id": place.group.id,
                "name": place.group.name,
                "kind": say(lang, f"groups.kind.{place.group.kind.value}"),
                "role": _role(lang, place),
            }
            for place in await facilitated(app, session, visitor.person)
        ]
        return page(request, "facilitator_groups.html", lang=lang, visitor=visitor, listed=listed)

    return await signed_in_unit(request, handler)


def _role(lang: str, place: admin.Place) -> str:
    """The person's role in a group as /groups says it (or that they have it via the network)."""
    if place.role is not None:
        return say(lang, f"role.{place.role.value}")
    if place.inherited is not None:
        inherited = say(lang, f"role.{place.inherited.value}")
        return say(lang, "groups.via_network", role=inherited)
    return ""


def _empty_plan() -> PlanForm:
    minutes = DEFAULT_MEETING_DURATION // timedelta(minutes=1)
    return PlanForm(
        values={"date": "", "time": "", "minutes": str(minutes), "every": "", "count": "1"}
    )


async def _group_page(
    request: Request,
    app: App,
    session: AsyncSession,
    visitor: Visitor,
    group_id: int,
    *,
    plan: PlanForm | None = None,
) -> Response:
    person, lang = visitor.person, visitor.lang
    group, found = await admin.members(app, session, person, group_id)
    notice = _notice(request, lang, group.name) if plan is None else None
    tz = group_zone(app, group)
    members = [
        {"name": who.display_name, "role": say(lang, f"role.{member.role.value}")}
        for member, who in found
    ]
    invites = [
        _invite_row(app, invite, tz, lang)
        for invite in await membership.open_invites(app, session, actor=person, group_id=group.id)
    ]
    _, coming = await meetings.group_meetings(app, session, actor=person, group_id=group.id)
    listed = [
        {
            "id": meeting.id,
            "when": format_span(meeting.starts_at, meeting.ends_at, tz, lang, with_year=True),
            "series": meeting.series_id is not None,
        }
        for meeting in coming[:MEETINGS_SHOWN]
    ]
    schedulable = await meetings.schedulable(app, session, person, group.id)
    holidays = [
        f"{_day(p.start, lang)} – {_day(p.end, lang)}"
        for p in followups.closed_periods(schedulable)
    ]
    opening = await followups.opening_digest(app, session, actor=person, group_id=group.id)
    digest = None
    if opening is not None:
        digest = {
            "when": format_span(opening.meeting.starts_at, opening.meeting.ends_at, tz, lang),
            "first": opening.previous is None,
            "rounds": [
                {
                    "caption": say(
                        lang,
                        "web.round_caption",
                        kind=say(lang, f"followup.kind.{status.followup.kind.value}"),
                        due=format_when(status.followup.due_at, tz, lang),
                    ),
                    "answered": say(
                        lang, "web.answered_of", answered=status.answered, total=len(status.people)
                    ),
                    "people": [
                        {"name": p.name, "state": say(lang, f"followup.state.{p.state}")}
                        for p in status.people
                    ],
                }
                for status in opening.rounds
            ],
        }
    form = plan or _empty_plan()
    return page(
        request,
        "facilitator_group.html",
        lang=lang,
        visitor=visitor,
        group=group,
        kind=say(lang, f"groups.kind.{group.kind.value}"),
        members=members,
        invites=invites,
        roles=list(INVITE_ROLES.values()),
        uses=[int(choice) for choice in USES],
        days=INVITE_DAYS,
        coming=listed,
        more=len(coming) > MEETINGS_SHOWN,
        holidays=holidays,
        digest=digest,
        plan=form,
        limits={"weeks": meetings.MAX_EVERY_WEEKS, "count": MAX_SERIES_COUNT},
        notice=notice,
        status_code=422 if form.errors else 200,
    )


def _invite_row(app: App, invite: Invite, tz: Any, lang: str) -> dict[str, Any]:
    expires = None
    if invite.expires_at is not None:
        expires = _day(local_date(invite.expires_at, tz), lang)
    return {
        "id": invite.id,
        "role": say(lang, f"role.{invite.role.value}"),
        "link": membership.invite_link(app.bot_username, invite.code),
        "uses": invite.uses_left,
        "expires": expires,
    }


def _notice(request: Request, lang: str, group: str) -> str | None:
    """What the page says after a change (the chat's own words where it has them)."""
    query = request.query_params
    if "made" in query:
        return say(lang, "web.invite_made", days=INVITE_DAYS)
    if "revoked" in query:
        return say(lang, "web.invite_revoked")
    if "planned" in query:
        count = form_int(query["planned"], 1)
        key = "schedule.saved_one" if count == 1 else "schedule.saved_many"
        return say(lang, key, group=group, count=count)
    if "cancelled" in query:
        return say(lang, "web.meeting_cancelled")
    return None


async def group_page(request: Request) -> Response:
    """One group: members and roles, invite links, meetings, holidays, the opening digest."""

    async def handler(
        request: Request, app: App, session: AsyncSession, visitor: Visitor
    ) -> Response:
        group_id = request.path_params["group_id"]
        return await _group_page(request, app, session, visitor, group_id)

    return await signed_in_unit(request, handler)


async def make_invite(request: Request) -> Response:
    """A new invite link: who it is for and how many may use it, as /invite offers."""

    async def handler(
        request: Request, app: App, session: AsyncSession, visitor: Visitor
    ) -> Response:
        group_id = request.path_params["group_id"]
        form = await request.form()
        roles = {role.value: role for role in INVITE_ROLES.values()}
        role = roles.get(str(form.get("role", "")))
        try:
            uses = InviteUses(form_int(form.get("uses", ""), -1))
        except ValueError:
            uses = None
        if role is None or uses not in USES:
            return see(f"/groups/{group_id}#invites")
        invite = await membership.create_invite(
            app,
            session,
            group_id=group_id,
            role=role,
            actor=visitor.person,
            days=INVITE_DAYS,
            uses=USES[uses],
        )
        return see(f"/groups/{group_id}?made={invite.id}#invite-{invite.id}")

    return await signed_in_unit(request, handler)


async def revoke_invite(request: Request) -> Response:
    """Take an invite link back: nobody can join with it any more."""

    async def handler(
        request: Request, app: App, session: AsyncSession, visitor: Visitor
    ) -> Response:
        group_id = request.path_params["group_id"]
        invite = await membership.open_invite(
            app,
            session,
            actor=visitor.person,
            group_id=group_id,
            invite_id=request.path_params["invite_id"],
        )
        await membership.revoke_invite_by_id(
            app, session, actor=visitor.person, invite_id=invite.id
        )
        return see(f"/groups/{group_id}?revoked=1#invites")

    return await signed_in_unit(request, handler)


async def invite_qr(request: Request) -> Response:
    """The invite link as a QR code (SVG), to show on a screen at a meeting."""

    async def handler(
        request: Request, app: App, session: AsyncSession, visitor: Visitor
    ) -> Response:
        invite = await membership.open_invite(
            app,
            session,
            actor=visitor.person,
            group_id=request.path_params["group_id"],
            invite_id=request.path_params["invite_id"],
        )
        link = membership.invite_link(app.bot_username, invite.code)
        drawn = io.BytesIO()
        segno.make(link, error="m").save(
            drawn, kind="svg", scale=6, border=4, dark="#000", light="#fff", title=link
        )
        return Response(
            drawn.getvalue(),
            media_type="image/svg+xml",
            headers={"cache-control": "no-store"},
        )

    return await signed_in_unit(request, handler)


async def plan_meetings(request: Request) -> Response:
    """Plan one meeting or a series; what the service refuses is said beside its field."""

    async def handler(
        request: Request, app: App, session: AsyncSession, visitor: Visitor
    ) -> Response:
        group_id, lang = request.path_params["group_id"], visitor.lang
        group = await meetings.schedulable(app, session, visitor.person, group_id)
        form = await request.form()
        names = ("date", "time", "minutes", "every", "count")
        checked = PlanForm(values={name: str(form.get(name, "")).strip() for name in names})
        start, length = _start_and_length(app, group, lang, checked)
        every: int | None = None
        if checked.values["every"]:
            every = form_int(checked.values["every"], -1)
        count = form_int(checked.values["count"] or "1", -1)
        if count < 0 or (every is not None and every < 0):
            wrong = "count" if count < 0 else "every"
            checked.errors[wrong] = say(lang, "web.plan_whole_number")
        elif every is None and count > 1:
            checked.errors["every"] = say(lang, "web.plan_every_needed")
        if checked.errors or start is None or length is None:
            return await _group_page(request, app, session, visitor, group.id, plan=checked)
        try:
            made = await meetings.schedule(
                app,
                session,
                actor=visitor.person,
                group_id=group.id,
                first_start=start,
                every_weeks=every,
                count=count,
                duration=length,
            )
        except NotFound:
            raise
        except ServiceError as refused:
            where = "date"
            if refused.key == "schedule.series_limits":
                every_wrong = every is not None and not 1 <= every <= meetings.MAX_EVERY_WEEKS
                where = "every" if every_wrong else "count"
            _refusal(checked, lang, refused, where)
            return await _group_page(request, app, session, visitor, group.id, plan=checked)
        return see(f"/groups/{group.id}?planned={len(made)}#meetings")

    return await signed_in_unit(request, handler)


async def _meeting_in(
    app: App, session: AsyncSession, person: Person, group_id: int, meeting_id: int
) -> tuple[Meeting, Group]:
    """A meeting of the group in the address, when the person may change it."""
    meeting, group = await meetings.meeting_for(app, session, actor=person, meeting_id=meeting_id)
    if group.id != group_id:
        raise NotFound("schedule.meeting_unknown")
    return meeting, group


async def _meeting_page(
    request: Request,
    app: App,
    session: AsyncSession,
    visitor: Visitor,
    *,
    move: PlanForm | None = None,
    problem: str | None = None,
) -> Response:
    person, lang = visitor.person, visitor.lang
    meeting, group = await _meeting_in(
        app,
        session,
        person,
        request.path_params["group_id"],
        request.path_params["meeting_id"],
    )
    tz = group_zone(app, group)
    rounds = await followups.meeting_rounds(app, session, actor=person, meeting_id=meeting.id)
    local = meeting.starts_at.astimezone(tz)
    minutes = (meeting.ends_at - meeting.starts_at) // timedelta(minutes=1)
    form = move or PlanForm(
        values={
            "date": local.date().isoformat(),
            "time": local.strftime("%H:%M"),
            "minutes": str(minutes),
        }
    )
    changeable = meeting.status == MeetingStatus.planned and meeting.ends_at > app.now()
    query = request.query_params
    return page(
        request,
        "facilitator_meeting.html",
        lang=lang,
        visitor=visitor,
        group=group,
        meeting=meeting,
        when=format_span(meeting.starts_at, meeting.ends_at, tz, lang, with_year=True),
        series=meeting.series_id is not None,
        cancelled=meeting.status == MeetingStatus.cancelled,
        changeable=changeable,
        rounds=[
            {
                "kind": say(lang, f"followup.kind.{status.followup.kind.value}"),
                "due": format_when(status.followup.due_at, tz, lang, with_year=True),
                "state": say(lang, f"followup.round.{status.followup.status.value}"),
                "answered": say(
                    lang, "web.answered_of", answered=status.answered, total=len(status.people)
                ),
            }
            for status in rounds
        ],
        move=form,
        problem=problem,
        confirm=changeable and query.get("cancel") == "1",
        moved="moved" in query,
        status_code=422 if form.errors or problem else 200,
    )


async def meeting_page(request: Request) -> Response:
    """One meeting: its follow-up rounds, moving it, and cancelling it after a question."""

    async def handler(
        request: Request, app: App, session: AsyncSession, visitor: Visitor
    ) -> Response:
        return await _meeting_page(request, app, session, visitor)

    return await signed_in_unit(request, handler)


async def move_meeting(request: Request) -> Response:
    """A new start (and length) for a meeting; its follow-up moves with it."""

    async def handler(
        request: Request, app: App, session: AsyncSession, visitor: Visitor
    ) -> Response:
        lang = visitor.lang
        group_id, meeting_id = request.path_params["group_id"], request.path_params["meeting_id"]
        meeting, group = await _meeting_in(app, session, visitor.person, group_id, meeting_id)
        form = await request.form()
        names = ("date", "time", "minutes")
        checked = PlanForm(values={name: str(form.get(name, "")).strip() for name in names})
        start, length = _start_and_length(app, group, lang, checked)
        if checked.errors or start is None or length is None:
            return await _meeting_page(request, app, session, visitor, move=checked)
        try:
            await meetings.move(
                app,
                session,
                actor=visitor.person,
                meeting_id=meeting.id,
                start=start,
                length=length,
            )
        except NotFound:
            raise
        except ServiceError as refused:
            if refused.key == "schedule.meeting_closed":
                text = say(lang, refused.key, **refused.params)
                return await _meeting_page(request, app, session, visitor, problem=text)
            _refusal(checked, lang, refused, "date")
            return await _meeting_page(request, app, session, visitor, move=checked)
        return see(f"/groups/{group.id}/meetings/{meeting.id}?moved=1")

    return await signed_in_unit(request, handler)


async def cancel_meeting(request: Request) -> Response:
    """Cancel a meeting (a series: skip that date), once the question is answered yes."""

    async def handler(
        request: Request, app: App, session: AsyncSession, visitor: Visitor
    ) -> Response:
        group_id, meeting_id = request.path_params["group_id"], request.path_params["meeting_id"]
        meeting, group = await _meeting_in(app, session, visitor.person, group_id, meeting_id)
        form = await request.form()
        if form.get("confirm") != "yes":
            return see(f"/groups/{group.id}/meetings/{meeting.id}?cancel=1")
        try:
            await meetings.cancel(app, session, actor=visitor.person, meeting_id=meeting.id)
        except NotFound:
            raise
        except ServiceError as refused:
            text = say(visitor.lang, refused.key, **refused.params)
            return await _meeting_page(request, app, session, visitor, problem=text)
        return see(f"/groups/{group.id}?cancelled=1#meetings")

    return await signed_in_unit(request, handler)


def facilitator_routes() -> list[BaseRoute]:
    return [
        Route("/groups", groups_page, name="groups"),
        Route("/groups/{group_id:int}", group_page, name="group"),
        Route("/groups/{group_id:int}/invites", make_invite, methods=["POST"]),
        Route(
            "/groups/{group_id:int}/invites/{invite_id:int}/revoke",
            revoke_invite,
            methods=["POST"],
        ),
        Route("/groups/{group_id:int}/invites/{invite_id:int}.svg", invite_qr, name="invite_qr"),
        Route("/groups/{group_id:int}/meetings", plan_meetings, methods=["POST"]),
        Route("/groups/{group_id:int}/meetings/{meeting_id:int}", meeting_page, name="meeting"),
        Route(
            "/groups/{group_id:int}/meetings/{meeting_id:int}/move",
            move_meeting,
            methods=["POST"],
        ),
        Route(
            "/groups/{group_id:int}/meetings/{meeting_id:int}/cancel",
            cancel_meeting,
            methods=["POST"],
        ),
    ]
