"""Safe YAML reading with YAML 1.2 scalars and a line for every value.

libyaml (``CSafeLoader``) composes the node graph; we build the Python values
ourselves so that:

- only YAML 1.2 core-schema scalars become numbers, booleans or null, and a plain
  scalar with a leading ``+`` (``+447911123456``) or leading zeros (``00123``) stays
  text, as does anything else (``no``, ``on``, ``2027-10-28``);
- no tag beyond the standard ``!!str !!int !!float !!bool !!null !!seq !!map`` is
  accepted (``!!python/object`` and custom ``!x`` are errors);
- duplicate mapping keys are errors;
- anchors and aliases are refused: the node graph is checked once for shared nodes,
  so an alias bomb is rejected in time and memory linear in the file's size;
- each value's path maps to the line where it was written (``Marks``).
"""

from __future__ import annotations

import math
import re
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

Path_ = tuple[str | int, ...]

_PLAIN = "tag:reconciler,2026:plain"
_STD = "tag:yaml.org,2002:"
_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")
_BOOL = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
# Decimal integers as JSON writes them: no "+", no leading zeros (those stay text).
_INT = re.compile(r"^-?(?:0|[1-9][0-9]*)$")
_INT_OCT = re.compile(r"^0o[0-7]+$")
_INT_HEX = re.compile(r"^0x[0-9a-fA-F]+$")
_FLOAT = re.compile(
    r"^-?(?:0|[1-9][0-9]*)?\.[0-9]+(?:[eE][-+]?[0-9]+)?$"
    r"|^-?(?:0|[1-9][0-9]*)\.$"
    r"|^-?(?:0|[1-9][0-9]*)(?:\.[0-9]*)?[eE][-+]?[0-9]+$"
)


class YamlError(Exception):
    """A problem in a YAML text at a 1-based line (``None`` when unknown)."""

    def __init__(self, message: str, line: int | None, hint: str = "", path: Path_ = ()) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.hint = hint
        self.path = path


class _Loader(yaml.CSafeLoader):
    """libyaml parser whose only implicit resolution marks plain scalars as plain."""

    yaml_implicit_resolvers = {}  # noqa: RUF012 (PyYAML's class-level registry)

    def resolve(self, kind: Any, value: str, implicit: tuple[bool, bool]) -> str:
        # What BaseResolver.resolve returns with our one match-all resolver and no path
        # resolvers, without its per-scalar list building: libyaml calls this for every
        # node, and it was a tenth of loading 1,000 specs (benchmarks/RESULTS.md).
        if kind is ScalarNode:
            return _PLAIN if implicit[0] else _STD + "str"
        return _STD + "seq" if kind is SequenceNode else _STD + "map"


_Loader.add_implicit_resolver(_PLAIN, re.compile(r"(?s).*"), None)


@dataclass
class Marks:
    """The 1-based line of every value, by path; mappings also keep their own line."""

    lines: dict[Path_, int] = field(default_factory=dict)

    def line_of(self, path: Path_) -> int | None:
        """The line of ``path``, or of its nearest ancestor that was written."""
        for end in range(len(path), -1, -1):
            line = self.lines.get(tuple(path[:end]))
            if line is not None:
                return line
        return None


@dataclass
class Document:
    """One YAML document: its value, the line it starts on, and every value's line."""

    data: Any
    line: int
    marks: Marks


def decode_utf8(raw: bytes) -> str:
    """Text of a file that must be UTF-8 (a BOM is allowed); YamlError names the line."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise YamlError(
            "file is not valid UTF-8",
            line,
            hint="save the file as UTF-8 (a byte-order mark is allowed)",
        ) from None


def load_documents(text: str) -> list[Document]:
    """Every document of a YAML text, in order; empty documents are skipped."""
    loader = _Loader(text)
    docs: list[Document] = []
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is None:
                continue
            if "*" in text:  # an alias is written "*name": without a "*" there is none
                _refuse_aliases(node)
            marks = Marks()
            data = _construct(node, (), marks)
            if data is None:
                continue
            docs.append(Document(data, node.start_mark.line + 1, marks))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = exc.problem or "invalid YAML"
        context = f" ({exc.context})" if exc.context else ""
        raise YamlError(f"invalid YAML: {problem}{context}", line) from None
    except yaml.YAMLError as exc:
        raise YamlError(f"invalid YAML: {exc}", None) from None
    finally:
        loader.dispose()
    return docs


def _children(node: Node) -> Iterator[tuple[Node, int]]:
    """Each child with the line that refers to it (for a mapping value: its key's line)."""
    if isinstance(node, SequenceNode):
        for item in node.value:
            yield item, node.start_mark.line + 1
    elif isinstance(node, MappingNode):
        for key, value in node.value:
            yield key, key.start_mark.line + 1
            yield value, key.start_mark.line + 1


def _refuse_aliases(root: Node) -> None:
    """An alias makes a node reachable twice; find one without expanding anything."""
    seen: set[int] = set()
    # Breadth-first in document order, so the alias (not its anchor) is reported.
    queue = deque([(root, root.start_mark.line + 1)])
    while queue:
        node, line = queue.popleft()
        if id(node) in seen:
            raise YamlError(
                "anchors and aliases (&name, *name) are not supported",
                line,
                hint="repeat the value, or use a variable or a Jinja macro",
            )
        seen.add(id(node))
        queue.extend(_children(node))


def _construct(node: Node, path: Path_, marks: Marks) -> Any:
    marks.lines.setdefault(path, node.start_mark.line + 1)
    line = node.start_mark.line + 1
    if isinstance(node, ScalarNode):
        return _scalar(node, line, path)
    if isinstance(node, SequenceNode):
        _check_tag(node, _STD + "seq", line, path)
        return [_construct(item, (*path, i), marks) for i, item in enumerate(node.value)]
    if isinstance(node, MappingNode):
        _check_tag(node, _STD + "map", line, path)
        return _mapping(node, path, marks)
    raise YamlError("unsupported YAML node", line, path=path)  # pragma: no cover


def _mapping(node: MappingNode, path: Path_, marks: Marks) -> dict[str, Any]:
    result: dict[str, Any] = {}
    first_line: dict[str, int] = {}
    for key_node, value_node in node.value:
        key_line = key_node.start_mark.line + 1
        if not isinstance(key_node, ScalarNode):
            raise YamlError("a mapping key must be text", key_line, path=path)
        key = _scalar(key_node, key_line, path)
        if not isinstance(key, str):
            key = str(key).lower() if isinstance(key, bool) else str(key)
        if key in result:
            raise YamlError(
                f"duplicate key {key!r} (first at line {first_line[key]})",
                key_line,
                hint="a key may appear once per mapping; remove or rename one",
                path=(*path, key),
            )
        first_line[key] = key_line
        # The key's line is where users look for the value (a block value starts below).
        marks.lines[(*path, key)] = key_line
        result[key] = _construct(value_node, (*path, key), marks)
    return result


def _check_tag(node: Node, expected: str, line: int, path: Path_) -> None:
    if node.tag != expected:
        raise _tag_error(node.tag, line, path)


def _tag_error(tag: str, line: int, path: Path_) -> YamlError:
    shown = tag.replace(_STD, "!!")
    return YamlError(
        f"YAML tag {shown!r} is not allowed",
        line,
        hint="only plain YAML values are accepted: remove the tag",
        path=path,
    )


def _scalar(node: ScalarNode, line: int, path: Path_) -> Any:
    value: str = node.value
    tag = node.tag
    if tag == _PLAIN:
        return plain_scalar(value)
    if tag == _STD + "str":
        return value
    kind = tag[len(_STD) :] if tag.startswith(_STD) else ""
    if kind in ("int", "float", "bool", "null"):
        typed = plain_scalar(value)
        ok = {
            "int": isinstance(typed, int) and not isinstance(typed, bool),
            "float": isinstance(typed, (int, float)) and not isinstance(typed, bool),
            "bool": isinstance(typed, bool),
            "null": typed is None,
        }[kind]
        if not ok:
            raise YamlError(f"{value!r} is not a valid !!{kind}", line, path=path)
        return float(typed) if kind == "float" else typed
    raise _tag_error(tag, line, path)


def plain_scalar(value: str) -> Any:
    """A plain (unquoted) scalar read with the YAML 1.2 core schema, stricter on numbers."""
    if _NULL.match(value):
        return None
    if value in _BOOL:
        return _BOOL[value]
    if _INT.match(value):
        return int(value)
    if _INT_OCT.match(value):
        return int(value[2:], 8)
    if _INT_HEX.match(value):
        return int(value[2:], 16)
    if _FLOAT.match(value):
        number = float(value)
        return number if math.isfinite(number) else value
    return value
