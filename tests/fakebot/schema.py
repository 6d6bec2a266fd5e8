"""Check JSON values against Bot API types, recursively, unions included.

Used both for what the bot sends (objects and arrays arrive JSON-encoded inside request
parameters) and for every object the fake answers with, so that neither side can drift
from the specification unnoticed.
"""

from __future__ import annotations

from collections.abc import Callable, Container
from typing import Any

from tests.fakebot.limits import OBJECT_CHECKS
from tests.fakebot.spec import Spec, TypeSpec

ATTACH_PREFIX = "attach://"


class SchemaChecker:
    """Validate decoded values; every check returns the first problem found, or None."""

    def __init__(self, spec: Spec) -> None:
        self.spec = spec
        # Members of each union keyed by discriminator value, for a direct lookup.
        self._by_discriminator: dict[str, tuple[str, dict[str, TypeSpec]]] = {}
        for union in spec.types.values():
            members = [spec.types[name] for name in union.subtypes]
            if members and all(m.discriminator for m in members):
                key = members[0].discriminator[0]  # type: ignore[index]
                table = {m.discriminator[1]: m for m in members}  # type: ignore[index]
                self._by_discriminator[union.name] = (key, table)

    def check(
        self, value: Any, types: tuple[str, ...], path: str, files: Container[str] = ()
    ) -> str | None:
        """Check `value` against alternatives `types`; return a problem or None."""
        first: str | None = None
        for type_name in types:
            problem = self._check_one(value, type_name, path, files)
            if problem is None:
                return None
            first = first or problem
        if len(types) > 1 and first is not None and first.startswith(f"{path}: expected"):
            return f"{path}: expected {' or '.join(types)}, got {_kind(value)}"
        return first

    def _check_one(
        self, value: Any, type_name: str, path: str, files: Container[str]
    ) -> str | None:
        if type_name.startswith("Array of "):
            if not isinstance(value, list):
                return f"{path}: expected {type_name}, got {_kind(value)}"
            inner = (type_name.removeprefix("Array of "),)
            for index, item in enumerate(value):
                if _plainly_valid(item, inner):
                    continue
                problem = self.check(item, inner, f"{path}[{index}]", files)
                if problem:
                    return problem
            return None
        ok = _PRIMITIVE_CHECKS.get(type_name)
        if ok is not None:
            if ok(value):
                return None
            return f"{path}: expected {type_name}, got {_kind(value)}"
        if type_name == "InputFile":
            name = value.removeprefix(ATTACH_PREFIX) if isinstance(value, str) else None
            if name is not None and value.startswith(ATTACH_PREFIX) and name in files:
                return None
            return f"{path}: expected InputFile (attach://<part>), got {_kind(value)}"
        return self._check_object(value, type_name, path, files)

    def _check_object(
        self, value: Any, type_name: str, path: str, files: Container[str]
    ) -> str | None:
        spec = self.spec.types.get(type_name)
        if spec is None:
            return f"{path}: the specification has no type {type_name}"
        if not isinstance(value, dict):
            return f"{path}: expected {type_name} object, got {_kind(value)}"
        if spec.subtypes:
            return self._check_union(value, spec, path, files)
        if spec.discriminator is not None:
            key, expected = spec.discriminator
            if value.get(key) != expected:
                return f"{path}.{key}: {type_name} must have {key}={expected!r}"
        for name, item in value.items():
            field = spec.fields.get(name)
            if field is None:
                return f"{path}: unknown field {name!r} in {type_name}"
            if _plainly_valid(item, field.types):
                continue
            problem = self.check(item, field.types, f"{path}.{name}", files)
            if problem:
                return problem
        missing = spec.required.difference(value)
        if missing:
            return f"{path}: {type_name} lacks required field {sorted(missing)[0]!r}"
        extra = OBJECT_CHECKS.get(type_name)
        if extra is not None and (problem := extra(value)) is not None:
            return f"{path}: {problem}"
        return None

    def _check_union(
        self, value: dict[str, Any], union: TypeSpec, path: str, files: Container[str]
    ) -> str | None:
        table = self._by_discriminator.get(union.name)
        if table is not None:
            key, members = table
            member = members.get(value.get(key))  # type: ignore[arg-type]
            if member is None:
                choices = ", ".join(sorted(members))
                return f"{path}.{key}: {value.get(key)!r} is not one of {union.name} ({choices})"
            return self._check_object(value, member.name, path, files)
        # No discriminator stated (Message/InaccessibleMessage, InputMessageContent):
        # the value is valid if any member accepts it.
        problems = [self._check_object(value, name, path, files) for name in union.subtypes]
        if all(problems):
            return f"{path}: matches no member of {union.name} ({problems[0]})"
        return None


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_float(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


_PRIMITIVE_CHECKS: dict[str, Callable[[Any], bool]] = {
    "Integer": _is_int,
    "Float": _is_float,
    "String": lambda v: isinstance(v, str),
    "Boolean": lambda v: isinstance(v, bool),
}


def _plainly_valid(value: Any, types: tuple[str, ...]) -> bool:
    """A value of a single primitive type that has it: valid without building its path.

    Most fields are such values, and the checks run for every request and every answer.
    """
    if len(types) != 1:
        return False
    ok = _PRIMITIVE_CHECKS.get(types[0])
    return ok is not None and ok(value)


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "Boolean"
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "array"
    return type(value).__name__
