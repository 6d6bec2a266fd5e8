"""Typed settings from the environment or a `.env` file (names are stable, see README)."""

from __future__ import annotations

import re
from datetime import time
from functools import cached_property
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

Language = Literal["da", "en"]
# What Telegram accepts as a webhook's secret token.
WEBHOOK_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")


class ConfigError(Exception):
    """A setting has a value we cannot use; the message names the variable and what is allowed."""


class Settings(BaseSettings):
    """Everything Refleks reads from its environment."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", frozen=True
    )

    telegram_bot_token: SecretStr | None = None
    telegram_api_url: str = "https://api.telegram.org/bot"
    database_url: str = "sqlite+aiosqlite:///./data/refleks.db"
    refleks_timezone: str = "Europe/Copenhagen"
    refleks_language: Language = "da"
    refleks_anonymity_min: int = Field(default=3, ge=3)
    refleks_retention_days: int = Field(default=730, ge=30)
    refleks_admins: Annotated[list[int], NoDecode] = Field(default_factory=list)
    refleks_quiet_hours: str = "20:00-07:30"
    refleks_controller: str | None = None
    refleks_log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    # Updates a person (or a group chat) may send per minute before being slowed; 0 = off.
    refleks_flood_per_minute: int = Field(default=60, ge=0)
    refleks_flood_group_per_minute: int = Field(default=120, ge=0)
    # Updates handled at once (each chat's in order). Enough to overlap Telegram's round
    # trips; more only makes every send scan a larger connection pool (docs/benchmarks.md).
    refleks_concurrent_updates: int = Field(default=32, ge=1, le=1024)
    # The web server (the web part's pages; the webhook in webhook mode): where it
    # listens, and the address people reach the pages at (behind a proxy, the proxy's
    # https address); unset, the listening address is used.
    refleks_web_host: str = "127.0.0.1"
    refleks_web_port: int = Field(default=8080, ge=0, le=65535)
    refleks_public_url: str | None = None
    # Webhook mode (docs/drift.md): Telegram POSTs updates to this https address, with the
    # secret in a header; unset, `refleks run` polls. Workers need webhook mode.
    telegram_webhook_url: str | None = None
    telegram_webhook_secret: SecretStr | None = None
    telegram_webhook_max_connections: int = Field(default=40, ge=1, le=100)
    refleks_workers: int = Field(default=1, ge=1, le=64)
    # Off when the outbox dispatcher runs as a process of its own (python -m bot.dispatch).
    refleks_dispatch_in_bot: bool = True
    # Pacing of replies within Telegram's limits; off only to benchmark against a fake.
    refleks_reply_pacing: bool = True

    @field_validator("telegram_bot_token", mode="before")
    @classmethod
    def _empty_token_is_unset(cls, value: object) -> object:
        if isinstance(value, str) and not value.strip():
            return None
        return value

    @field_validator("refleks_public_url", mode="before")
    @classmethod
    def _public_url(cls, value: object) -> object:
        if isinstance(value, str):
            value = value.strip().rstrip("/")
            if not value:
                return None
            if not value.startswith(("http://", "https://")):
                raise ValueError("must start with http:// or https://")
        return value

    @field_validator("telegram_webhook_url", "telegram_webhook_secret", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        if isinstance(value, str) and not value.strip():
            return None
        return value.strip() if isinstance(value, str) else value

    @field_validator("telegram_webhook_url")
    @classmethod
    def _https_address(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith("https://"):
            raise ValueError("must be an https:// address (Telegram only calls https)")
        return value

    @field_validator("telegram_webhook_secret")
    @classmethod
    def _secret_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not WEBHOOK_SECRET.fullmatch(value.get_secret_value()):
            raise ValueError("must be 1-256 characters of A-Z, a-z, 0-9, _ and -")
        return value

    @model_validator(mode="after")
    def _webhook_needs_secret(self) -> Settings:
        if self.telegram_webhook_url and self.telegram_webhook_secret is None:
            raise ValueError(
                "TELEGRAM_WEBHOOK_SECRET must be set with TELEGRAM_WEBHOOK_URL "
                "(for example: openssl rand -hex 32)"
            )
        return self

    @field_validator("refleks_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError("must be an IANA time zone such as Europe/Copenhagen") from exc
        return value

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, value: str) -> str:
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError(
                "must start with sqlite+aiosqlite:// or postgresql+asyncpg:// "
                "(an async SQLAlchemy URL)"
            )
        return value

    @field_validator("refleks_admins", mode="before")
    @classmethod
    def _comma_separated_ids(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [p.strip() for p in value.replace(";", ",").split(",")]
            return [p for p in parts if p]
        return value

    @field_validator("refleks_quiet_hours")
    @classmethod
    def _quiet_hours(cls, value: str) -> str:
        parse_quiet_hours(value)
        return value

    @cached_property
    def timezone(self) -> ZoneInfo:
        return ZoneInfo(self.refleks_timezone)

    @cached_property
    def web_local_url(self) -> str:
        """Where the web part listens, as a browser on this machine would open it."""
        host = self.refleks_web_host
        shown = "127.0.0.1" if host in {"0.0.0.0", ""} else host  # noqa: S104 (a comparison)
        if ":" in shown:
            shown = f"[{shown}]"
        return f"http://{shown}:{self.refleks_web_port}"

    @cached_property
    def public_url(self) -> str:
        """The address people reach the web part at (links in the chat use it)."""
        return self.refleks_public_url or self.web_local_url

    @cached_property
    def quiet_hours(self) -> tuple[time, time]:
        return parse_quiet_hours(self.refleks_quiet_hours)


def parse_quiet_hours(value: str) -> tuple[time, time]:
    """Parse `HH:MM-HH:MM` (start of quiet time, end of quiet time)."""
    try:
        start, end = (time.fromisoformat(part.strip()) for part in value.split("-"))
    except ValueError as exc:
        raise ValueError("must look like 20:00-07:30 (start and end of quiet time)") from exc
    return start, end


def load_settings(**overrides: object) -> Settings:
    """Read the settings, turning a validation error into one readable line."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        name = str(first["loc"][0]).upper() if first["loc"] else "settings"
        message = str(first["msg"]).removeprefix("Value error, ")
        secret = not first["loc"] or "TOKEN" in name or "SECRET" in name
        shown = "" if secret else f" (got {first.get('input')!r})"
        raise ConfigError(f"{name}: {message}{shown}") from None
