"""Errors a use case reports to a person; channels phrase them from the text catalog."""

from __future__ import annotations

from typing import Any


class ServiceError(Exception):
    """Something the person can understand and act on; `key` names a text in bot/texts."""

    def __init__(self, key: str, **params: Any) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


class Denied(ServiceError):
    """The person's role does not allow this."""


class NotFound(ServiceError):
    """The thing asked for does not exist (or the person may not know it exists)."""
