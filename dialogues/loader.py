"""Reading format files: YAML with line numbers, schema and cross-checks, then a catalog.

A broken file yields problems naming the file, the YAML line of the offending field, the
field's path and a plain explanation; nothing half-loaded is ever returned.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from dialogues.crossrefs import Loc, check_references
from dialogues.schema import Format

FORMATS_DIR = Path(__file__).parent / "formats"


@dataclass(frozen=True)
class FormatProblem:
    """One thing wrong with a format file."""

    file: str
    line: int | None
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line or '?'}: {self.field or '(file)'}: {self.message}"


class FormatLoadError(Exception):
    """A format file (or the catalog) could not be loaded; `problems` says why."""

    def __init__(self, problems: list[FormatProblem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


# libyaml's parser when PyYAML was built with it (the wheels are): about ten times faster,
# which is most of what loading the catalog costs a short command such as `refleks summary`.
_Base: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_Base):  # type: ignore[valid-type,misc]
    """YAML 1.1 reads yes/no/on/off as booleans and bare dates as dates; in a format file
    they are words and ids ("no" is a fine option value), so only true/false stay special."""


_Loader.yaml_implicit_resolvers = {
    first: [
        (tag, rx)
        for tag, rx in resolvers
        if tag not in ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:timestamp")
    ]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def _line(node: Node) -> int:
    return int(node.start_mark.line) + 1


def _kind_of(node: MappingNode) -> str | None:
    for key, value in node.value:
        if key.value == "kind" and isinstance(value, ScalarNode):
            return str(value.value)
    return None


def _field_name(parts: list[str | int]) -> str:
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def locate(root: Node | None, loc: Loc, *, tagged: bool = False) -> tuple[int | None, str]:
    """The YAML line and the field path for a location in the document.

    Pydantic puts the tag of a discriminated union (a step's kind) after the list index;
    with `tagged` such a part is recognised and left out. A missing field points at the
    mapping that should hold it.
    """
    node: Node | None = root
    line = _line(root) if root is not None else None
    parts: list[str | int] = []
    previous_was_index = False
    for part in loc:
        is_tag = (
            tagged
            and previous_was_index
            and isinstance(node, MappingNode)
            and _kind_of(node) == part
        )
        previous_was_index = isinstance(part, int)
        if is_tag:
            continue
        parts.append(part)
        if isinstance(node, MappingNode) and isinstance(part, str):
            match = next(((k, v) for k, v in node.value if k.value == part), None)
            node = match[1] if match else None
            line = _line(match[0]) if match else line
        elif isinstance(node, SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
            line = _line(node)
        else:
            node = None
    return line, _field_name(parts)


def _plain_message(error: Any) -> str:
    kind = error["type"]
    loc = error["loc"]
    last = loc[-1] if loc else ""
    if kind == "missing":
        if last in ("da", "en"):
            return f"the {'Danish' if last == 'da' else 'English'} text ({last}) is missing"
        return f"'{last}' is required but missing"
    if kind == "extra_forbidden":
        return f"unknown key '{last}' (check the spelling; unknown keys are not allowed)"
    if kind == "union_tag_invalid":
        ctx = error.get("ctx", {})
        return f"unknown step kind '{ctx.get('tag')}'; use one of {ctx.get('expected_tags')}"
    if kind == "union_tag_not_found":
        return "every step needs a 'kind'"
    if kind == "string_too_short" and last in ("da", "en"):
        return f"the {'Danish' if last == 'da' else 'English'} text ({last}) is empty"
    if kind == "string_pattern_mismatch":
        return (
            f"'{error.get('input')}' is not a valid id: use lower-case letters, digits and _ "
            "(format ids use -)"
        )
    message = str(error["msg"])
    return message[:1].lower() + message[1:]


def _duplicate_keys(node: Node | None, file: str) -> Iterator[FormatProblem]:
    """PyYAML keeps the last of two equal keys silently; a format file must not rely on it."""
    if isinstance(node, MappingNode):
        seen: set[str] = set()
        for key, value in node.value:
            if key.value in seen:
                yield FormatProblem(file, _line(key), str(key.value), "this key appears twice")
            seen.add(key.value)
            yield from _duplicate_keys(value, file)
    elif isinstance(node, SequenceNode):
        for child in node.value:
            yield from _duplicate_keys(child, file)


def parse_format(
    text: str, file: str, expected_id: str | None = None, *, check_texts: bool = True
) -> Format | FormatLoadError:
    """Parse and check one format's YAML text; returns the format or the error to raise.

    CHECK_TEXTS also compiles every templated text and renders it against sample answers
    (dialogues.textchecks): most of what loading costs, and needed only where the texts
    are shown to people.
    """
    loader = _Loader(text)
    try:
        root = loader.get_single_node()
        data = loader.construct_document(root) if root is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = int(mark.line) + 1 if mark else None
        return FormatLoadError([FormatProblem(file, line, "", f"YAML syntax: {exc.problem}")])
    finally:
        loader.dispose()
    problems = list(_duplicate_keys(root, file))
    if not isinstance(data, dict):
        problems.append(FormatProblem(file, 1, "", "a format file must be a YAML mapping"))
        return FormatLoadError(problems)
    try:
        fmt = Format.model_validate(data)
    except ValidationError as exc:
        for error in exc.errors():
            line, field = locate(root, error["loc"], tagged=True)
            problems.append(FormatProblem(file, line, field, _plain_message(error)))
        return FormatLoadError(problems)
    if expected_id is not None and fmt.id != expected_id:
        line, field = locate(root, ("id",))
        problems.append(
            FormatProblem(file, line, field, f"the id must match the file name: '{expected_id}'")
        )
    findings = check_references(fmt)
    if check_texts:
        from dialogues.textchecks import check_texts as text_findings

        findings += text_findings(fmt)
    for loc, message in findings:
        line, field = locate(root, loc)
        problems.append(FormatProblem(file, line, field, message))
    return FormatLoadError(problems) if problems else fmt


def _read(path: Path, *, check_texts: bool = True) -> Format | FormatLoadError:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return FormatLoadError([FormatProblem(str(path), None, "", f"cannot read: {exc}")])
    return parse_format(text, str(path), expected_id=path.stem, check_texts=check_texts)


def load_format_file(path: str | Path) -> Format:
    """Load one format file; raises FormatLoadError naming file, line and field."""
    found = _read(Path(path))
    if isinstance(found, FormatLoadError):
        raise found
    return found


class Catalog:
    """The formats the bot offers, by id."""

    def __init__(self, formats: Iterable[Format]) -> None:
        self._formats = {fmt.id: fmt for fmt in formats}

    def get(self, format_id: str) -> Format | None:
        """The format with `format_id`, or None."""
        return self._formats.get(format_id)

    def ids(self) -> list[str]:
        """Every format id, sorted."""
        return sorted(self._formats)

    def __iter__(self) -> Iterator[Format]:
        return iter(self._formats[i] for i in self.ids())

    def __len__(self) -> int:
        return len(self._formats)

    def __contains__(self, format_id: object) -> bool:
        return format_id in self._formats


def _load_all(
    directory: Path, *, check_texts: bool = True
) -> tuple[list[Format], list[FormatProblem]]:
    formats: list[Format] = []
    problems: list[FormatProblem] = []
    files = sorted(directory.glob("*.yaml"))
    if not files:
        problems.append(FormatProblem(str(directory), None, "", "no format files (*.yaml) here"))
    for path in files:
        found = _read(path, check_texts=check_texts)
        if isinstance(found, FormatLoadError):
            problems.extend(found.problems)
        else:
            formats.append(found)
    return formats, problems


def check_directory(directory: str | Path) -> list[FormatProblem]:
    """Every problem in every format file of `directory` (empty when all are sound)."""
    return _load_all(Path(directory))[1]


def load_catalog(directory: str | Path | None = None, *, check_texts: bool = True) -> Catalog:
    """Load every format (default: the package's own); raises FormatLoadError on problems.

    Without CHECK_TEXTS every file is still read and checked against the schema and its
    own references, but its texts are not rendered against sample answers.
    """
    folder = Path(directory) if directory is not None else FORMATS_DIR
    formats, problems = _load_all(folder, check_texts=check_texts)
    if problems:
        raise FormatLoadError(problems)
    return Catalog(formats)
