"""Who may do what: roles are enforced here, in the use cases, not only in handlers.

A facilitator or leader of a network has the same standing in the teams under it.
Administrators (REFLEKS_ADMINS or `refleks admin add`) may do everything.
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import App
from bot.services.errors import Denied, NotFound
from storage.enums import Role
from storage.models import Group, Person
from storage.repositories import groups, people


class Action(StrEnum):
    reflect = "reflect"
    invite = "invite"
    schedule = "schedule"
    run_circle = "run_circle"
    read_summary = "read_summary"
    manage = "manage"


ALLOWED: dict[Action, frozenset[Role]] = {
    Action.reflect: frozenset(Role),
    Action.invite: frozenset({Role.facilitator}),
    Action.schedule: frozenset({Role.facilitator}),
    Action.run_circle: frozenset({Role.facilitator}),
    Action.read_summary: frozenset({Role.facilitator, Role.leader}),
    Action.manage: frozenset({Role.facilitator}),
}


async def is_admin(app: App, session: AsyncSession, person: Person | None) -> bool:
    if person is None or person.telegram_id is None:
        return False
    if person.telegram_id in app.settings.refleks_admins:
        return True
    return await people.is_administrator(session, person.telegram_id)


async def effective_role(session: AsyncSession, person_id: int, group: Group) -> Role | None:
    """The person's role in the group, or the role they hold in the network above it."""
    ids = [group.id] if group.parent_id is None else [group.id, group.parent_id]
    roles = await groups.roles_in(session, person_id, ids)
    own = roles.get(group.id)
    inherited = roles.get(group.parent_id) if group.parent_id is not None else None
    if inherited in (Role.facilitator, Role.leader) and own in (None, Role.participant):
        return inherited
    return own


async def require(
    app: App, session: AsyncSession, person: Person, group_id: int, action: Action
) -> Group:
    """The group, when the person may do `action` in it; Denied otherwise."""
    group = await groups.get(session, group_id)
    if group is None or group.archived_at is not None:
        raise NotFound("error.group_not_found")
    if await is_admin(app, session, person):
        return group
    role = await effective_role(session, person.id, group)
    if role is None:
        raise Denied("denied.not_member")
    if role not in ALLOWED[action]:
        raise Denied(f"denied.{action.value}")
    return group
