"""Consent and transparency, and a person's place in groups.

Nothing is stored about a person before they say yes, and nothing new after the privacy
text changed until they say yes again. People can leave a group (the last facilitator
hands over first, or archives it), and facilitators can take someone out of a group.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import App
from bot.i18n import t
from bot.services import membership
from bot.services.access import Action as Permission
from bot.services.access import effective_role, is_admin, require
from bot.services.errors import Denied, NotFound, ServiceError
from bot.services.membership import ensure_person
from storage.enums import Role
from storage.models import Group, Membership, Person
from storage.repositories import consent, groups, people

# Raise this when the privacy text changes in substance: everyone is asked again.
PRIVACY_VERSION = 1


async def has_consented(session: AsyncSession, person: Person) -> bool:
    version = await consent.current_version(session, person.id)
    return version is not None and version >= PRIVACY_VERSION


async def accept(
    app: App,
    session: AsyncSession,
    *,
    language: str,
    display_name: str,
    telegram_id: int | None = None,
    console_handle: str | None = None,
) -> Person:
    """Record consent to the current privacy text, creating the person if needed."""
    person = await ensure_person(
        session,
        now=app.now(),
        language=language,
        display_name=display_name,
        telegram_id=telegram_id,
        console_handle=console_handle,
    )
    if not await has_consented(session, person):
        await consent.give(session, person.id, PRIVACY_VERSION, app.now())
    return person


def _controller(app: App, lang: str) -> str:
    return app.settings.refleks_controller or t(lang, "controller.default")


def welcome_params(app: App, lang: str) -> dict[str, object]:
    return {
        "anonymity_min": app.settings.refleks_anonymity_min,
        "controller": _controller(app, lang),
    }


def privacy_params(app: App, lang: str) -> dict[str, object]:
    return {
        "anonymity_min": app.settings.refleks_anonymity_min,
        "retention_days": app.settings.refleks_retention_days,
        "controller": _controller(app, lang),
    }


# -- asking again when the text changes ---------------------------------------------------


async def stored_person(
    session: AsyncSession, *, telegram_id: int | None = None, console_handle: str | None = None
) -> Person | None:
    """The person row for an identity, consented or not."""
    if telegram_id is not None:
        return await people.by_telegram_id(session, telegram_id)
    if console_handle is not None:
        return await people.by_console_handle(session, console_handle)
    return None


async def needs_renewal(session: AsyncSession, person: Person | None) -> bool:
    """True when the person agreed to an earlier privacy text, but not to the current one.

    Until they accept again nothing new is stored: the conversation treats them as someone
    who has not said yes.
    """
    if person is None:
        return False
    version = await consent.current_version(session, person.id)
    return version is not None and version < PRIVACY_VERSION


# -- leaving a group, handing over, removing a member -------------------------------------


async def leave_group(app: App, session: AsyncSession, *, person: Person, group_id: int) -> Group:
    """Leave a group; the last facilitator gets Denied("denied.last_facilitator")."""
    group = await groups.get(session, group_id)
    if group is None:
        raise NotFound("error.group_not_found")
    await membership.leave(app, session, person=person, group_id=group_id)
    return group


async def hand_over_and_leave(
    app: App, session: AsyncSession, *, person: Person, group_id: int, successor_id: int
) -> tuple[Group, Person]:
    """Make another member the group's facilitator, then leave it."""
    group = await require(app, session, person, group_id, Permission.manage)
    successor = await people.get(session, successor_id)
    if (
        successor is None
        or successor.id == person.id
        or await groups.membership(session, group_id, successor.id) is None
    ):
        raise NotFound("leave.successor_unknown")
    await groups.add_member(
        session, group_id=group_id, person_id=successor.id, role=Role.facilitator, now=app.now()
    )
    await membership.leave(app, session, person=person, group_id=group_id)
    return group, successor


async def archive_and_leave(
    app: App, session: AsyncSession, *, person: Person, group_id: int
) -> Group:
    """Close the group for good (its members keep their own data) and leave it."""
    group = await require(app, session, person, group_id, Permission.manage)
    await groups.archive(session, group_id, app.now())
    await groups.remove_member(session, group_id, person.id)
    return group


async def other_members(
    session: AsyncSession, group_id: int, person: Person
) -> list[tuple[Membership, Person]]:
    return [(m, p) for m, p in await groups.members(session, group_id) if p.id != person.id]


async def managed_groups(app: App, session: AsyncSession, person: Person) -> list[Group]:
    """The groups where the person may manage members (facilitators and administrators)."""
    admin = await is_admin(app, session, person)
    found: list[Group] = []
    for _, group in await membership.my_groups(session, person):
        if admin or await effective_role(session, person.id, group) == Role.facilitator:
            found.append(group)
    return found


async def remove_member(
    app: App, session: AsyncSession, *, actor: Person, group_id: int, person_id: int
) -> tuple[Group, Person]:
    """A facilitator takes someone out of a group; what they wrote stays theirs."""
    group = await require(app, session, actor, group_id, Permission.manage)
    if person_id == actor.id:
        raise ServiceError("remove.not_yourself")
    target = await people.get(session, person_id)
    member = await groups.membership(session, group_id, person_id)
    if target is None or member is None:
        raise NotFound("remove.not_member")
    if (
        member.role == Role.facilitator
        and await groups.count_role(session, group_id, Role.facilitator) == 1
    ):
        raise Denied("remove.last_facilitator")
    await groups.remove_member(session, group_id, person_id)
    return group, target
