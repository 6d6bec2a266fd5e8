"""docker-compose.yml takes the database password from `.env`, never a fixed word."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
# Compose's `${NAME}` and `${NAME:?message}` (required) forms, the ones the file uses.
_VARIABLE = re.compile(r"\$\{(\w+)(?::\?([^}]*))?\}")


def _interpolate(value: Any, env: dict[str, str]) -> Any:
    if isinstance(value, dict):
        return {k: _interpolate(v, env) for k, v in value.items()}
    if isinstance(value, list):
        return [_interpolate(v, env) for v in value]
    if not isinstance(value, str):
        return value

    def one(match: re.Match[str]) -> str:
        name, required = match.group(1), match.group(2)
        if not env.get(name) and required is not None:
            raise ValueError(required)
        return env.get(name, "")

    return _VARIABLE.sub(one, value)


def _compose(env: dict[str, str]) -> Any:
    return _interpolate(yaml.safe_load((ROOT / "docker-compose.yml").read_text()), env)


def test_the_database_password_comes_from_the_env_file() -> None:
    config = _compose({"POSTGRES_PASSWORD": "f3a9c0d1e2"})
    db, bot = config["services"]["db"], config["services"]["bot"]
    assert db["environment"]["POSTGRES_PASSWORD"] == "f3a9c0d1e2"
    assert bot["environment"]["DATABASE_URL"] == (
        "postgresql+asyncpg://refleks:f3a9c0d1e2@db:5432/refleks"
    )


def test_compose_refuses_to_start_without_a_password() -> None:
    with pytest.raises(ValueError, match=r"set POSTGRES_PASSWORD in \.env"):
        _compose({})


def test_the_example_env_file_documents_the_password() -> None:
    example = (ROOT / ".env.example").read_text()
    assert re.search(r"^POSTGRES_PASSWORD=$", example, re.MULTILINE)
    assert "Docker Compose" in example
