"""Which time zone applies: a person's or a group's own, else the configured default."""

from __future__ import annotations

from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from bot.app import App
    from storage.models import Group, Person

__all__ = ["group_zone", "person_zone", "recipient_zone", "zone"]


def zone(app: App, name: str | None) -> ZoneInfo:
    """The zone NAME, or the configured default when there is none."""
    return ZoneInfo(name) if name else app.settings.timezone


def person_zone(app: App, person: Person) -> ZoneInfo:
    """The person's own zone, else the default."""
    return zone(app, person.timezone)


def group_zone(app: App, group: Group | None) -> ZoneInfo:
    """The group's own zone, else the default."""
    return zone(app, group.timezone if group is not None else None)


def recipient_zone(app: App, person: Person | None, group: Group | None) -> ZoneInfo:
    """For a message to a person about a group: the person's zone, else the group's."""
    if person is not None and person.timezone:
        return zone(app, person.timezone)
    return group_zone(app, group)
