"""Log records carry neither the token nor anyone's words, whoever handles them."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy.exc import IntegrityError

from bot.logs import REDACTOR, JsonFormatter, RedactingFilter, protect, setup_logging
from storage.db import Database
from storage.models import Person

TOKEN = "987654321:AAsecretTokenValue_abcdefghijklmnopq"
SECRET_WORDS = "min hemmelige refleksion om Ida i 2.b"


class Capture(logging.Handler):
    """A handler of our own, with no filter: what any handler on the root logger would see."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def text(self) -> str:
        formatter = logging.Formatter()
        return "\n".join(formatter.format(r) for r in self.records)


@pytest.fixture
def capture() -> Iterator[Capture]:
    protect(TOKEN)
    handler = Capture()
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def test_the_token_is_masked_in_messages_arguments_and_tracebacks(capture: Capture) -> None:
    url = f"https://api.telegram.org/bot{TOKEN}/getUpdates"
    logging.getLogger("httpx").info(
        'HTTP Request: %s %s "%s %d %s"', "POST", httpx.URL(url), "HTTP/1.1", 200, "OK"
    )
    logging.getLogger("bot.test").warning("calling " + url)  # noqa: G003 - what a slip looks like
    error = RuntimeError(f"failed at {url}")
    logging.getLogger("telegram.ext.Updater").error(
        "network loop", exc_info=(RuntimeError, error, None)
    )
    other = "123456:ABCdefGHIjklMNOpqrSTUvwxYZ012345"  # any token-shaped value
    logging.getLogger("bot.test").info("saw %s", other)
    text = capture.text()
    assert TOKEN not in text
    assert "AAsecretTokenValue" not in text
    assert other not in text
    assert text.count("«redacted»") >= 4
    assert (
        'HTTP Request: POST https://api.telegram.org/bot«redacted»/getUpdates "HTTP/1.1 200 OK"'
        in text
    )


def test_other_libraries_keep_ids_but_not_payloads(capture: Capture) -> None:
    telegram = logging.getLogger("telegram.ext.ExtBot")
    telegram.debug(
        "Calling Bot API endpoint `%s` with parameters `%s`",
        "sendMessage",
        {"chat_id": 5, "text": SECRET_WORDS},
    )
    logging.getLogger("aiosqlite").debug(
        "executing %s", lambda: ("INSERT INTO answers VALUES (?)", SECRET_WORDS)
    )
    logging.getLogger("telegram.ext.Application").debug("Processing update %s", SECRET_WORDS)
    logging.getLogger("sqlalchemy.engine.Engine").info("[%s] %r", "generated", (SECRET_WORDS,))
    logging.getLogger("telegram.ext.Updater").debug("Getting updates: %s", 17)
    text = capture.text()
    assert SECRET_WORDS not in text
    assert "Calling Bot API endpoint `sendMessage` with parameters `«dict»`" in text
    assert "Getting updates: 17" in text


def test_sql_parameters_are_cut_from_error_texts() -> None:
    statement = "[SQL: INSERT INTO people (display_name) VALUES (?)]\n"
    message = (
        "(sqlite3.IntegrityError) UNIQUE constraint failed: people.telegram_id\n"
        + statement
        + f"[parameters: ('{SECRET_WORDS}',)]\n"
        + "(Background on this error at: https://sqlalche.me/e/20/gkpj)"
    )
    cleaned = RedactingFilter().redact(message)
    assert SECRET_WORDS not in cleaned
    assert "[parameters: «hidden»]" in cleaned
    assert "UNIQUE constraint failed" in cleaned


async def test_the_database_leaves_values_out_of_its_errors(database: Database) -> None:
    protect(None, database.engine)
    now = datetime(2026, 1, 1, tzinfo=UTC)

    def person(name: str) -> Person:
        return Person(
            telegram_id=5,
            display_name=name,
            language="da",
            language_chosen=False,
            unreachable=False,
            created_at=now,
            last_seen_at=now,
        )

    async with database.transaction() as s:
        s.add(person("Ane"))
    with pytest.raises(IntegrityError) as caught:
        async with database.transaction() as s:
            s.add(person(SECRET_WORDS))
    assert SECRET_WORDS not in str(caught.value)


def test_json_lines_are_structured_and_redacted() -> None:
    stream = io.StringIO()
    setup_logging("INFO", stream=stream)
    try:
        REDACTOR.add_secret("hunter2-secret")
        logging.getLogger("bot.test").info(
            "person unreachable", extra={"chat": 42, "note": "hunter2-secret"}
        )
    finally:
        root = logging.getLogger()
        for handler in list(root.handlers):
            if getattr(handler, "stream", None) is stream:
                root.removeHandler(handler)
    line = json.loads(stream.getvalue().strip().splitlines()[-1])
    assert line["event"] == "person unreachable"
    assert line["chat"] == 42
    assert line["note"] == "«redacted»"
    assert line["level"] == "info"
    assert isinstance(JsonFormatter().format(logging.makeLogRecord({"msg": "x"})), str)
