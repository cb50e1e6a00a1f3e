"""libyaml's nodes as Python values: the parser, scalars (YAML 1.2 core schema) and keys.

Only YAML 1.2 core-schema scalars become numbers, booleans or null; a plain scalar with
a leading ``+`` or leading zeros stays text; no tag beyond the standard ones is accepted.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Iterator
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

Path_ = tuple[str | int, ...]

PLAIN_TAG = "tag:reconciler,2026:plain"
STD_TAG = "tag:yaml.org,2002:"
STR_TAG, SEQ_TAG, MAP_TAG = STD_TAG + "str", STD_TAG + "seq", STD_TAG + "map"
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


class NodeLoader(yaml.CSafeLoader):
    """libyaml parser whose only implicit resolution marks plain scalars as plain."""

    yaml_implicit_resolvers = {}  # noqa: RUF012 (PyYAML's class-level registry)

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        # libyaml calls these two around every node; with no path resolvers (we add
        # none) they do nothing, so C no-ops taking the same arguments replace them:
        # 10 % of composing 1,000 specs (0.45 -> 0.40 s).
        self.descend_resolver = operator.is_  # type: ignore[assignment]
        self.ascend_resolver = tuple  # type: ignore[assignment]

    def resolve(self, kind: Any, value: str, implicit: tuple[bool, bool]) -> str:
        # What BaseResolver.resolve returns with our one match-all resolver and no path
        # resolvers, without its per-scalar list building: libyaml calls this for every
        # node, and it was a tenth of loading 1,000 specs (benchmarks/RESULTS.md).
        if kind is ScalarNode:
            return PLAIN_TAG if implicit[0] else STD_TAG + "str"
        return STD_TAG + "seq" if kind is SequenceNode else STD_TAG + "map"


NodeLoader.add_implicit_resolver(PLAIN_TAG, re.compile(r"(?s).*"), None)


def compose_all(text: str) -> Iterator[Node]:
    """The document nodes of ``text``, in order (empty documents give none)."""
    loader = NodeLoader(text)
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is not None:
                yield node
    finally:
        loader.dispose()


def key_text(node: Node) -> str:
    """A mapping key as text (``1`` -> "1", ``true`` -> "true"); its errors have path ()."""
    if node.__class__ is not ScalarNode:
        template = _unquoted_template(node)
        if template is not None:
            raise YamlError(
                f"{template} without quotes is read as a YAML mapping, not a template: "
                f'write it in quotes, "{template}"',
                node.start_mark.line + 1,
                hint=_QUOTE_HINT,
            )
        raise YamlError("a mapping key must be text", node.start_mark.line + 1)
    value = node.value
    if node.tag == PLAIN_TAG:
        key = _KEYS.get(value)
        if key is not None:
            return key
        typed = plain_scalar(value)
        if isinstance(typed, str):
            if len(_KEYS) < _KEYS_MAX:
                _KEYS[value] = typed
            return typed
    else:
        typed = scalar_value(node)
    if not isinstance(typed, str):
        typed = str(typed).lower() if isinstance(typed, bool) else str(typed)
    return typed


_QUOTE_HINT = (
    "YAML reads a plain value that starts with { as a mapping; quote the whole value "
    "(a value that is exactly one {{ expression }} still keeps the expression's type)"
)


def _unquoted_template(node: Node) -> str | None:
    """``{{ x }}`` when ``node`` is the inner ``{x: null}`` that YAML makes of it, else None.

    YAML reads an unquoted ``{{ x }}`` as a flow mapping whose one key is the flow mapping
    ``{x: null}``, so that inner mapping is a key, and a key must be text.
    """
    if node.__class__ is not MappingNode or len(node.value) != 1:
        return None
    key, value = node.value[0]
    plain = key.__class__ is ScalarNode and key.tag == PLAIN_TAG
    if not plain or value.__class__ is not ScalarNode or value.value != "":
        return None
    return f"{{{{ {key.value.strip()} }}}}"


# Plain keys that stay text, by their text: the same few keys (id, to_number, name)
# are read hundreds of times per spec. Bounded so that a file of unique keys cannot grow it.
_KEYS: dict[str, str] = {}
_KEYS_MAX = 4096


def check_tag(node: Node, expected: str) -> None:
    if node.tag != expected:
        raise _tag_error(node.tag, node.start_mark.line + 1)


def _tag_error(tag: str, line: int) -> YamlError:
    shown = tag.replace(STD_TAG, "!!")
    hint = "only plain YAML values are accepted: remove the tag"
    return YamlError(f"YAML tag {shown!r} is not allowed", line, hint)


def scalar_value(node: Node) -> Any:
    value: str = node.value
    tag = node.tag
    if tag == PLAIN_TAG:
        return plain_scalar(value)
    if tag == STR_TAG:
        return value
    line = node.start_mark.line + 1
    kind = tag[len(STD_TAG) :] if tag.startswith(STD_TAG) else ""
    if kind in ("int", "float", "bool", "null"):
        typed = _plain_reference(value)
        ok = {
            "int": isinstance(typed, int) and not isinstance(typed, bool),
            "float": isinstance(typed, (int, float)) and not isinstance(typed, bool),
            "bool": isinstance(typed, bool),
            "null": typed is None,
        }[kind]
        if not ok:
            raise YamlError(f"{value!r} is not a valid !!{kind}", line)
        return float(typed) if kind == "float" else typed
    raise _tag_error(tag, line)


# First characters of a plain scalar that may be typed (null, bool, int, float): any
# other is text. Most keys and values (id, status, Asia/Kolkata) are decided by this.
_MAYBE_TYPED = frozenset("~nNtTfF-.0123456789")
_WORDS: dict[str, Any] = {"~": None, "null": None, "Null": None, "NULL": None, **_BOOL}


def plain_scalar(value: str) -> Any:
    """A plain (unquoted) scalar read with the YAML 1.2 core schema, stricter on numbers."""
    # The patterns' "$" also matches before a final newline: such text takes the full path.
    if value and value[-1] != "\n":
        first = value[0]
        if first not in _MAYBE_TYPED:
            return value
        if first in "~nNtTfF":
            return _WORDS.get(value, value)  # (a word's first letter is none of . - digits)
    return _plain_reference(value)


def _plain_reference(value: str) -> Any:
    """``plain_scalar`` by the patterns alone (the definition its fast checks follow)."""
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
