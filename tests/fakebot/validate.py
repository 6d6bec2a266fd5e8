"""Decode request parameters the way Telegram does and check them against the spec.

PTB sends every parameter as text: strings raw, everything else JSON-encoded. So
Integer/Float/Boolean are parsed from text, String is taken as is (never JSON-decoded),
and only object and array types are JSON-decoded, then checked recursively. A JSON
request body carries typed values instead; both paths end in the same checks.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from tests.fakebot.htmltext import Rendered
from tests.fakebot.limits import check_formatted, check_method_limits, check_parse_mode
from tests.fakebot.schema import ATTACH_PREFIX, SchemaChecker
from tests.fakebot.spec import PRIMITIVES, MethodSpec

# PTB's Defaults send these to every method, even those that lack them; Telegram ignores
# unknown parameters, so tolerating exactly these keeps Defaults usable.
TOLERATED_EXTRAS = frozenset({"parse_mode", "disable_notification", "protect_content"})

_INT_RE = re.compile(r"-?[0-9]+")
_TRUE = frozenset({"true", "1"})
_FALSE = frozenset({"false", "0"})

# Which entities parameter goes with each formatted parameter.
_FORMATTED = {"text": "entities", "caption": "caption_entities"}


@dataclass(slots=True)
class Upload:
    """A file part of a multipart request."""

    part: str
    filename: str | None
    content_type: str | None
    data: bytes


@dataclass(slots=True)
class CheckedRequest:
    """A request after decoding: typed parameters, file parts, rendered texts, problems."""

    method: MethodSpec
    params: dict[str, Any]
    uploads: dict[str, Upload]
    rendered: dict[str, Rendered] = field(default_factory=dict)
    problems: list[tuple[str, str]] = field(default_factory=list)

    def upload_for(self, name: str) -> Upload | None:
        """The uploaded file a parameter refers to: its own part or attach://part."""
        value = self.params.get(name)
        if isinstance(value, Upload):
            return value
        if isinstance(value, str) and value.startswith(ATTACH_PREFIX):
            return self.uploads.get(value.removeprefix(ATTACH_PREFIX))
        return None


class RequestValidator:
    """Turn raw parameters into a CheckedRequest."""

    def __init__(self, checker: SchemaChecker) -> None:
        self.checker = checker

    def validate(
        self, method: MethodSpec, raw: dict[str, Any], uploads: dict[str, Upload]
    ) -> CheckedRequest:
        """Decode and check every parameter; problems are collected, not raised."""
        request = CheckedRequest(method, {}, uploads)
        for name, value in raw.items():
            spec = method.fields.get(name)
            if spec is None:
                if name in TOLERATED_EXTRAS:
                    continue
                request.problems.append((name, f'unknown parameter "{name}"'))
                continue
            decoded, problem = self._decode(value, spec.types, name, uploads)
            if problem:
                request.problems.append((name, problem))
            else:
                request.params[name] = decoded
        for name, upload in uploads.items():
            spec = method.fields.get(name)
            if spec is not None and "InputFile" in spec.types and name not in raw:
                request.params[name] = upload
        for name, spec in method.fields.items():
            if spec.required and name not in request.params and name not in raw:
                request.problems.append((name, f'parameter "{name}" is required'))
        if request.problems:
            return request
        self._check_semantics(request)
        return request

    def _decode(
        self, value: Any, types: tuple[str, ...], name: str, uploads: dict[str, Upload]
    ) -> tuple[Any, str | None]:
        if isinstance(value, Upload):
            if "InputFile" in types:
                return value, None
            return None, f'"{name}" is {" or ".join(types)}, not a file upload'
        if not isinstance(value, str):
            # A JSON body: the value is typed already.
            return value, self.checker.check(value, types, name, uploads)
        problem: str | None = None
        for type_name in types:
            decoded, ok, why = self._from_text(value, type_name, name, uploads)
            if ok:
                return decoded, None
            problem = problem or why
        return None, problem

    def _from_text(
        self, text: str, type_name: str, name: str, uploads: dict[str, Upload]
    ) -> tuple[Any, bool, str]:
        expected = f'"{name}" must be {type_name}, got {text[:40]!r}'
        if type_name == "String":
            return text, True, ""
        if type_name == "Integer":
            ok = _INT_RE.fullmatch(text) is not None
            return (int(text) if ok else None), ok, expected
        if type_name == "Float":
            try:
                return float(text), True, ""
            except ValueError:
                return None, False, expected
        if type_name == "Boolean":
            lowered = text.lower()
            return lowered in _TRUE, lowered in _TRUE | _FALSE, expected
        if type_name == "InputFile":
            part = text.removeprefix(ATTACH_PREFIX)
            ok = text.startswith(ATTACH_PREFIX) and part in uploads
            return (uploads[part] if ok else None), ok, expected
        assert type_name not in PRIMITIVES
        try:
            decoded = json.loads(text)
        except ValueError:
            return None, False, f'"{name}" must be JSON-encoded {type_name}'
        problem = self.checker.check(decoded, (type_name,), name, uploads)
        return decoded, problem is None, problem or ""

    def _check_semantics(self, request: CheckedRequest) -> None:
        params = request.params
        fields = request.method.fields
        if "parse_mode" in params and (problem := check_parse_mode(params["parse_mode"])):
            request.problems.append(("parse_mode", problem))
            return
        for param, entities_param in _FORMATTED.items():
            value = params.get(param)
            if not isinstance(value, str) or "parse_mode" not in fields:
                continue
            rendered, problem = check_formatted(
                param, value, params.get("parse_mode"), params.get(entities_param)
            )
            if problem:
                request.problems.append((param, problem))
            if rendered is not None:
                request.rendered[param] = rendered
        request.problems.extend(check_method_limits(request.method.name, params))
