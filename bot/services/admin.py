"""Administrators and groups: create networks and teams, give and take roles, archive.

Administrators are the Telegram ids in REFLEKS_ADMINS and those added with
`refleks admin add`; they may create groups and do everything a facilitator may. A
facilitator manages the roles in their own groups (a network's facilitators also in its
teams). A group always keeps at least one facilitator: the last one cannot step down,
and someone who leaves or forgets hands the role over first, to a member or to an
administrator, or archives the group.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import App
from bot.services import forget, membership
from bot.services.access import Action, effective_role, is_admin, require
from bot.services.errors import Denied, NotFound, ServiceError
from bot.services.forget import Forgotten
from bot.services.privacy import has_consented
from bot.services.reflection import active
from storage.enums import GroupKind, Role
from storage.models import Group, Invite, Membership, Person
from storage.repositories import admin as repo
from storage.repositories import groups as groups_repo
from storage.repositories import meetings as waiting
from storage.repositories import people
from storage.repositories import privacy as privacy_repo
from storage.repositories.outbox import NewMessage, enqueue

GROUPS_PER_PAGE = 20
PARTICIPANT_LINK_USES = 40  # a whole team or network meeting, as /invite offers
NETWORKS_SHOWN = 20
# The outbox kind whose payload names a text key (see bot/dispatch/compose.py).
NOTICE = "notice"
# How long the bot waits for a name or an answer it asked for.
TYPING_TTL = timedelta(minutes=30)


@dataclass(frozen=True)
class Place:
    """A group in someone's list, with the role they hold there."""

    group: Group
    role: Role | None  # their own membership, None when they stand in it via the network
    inherited: Role | None  # facilitator or leader of the network above
    manage: bool


@dataclass(frozen=True)
class Overview:
    """A group as the people who manage it see it."""

    group: Group
    parent: Group | None
    teams: list[Group]
    facilitators: list[Person]
    leaders: list[Person]
    participants: int
    admin: bool


@dataclass(frozen=True)
class RoleChange:
    group: Group
    person: Person
    role: Role
    changed: bool


@dataclass(frozen=True)
class AllGroups:
    groups: list[Group]
    counts: dict[int, dict[Role, int]]
    page: int
    pages: int
    total: int = 0
    parents: dict[int, str] = field(default_factory=dict)


# -- who is an administrator ------------------------------------------------------------


async def require_admin(app: App, session: AsyncSession, person: Person) -> None:
    if not await is_admin(app, session, person):
        raise Denied("admin.only_admins")


async def administrators(
    app: App, session: AsyncSession, *, besides: Person | None = None
) -> list[Person]:
    """Administrators who have talked to the bot and said yes: those a group can go to."""
    ids = list(
        dict.fromkeys([*app.settings.refleks_admins, *await people.list_administrators(session)])
    )
    found = {p.telegram_id: p for p in await repo.people_with_telegram_ids(session, ids)}
    chosen: list[Person] = []
    for telegram_id in ids:
        person = found.get(telegram_id)
        if person is None or (besides is not None and person.id == besides.id):
            continue
        if await has_consented(session, person):
            chosen.append(person)
    return chosen


async def add_administrator(app: App, session: AsyncSession, telegram_id: int) -> bool:
    """`refleks admin add`: False when the id was one already."""
    return await people.add_administrator(session, telegram_id, app.now())


async def remove_administrator(session: AsyncSession, telegram_id: int) -> bool:
    """`refleks admin remove`: False when the id was not in the table."""
    return await people.remove_administrator(session, telegram_id)


async def listed_administrators(app: App, session: AsyncSession) -> list[tuple[int, str, str]]:
    """Every administrator id, where it comes from, and the name the bot knows them by."""
    from_settings = list(app.settings.refleks_admins)
    stored = await people.list_administrators(session)
    ids = list(dict.fromkeys([*from_settings, *stored]))
    names = {
        p.telegram_id: p.display_name for p in await repo.people_with_telegram_ids(session, ids)
    }
    return [
        (
            telegram_id,
            "REFLEKS_ADMINS" if telegram_id in from_settings else "refleks admin add",
            names.get(telegram_id, ""),
        )
        for telegram_id in ids
    ]


# -- groups a person sees --------------------------------------------------------------


async def places(app: App, session: AsyncSession, person: Person) -> list[Place]:
    """The person's groups with their role, and the teams they stand in through a network."""
    admin = await is_admin(app, session, person)
    own = await membership.my_groups(session, person)
    found: list[Place] = []
    seen = {g.id for _, g in own}
    standing = {g.id: m.role for m, g in own if g.kind == GroupKind.network}
    through = {nid: r for nid, r in standing.items() if r in (Role.facilitator, Role.leader)}
    teams = await repo.teams_of(session, list(through))
    for member, group in own:
        inherited = through.get(group.parent_id) if group.parent_id is not None else None
        role = await effective_role(session, person.id, group)
        found.append(
            Place(
                group=group,
                role=member.role,
                inherited=inherited if inherited != member.role else None,
                manage=admin or role == Role.facilitator,
            )
        )
    for team in teams:
        if team.id in seen:
            continue
        inherited = through[team.parent_id] if team.parent_id is not None else None
        found.append(
            Place(
                group=team,
                role=None,
                inherited=inherited,
                manage=admin or inherited == Role.facilitator,
            )
        )
    return _in_families(found)


def _in_families(found: list[Place]) -> list[Place]:
    """Each network followed by its teams; groups on their own after, by name."""
    by_id = {p.group.id: p for p in found}

    def key(place: Place) -> tuple[str, int, str]:
        parent = place.group.parent_id
        head = by_id[parent].group.name if parent in by_id else place.group.name
        return (head.lower(), 0 if parent not in by_id else 1, place.group.name.lower())

    return sorted(found, key=key)


async def all_groups(app: App, session: AsyncSession, actor: Person, page: int) -> AllGroups:
    """Every group in use, a page at a time (administrators only)."""
    await require_admin(app, session, actor)
    total = await repo.count_groups(session)
    pages = max(1, -(-total // GROUPS_PER_PAGE))
    page = min(max(page, 0), pages - 1)
    shown = list(
        await repo.groups_page(session, offset=page * GROUPS_PER_PAGE, limit=GROUPS_PER_PAGE)
    )
    parents: dict[int, str] = {}
    for group in shown:
        if group.parent_id is not None and group.parent_id not in parents:
            parent = await groups_repo.get(session, group.parent_id)
            parents[group.parent_id] = parent.name if parent else ""
    counts = await repo.role_counts(session, [g.id for g in shown])
    return AllGroups(
        groups=shown, counts=counts, page=page, pages=pages, total=total, parents=parents
    )


async def networks(app: App, session: AsyncSession, actor: Person) -> list[Group]:
    """The networks a new team can be placed in (administrators only)."""
    await require_admin(app, session, actor)
    return list(await repo.networks(session, limit=NETWORKS_SHOWN))


async def overview(app: App, session: AsyncSession, actor: Person, group_id: int) -> Overview:
    """A group's teams and people with roles, for those who manage it."""
    group = await require(app, session, actor, group_id, Action.manage)
    parent = await groups_repo.get(session, group.parent_id) if group.parent_id else None
    members = await groups_repo.members(session, group.id)
    teams = (
        list(await repo.teams_of(session, [group.id])) if group.kind == GroupKind.network else []
    )
    return Overview(
        group=group,
        parent=parent,
        teams=teams,
        facilitators=[p for m, p in members if m.role == Role.facilitator],
        leaders=[p for m, p in members if m.role == Role.leader],
        participants=sum(1 for m, _ in members if m.role == Role.participant),
        admin=await is_admin(app, session, actor),
    )


async def members(
    app: App, session: AsyncSession, actor: Person, group_id: int
) -> tuple[Group, list[tuple[Membership, Person]]]:
    group = await require(app, session, actor, group_id, Action.manage)
    return group, list(await groups_repo.members(session, group.id))


# -- creating, roles, archiving --------------------------------------------------------


async def create(
    app: App,
    session: AsyncSession,
    *,
    actor: Person,
    name: str,
    kind: GroupKind,
    parent_id: int | None = None,
) -> tuple[Group, Invite]:
    """A new network or team (administrators), with a link for its first facilitator."""
    await require_admin(app, session, actor)
    parent = None
    if parent_id is not None:
        parent = await groups_repo.get(session, parent_id)
        if parent is None or parent.archived_at is not None:
            raise NotFound("error.group_not_found")
    return await membership.create_group(app, session, name=name, kind=kind, parent=parent)


async def role_invite(
    app: App, session: AsyncSession, *, actor: Person, group_id: int, role: Role
) -> Invite:
    """A link for one new facilitator or leader, or for a team's worth of participants."""
    await require(app, session, actor, group_id, Action.manage)
    uses = PARTICIPANT_LINK_USES if role == Role.participant else 1
    return await membership.create_invite(
        app, session, group_id=group_id, role=role, actor=actor, uses=uses
    )


async def set_role(
    app: App, session: AsyncSession, *, actor: Person, group_id: int, person_id: int, role: Role
) -> RoleChange:
    """Appoint a member as facilitator or leader, or take the role away again."""
    group = await require(app, session, actor, group_id, Action.manage)
    target = await people.get(session, person_id)
    member = await groups_repo.membership(session, group.id, person_id)
    if target is None or member is None:
        raise NotFound("admin.not_member")
    if member.role == role:
        return RoleChange(group=group, person=target, role=role, changed=False)
    if (
        member.role == Role.facilitator
        and await groups_repo.count_role(session, group.id, Role.facilitator) == 1
    ):
        raise Denied("admin.last_facilitator", name=target.display_name, group=group.name)
    await groups_repo.add_member(
        session, group_id=group.id, person_id=target.id, role=role, now=app.now()
    )
    if target.id != actor.id:
        await notify(app, session, target, f"admin.notice_role.{role.value}", group=group.name)
    return RoleChange(group=group, person=target, role=role, changed=True)


async def join_as_facilitator(
    app: App, session: AsyncSession, *, actor: Person, group_id: int
) -> Group:
    """An administrator makes themselves a facilitator of a group."""
    await require_admin(app, session, actor)
    group = await groups_repo.get(session, group_id)
    if group is None or group.archived_at is not None:
        raise NotFound("error.group_not_found")
    await groups_repo.add_member(
        session, group_id=group.id, person_id=actor.id, role=Role.facilitator, now=app.now()
    )
    return group


async def archive(
    app: App, session: AsyncSession, *, actor: Person, group_id: int
) -> tuple[Group, int]:
    """Archive a group (and the teams of a network); returns the group and how many teams."""
    group = await require(app, session, actor, group_id, Action.manage)
    archived = await repo.archive_with_teams(session, group.id, app.now())
    return group, max(0, archived - 1)


async def teams_to_archive(app: App, session: AsyncSession, actor: Person, group_id: int) -> int:
    group = await require(app, session, actor, group_id, Action.manage)
    if group.kind != GroupKind.network:
        return 0
    return len(await repo.teams_of(session, [group.id]))


# -- handing over to an administrator ---------------------------------------------------


async def sole_facilitator_of(session: AsyncSession, person: Person) -> list[Group]:
    """Groups that would be left without a facilitator if the person went."""
    return list(await privacy_repo.sole_facilitator_groups(session, person.id))


async def hand_to_administrator(
    app: App, session: AsyncSession, *, person: Person, group_id: int
) -> tuple[Group, Person]:
    """Give the group to an administrator as its facilitator, tell them, and leave it."""
    group = await require(app, session, person, group_id, Action.manage)
    chosen = await administrators(app, session, besides=person)
    if not chosen:
        raise ServiceError("admin.no_administrator")
    successor = chosen[0]
    await groups_repo.add_member(
        session, group_id=group.id, person_id=successor.id, role=Role.facilitator, now=app.now()
    )
    await membership.leave(app, session, person=person, group_id=group.id)
    await notify(app, session, successor, "admin.notice_handed_over", group=group.name)
    return group, successor


async def forget_person(app: App, session: AsyncSession, person: Person) -> Forgotten:
    """Forget someone as every channel does it: first hand on the groups only they
    facilitate (see below), then delete everything about them."""
    await hand_on_before_forgetting(app, session, person)
    return await forget.forget(app, session, person)


async def hand_on_before_forgetting(app: App, session: AsyncSession, person: Person) -> list[Group]:
    """Before someone is forgotten, give the groups only they facilitate to an administrator.

    Deleting a person's data is never held up by their groups; when nobody is there to
    take over, the group stays without a facilitator and administrators see it flagged.
    """
    chosen = await administrators(app, session, besides=person)
    sole = await sole_facilitator_of(session, person)
    if not chosen:
        return []
    for group in sole:
        await groups_repo.add_member(
            session, group_id=group.id, person_id=chosen[0].id, role=Role.facilitator, now=app.now()
        )
        await notify(app, session, chosen[0], "admin.notice_handed_over", group=group.name)
    return sole


async def notify(app: App, session: AsyncSession, person: Person, key: str, **params: str) -> bool:
    """Queue a short message to someone (sent by the dispatcher, in their language).

    The payload names groups only, never a person: /forget cannot reach into a message
    queued for someone else.
    """
    if person.telegram_id is None:
        return False
    now = app.now()
    message = NewMessage(
        key=f"{key}:{person.id}:{params.get('group', '')}:{now.isoformat()}"[:128],
        chat_id=person.telegram_id,
        kind=NOTICE,
        due_at=now,
        payload={"key": key, "params": params},
        person_id=person.id,
    )
    return await enqueue(session, message, now)


# -- what the bot waits for a person to type next (a group's name, an answer's words) ---


async def expect_text(
    app: App, session: AsyncSession, person: Person, kind: str, data: dict[str, Any]
) -> None:
    now = app.now()
    await waiting.await_input(session, person.id, kind, data, now=now, expires_at=now + TYPING_TTL)


async def expected_text(
    app: App, session: AsyncSession, person: Person, kind: str
) -> dict[str, Any] | None:
    """What the bot asked this person to type, if it was `kind` and they have not moved on.

    Someone who started or answered a reflection since then has moved on: their text
    belongs to the reflection, and the question is forgotten.
    """
    found = await waiting.awaited(session, person.id, app.now())
    if found is None or found.kind != kind:
        return None
    reflecting = await active(app, session, person)
    if reflecting is not None and reflecting.updated_at >= found.created_at:
        await waiting.clear_awaited(session, person.id)
        return None
    return dict(found.data)


async def stop_expecting(session: AsyncSession, person: Person) -> None:
    await waiting.clear_awaited(session, person.id)
