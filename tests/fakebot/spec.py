"""The Bot API 10.0 specification as typed, indexed data.

The data file is a reduced copy of PaulSonOfLars/telegram-bot-api-spec (MIT, see the
licence file beside it): methods with their parameters and return types, types with
their fields, unions with their members and, where the documentation states one, the
discriminating field value. Bot API 10.0 is what python-telegram-bot 22.8 implements.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

SPEC_FILE = Path(__file__).parent / "spec" / "botapi-10.0.min.json"

PRIMITIVES = frozenset({"Integer", "Float", "String", "Boolean", "InputFile"})


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One parameter of a method or one field of a type."""

    name: str
    types: tuple[str, ...]
    required: bool


@dataclass(frozen=True, slots=True)
class MethodSpec:
    """A Bot API method: its parameters by name and its possible result types."""

    name: str
    fields: dict[str, FieldSpec]
    returns: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class TypeSpec:
    """An object type; a union has members instead of fields."""

    name: str
    fields: dict[str, FieldSpec]
    subtypes: tuple[str, ...] = ()
    discriminator: tuple[str, str] | None = None
    required: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True, slots=True)
class Spec:
    """Every method (keyed by lower-case name, as Telegram matches them) and type."""

    version: str
    methods: dict[str, MethodSpec]
    types: dict[str, TypeSpec]

    def method(self, name: str) -> MethodSpec | None:
        """Return the method called `name`, compared case-insensitively like Telegram."""
        return self.methods.get(name.lower())


def _fields(raw: list[dict[str, Any]] | None) -> dict[str, FieldSpec]:
    return {
        f["name"]: FieldSpec(f["name"], tuple(f["types"]), bool(f["required"])) for f in raw or []
    }


@cache
def load_spec(path: Path = SPEC_FILE) -> Spec:
    """Read and index the specification once per process."""
    data = json.loads(path.read_text(encoding="utf-8"))
    methods = {
        name.lower(): MethodSpec(name, _fields(m.get("fields")), tuple(m["returns"]))
        for name, m in data["methods"].items()
    }
    types: dict[str, TypeSpec] = {}
    for name, t in data["types"].items():
        fields = _fields(t.get("fields"))
        disc = t.get("discriminator")
        types[name] = TypeSpec(
            name=name,
            fields=fields,
            subtypes=tuple(t.get("subtypes", ())),
            discriminator=(disc["field"], disc["value"]) if disc else None,
            required=frozenset(n for n, f in fields.items() if f.required),
        )
    return Spec(version=data["version"], methods=methods, types=types)
