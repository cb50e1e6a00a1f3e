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

import re
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from reconciler.errors import Diagnostic, SourceLocation, ValidationFailed
from reconciler.specs.yaml_marks import Marks, outline
from reconciler.specs.yaml_nodes import (
    MAP_TAG,
    SEQ_TAG,
    STR_TAG,
    Path_,
    YamlError,
    check_tag,
    compose_all,
    key_text,
    plain_scalar,
    scalar_value,
)

# Readers of YAML take these from here, beside this module's own functions.
__all__ = ["Path_", "YamlError", "plain_scalar"]


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


def read_yaml_file(path: Path, shown: str) -> list[Document]:
    """Every document of a YAML file; a bad one is a ValidationFailed at ``shown``'s line."""
    try:
        return load_documents(decode_utf8(path.read_bytes()))
    except YamlError as exc:
        location = SourceLocation(shown, exc.line)
        raise ValidationFailed([Diagnostic(location, exc.message, hint=exc.hint)]) from None


def load_documents(text: str) -> list[Document]:
    """Every document of a YAML text, in order; empty documents are skipped."""
    docs: list[Document] = []
    try:
        for index, node in enumerate(compose_all(text)):
            if "*" in text:  # an alias is written "*name": without a "*" there is none
                _refuse_aliases(node)
            data = _construct(node)
            if data is not None:
                marks = Marks(text, index, outline(node))
                docs.append(Document(data, node.start_mark.line + 1, marks))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = exc.problem or "invalid YAML"
        context = f" ({exc.context})" if exc.context else ""
        hint = _template_hint(text, line)
        raise YamlError(f"invalid YAML: {problem}{context}", line, hint) from None
    except yaml.YAMLError as exc:
        raise YamlError(f"invalid YAML: {exc}", None) from None
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


def _construct(node: Node) -> Any:
    """The value of ``node``; a YamlError's path is relative to ``node`` (callers prefix theirs)."""
    cls = node.__class__
    if cls is ScalarNode:
        return scalar_value(node)
    if cls is MappingNode:
        check_tag(node, MAP_TAG)
        return _mapping(node)
    if cls is SequenceNode:
        check_tag(node, SEQ_TAG)
        return _sequence(node)
    raise YamlError("unsupported YAML node", node.start_mark.line + 1)  # pragma: no cover


def _sequence(node: Node) -> list[Any]:
    result: list[Any] = []
    append = result.append
    try:
        for item in node.value:
            append(_construct(item))
    except YamlError as exc:
        exc.path = (len(result), *exc.path)  # the failing item is the next one
        raise
    return result


def _mapping(node: Node) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key_node, value_node in node.value:
        key = key_text(key_node)
        if key in result:
            raise _duplicate(node, key_node, key)
        # Scalars inline: most values of a spec are (a recipient is two of them).
        if value_node.__class__ is ScalarNode and value_node.tag == STR_TAG:
            result[key] = value_node.value
            continue
        try:
            result[key] = _construct(value_node)
        except YamlError as exc:
            exc.path = (key, *exc.path)
            raise
    return result


def _template_hint(text: str, line: int | None) -> str:
    """A hint for a YAML syntax error on a line with an unquoted ``{{`` or ``{%`` value."""
    lines = text.splitlines()
    if line is None or not 0 < line <= len(lines):
        return ""
    if re.search(r"(?:^|:|-)\s+\{[{%]", lines[line - 1]) is None:
        return ""
    return 'a value with Jinja that starts with { must be quoted: write "{{ vars.x }} …"'


def _duplicate(node: Node, key_node: Node, key: str) -> YamlError:
    first = next(k for k, _ in node.value if key_text(k) == key)
    return YamlError(
        f"duplicate key {key!r} (first at line {first.start_mark.line + 1})",
        key_node.start_mark.line + 1,
        hint="a key may appear once per mapping; remove or rename one",
        path=(key,),
    )
