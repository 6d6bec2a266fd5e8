"""Structured logging that never carries a reflection or the bot token.

Log calls name what happened and the ids involved, never what someone wrote. As a second
line of defence every record is redacted when it is created, before any handler sees it:
the token is masked wherever it appears (httpx logs request URLs, and Telegram's URLs
contain the token), registered secrets are masked, SQL parameters are hidden, and the
arguments of other libraries' records (python-telegram-bot logs whole requests and
updates at DEBUG, aiosqlite logs every statement with its values) are kept only when they
are plain numbers or short identifiers.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

_TOKEN_RE = re.compile(r"\d{5,}:[A-Za-z0-9_-]{20,}")
# SQLAlchemy puts the bound values into an error's text; they may be someone's answer.
_SQL_PARAMS_RE = re.compile(r"\[parameters: .*?(?=\n\(Background on this error|\Z)", re.S)
# Arguments of other libraries' records that are safe to keep: endpoint names, ids, paths.
_SAFE_ARG_RE = re.compile(r"^[A-Za-z0-9_.:/\-]{0,64}$")
# Loggers whose calls we write ourselves and review: they log ids, never text.
_OWN = ("bot", "storage", "dialogues", "refleks")
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}
MASK = "«redacted»"


def _own(name: str) -> bool:
    return any(name == own or name.startswith(own + ".") for own in _OWN)


class RedactingFilter(logging.Filter):
    """Mask bot tokens, registered secrets, SQL parameters and other libraries' payloads."""

    def __init__(self) -> None:
        super().__init__()
        self._secrets: set[str] = set()

    def add_secret(self, secret: str) -> None:
        if secret:
            self._secrets.add(secret)

    def redact(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, MASK)
        text = _SQL_PARAMS_RE.sub("[parameters: «hidden»]", text)
        return _TOKEN_RE.sub(MASK, text)

    def _safe_arg(self, value: object) -> object:
        if value is None or isinstance(value, bool | int | float):
            return value
        if isinstance(value, str) and _SAFE_ARG_RE.match(value):
            return value
        if isinstance(value, BaseException) or type(value).__name__ == "URL":
            return self.redact(f"{value}")
        return f"«{type(value).__name__}»"

    def scrub(self, record: logging.LogRecord) -> logging.LogRecord:
        """Redact a record in place (safe to repeat) and return it."""
        if record.args and not _own(record.name):
            if isinstance(record.args, Mapping):
                record.args = {k: self._safe_arg(v) for k, v in record.args.items()}
            else:
                record.args = tuple(self._safe_arg(a) for a in record.args)
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a malformed call: keep the template only
            message = str(record.msg)
        record.msg = self.redact(message)
        record.args = None
        if record.exc_info and record.exc_info[1] is not None:
            # Render the traceback now, redacted, so no formatter sees the raw exception text.
            record.exc_text = logging.Formatter().formatException(record.exc_info)
            record.exc_info = None
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return record

    def filter(self, record: logging.LogRecord) -> bool:
        self.scrub(record)
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, event and the `extra` fields."""

    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                plain = value if isinstance(value, int | float | bool | None) else str(value)
                data[key] = REDACTOR.redact(plain) if isinstance(plain, str) else plain
        if record.exc_text:
            data["error"] = record.exc_text
        return json.dumps(data, ensure_ascii=False)


REDACTOR = RedactingFilter()


def install_record_redaction() -> None:
    """Redact every record as it is created, so no handler anywhere sees raw text.

    A filter on our own handler is not enough: any other handler on the root logger (a
    test's, a platform's) would get the record before or without it.
    """
    current = logging.getLogRecordFactory()
    if getattr(current, "refleks_redacts", False):
        return

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        return REDACTOR.scrub(current(*args, **kwargs))

    factory.refleks_redacts = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)


def protect(token: str | None = None, engine: Any = None) -> None:
    """Keep the token and the database's bound values out of every log record.

    `engine` is the application's AsyncEngine (or Engine): SQLAlchemy then leaves the
    values of a statement out of its logs and out of the text of its errors.
    """
    if token:
        REDACTOR.add_secret(token)
    install_record_redaction()
    if engine is not None:
        sync = getattr(engine, "sync_engine", engine)
        sync.hide_parameters = True


def setup_logging(level: str = "INFO", *, stream: Any = None) -> None:
    """Configure the root logger once: JSON lines on stderr, redacted, quiet HTTP client."""
    install_record_redaction()
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(REDACTOR)
    root = logging.getLogger()
    for existing in list(root.handlers):
        root.removeHandler(existing)
    root.addHandler(handler)
    root.setLevel(level)
    # httpx logs every request URL at INFO, and those URLs contain the token.
    for noisy in ("httpx", "httpcore", "apscheduler", "aiosqlite"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
