"""The YAML reader's fast construction and on-demand lines equal the eager reference.

The reference below is an eager reader: PyYAML's own resolver
(path resolvers included), every value constructed with its path, and a line recorded
for every path. Generated documents (valid ones, and ones with duplicate keys, refused
tags, bad ``!!int`` values, non-text keys) must give the same data (types included),
the same line for every path asked, and the same error (message, line, path, hint).
"""

from __future__ import annotations

import math
import re
from typing import Any

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from reconciler.specs import yaml_nodes
from reconciler.specs.yamlio import YamlError, load_documents, plain_scalar

Path_ = tuple[str | int, ...]
_STD = "tag:yaml.org,2002:"


class _RefLoader(yaml.CSafeLoader):
    yaml_implicit_resolvers = {}  # noqa: RUF012 (PyYAML's class-level registry)


_RefLoader.add_implicit_resolver(yaml_nodes.PLAIN_TAG, re.compile(r"(?s).*"), None)

_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")
_BOOL = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_INT = re.compile(r"^-?(?:0|[1-9][0-9]*)$")
_INT_OCT = re.compile(r"^0o[0-7]+$")
_INT_HEX = re.compile(r"^0x[0-9a-fA-F]+$")
_FLOAT = re.compile(
    r"^-?(?:0|[1-9][0-9]*)?\.[0-9]+(?:[eE][-+]?[0-9]+)?$"
    r"|^-?(?:0|[1-9][0-9]*)\.$"
    r"|^-?(?:0|[1-9][0-9]*)(?:\.[0-9]*)?[eE][-+]?[0-9]+$"
)


def _ref_plain(value: str) -> Any:
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


def _ref_tag_error(tag: str, line: int, path: Path_) -> YamlError:
    shown = tag.replace(_STD, "!!")
    return YamlError(
        f"YAML tag {shown!r} is not allowed",
        line,
        hint="only plain YAML values are accepted: remove the tag",
        path=path,
    )


def _ref_scalar(node: Node, line: int, path: Path_) -> Any:
    value, tag = node.value, node.tag
    if tag == yaml_nodes.PLAIN_TAG:
        return _ref_plain(value)
    if tag == _STD + "str":
        return value
    kind = tag[len(_STD) :] if tag.startswith(_STD) else ""
    if kind in ("int", "float", "bool", "null"):
        typed = _ref_plain(value)
        ok = {
            "int": isinstance(typed, int) and not isinstance(typed, bool),
            "float": isinstance(typed, (int, float)) and not isinstance(typed, bool),
            "bool": isinstance(typed, bool),
            "null": typed is None,
        }[kind]
        if not ok:
            raise YamlError(f"{value!r} is not a valid !!{kind}", line, path=path)
        return float(typed) if kind == "float" else typed
    raise _ref_tag_error(tag, line, path)


def _ref_construct(node: Node, path: Path_, lines: dict[Path_, int]) -> Any:
    lines.setdefault(path, node.start_mark.line + 1)
    line = node.start_mark.line + 1
    if isinstance(node, ScalarNode):
        return _ref_scalar(node, line, path)
    expected = _STD + ("seq" if isinstance(node, SequenceNode) else "map")
    if node.tag != expected:
        raise _ref_tag_error(node.tag, line, path)
    if isinstance(node, SequenceNode):
        return [_ref_construct(item, (*path, i), lines) for i, item in enumerate(node.value)]
    assert isinstance(node, MappingNode)
    result: dict[str, Any] = {}
    first_line: dict[str, int] = {}
    for key_node, value_node in node.value:
        key_line = key_node.start_mark.line + 1
        if not isinstance(key_node, ScalarNode):
            raise YamlError("a mapping key must be text", key_line, path=path)
        key = _ref_scalar(key_node, key_line, path)
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
        lines[(*path, key)] = key_line
        result[key] = _ref_construct(value_node, (*path, key), lines)
    return result


def _ref_line_of(lines: dict[Path_, int], path: Path_) -> int | None:
    for end in range(len(path), -1, -1):
        line = lines.get(tuple(path[:end]))
        if line is not None:
            return line
    return None


def _reference(text: str) -> list[tuple[Any, int, dict[Path_, int]]]:
    """(data, line, lines) per non-empty document, as the reader did before."""
    out = []
    for node in yaml.compose_all(text, Loader=_RefLoader):
        lines: dict[Path_, int] = {}
        data = _ref_construct(node, (), lines)
        if data is not None:
            out.append((data, node.start_mark.line + 1, lines))
    return out


def _typed(value: Any) -> Any:
    """``value`` with every scalar's type next to it (True == 1 and 1 == 1.0 otherwise)."""
    if isinstance(value, dict):
        return {k: _typed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_typed(v) for v in value]
    return (type(value).__name__, value)


def _error(exc: YamlError) -> tuple[Any, ...]:
    return (exc.message, exc.line, exc.hint, tuple(exc.path))


def _probes(lines: dict[Path_, int]) -> list[Path_]:
    """Every written path, and paths that go past or beside them (missing keys, indexes)."""
    probes: list[Path_] = []
    for path in lines:
        probes += [path, (*path, "missing"), (*path, 0), (*path, -1), (*path, 99, "x")]
        if path and isinstance(path[-1], int):
            probes.append((*path[:-1], str(path[-1])))  # "0" is not index 0
    return probes


def assert_same_as_reference(text: str) -> None:
    """Data, lines and errors of ``load_documents(text)`` equal the reference's."""
    try:
        expected = _reference(text)
    except YamlError as exc:
        try:
            load_documents(text)
        except YamlError as ours:
            assert _error(ours) == _error(exc)
            return
        raise AssertionError(f"no error, expected {_error(exc)}") from None
    except yaml.YAMLError:
        return  # libyaml's own errors: the same parser on both sides
    docs = load_documents(text)
    assert len(docs) == len(expected)
    for doc, (data, line, lines) in zip(docs, expected, strict=True):
        assert _typed(doc.data) == _typed(data)
        assert doc.line == line
        for path in _probes(lines):
            assert doc.marks.get(path) == lines.get(path), path
            assert doc.marks.line_of(path) == _ref_line_of(lines, path), path


_TOKENS = [
    "11",
    "-3",
    "0",
    "00123",
    "+447911123456",
    "1.5",
    "-2.",
    ".5",
    "1e3",
    "1.0e+9",
    ".inf",
    "0x1F",
    "0o17",
    "true",
    "False",
    "TRUE",
    "no",
    "on",
    "null",
    "Null",
    "~",
    "''",
    '""',
    '"x"',
    "'it''s'",
    '"11"',
    "!!str 11",
    "!!int 11",
    "!!float 2",
    "!!bool true",
    "!!null ''",
    "2027-10-28",
    "Asia/Kolkata",
    "cust-001",
    "n",
    "t1",
    '"null\\n"',
    '!!null "null\\n"',
    '!!int "12\\n"',
    "[a, 1, '2']",
    "{a: 1, b: [x]}",
    "!!map {a: 1}",
    "!!seq [1]",
    "[]",
    "{}",
    "",
]
_BAD_TOKENS = [
    "!!int x",
    "!!int 1.5",
    "!!float x",
    "!!bool 1",
    "!!null x",
    "!custom 1",
    "!!python/object:os.system ls",
    "{a: 1, a: 2}",
    "!!set {a}",
]
_KEYS = ["id", "to_number", "a", "b", "c", "1", "true", "null", "~", "'a'", '"1"', "!!str b",
         "!!int 2", "1.5", "no", "name", "t"]  # fmt: skip
_BAD_KEYS = ["!!int z", "[k]", "{k: v}", "!x k"]


def _rarely(common: list[str], rare: list[str]) -> st.SearchStrategy[str]:
    """Mostly ``common``, one draw in 40 from ``rare`` (an error ends the document)."""
    return st.integers(0, 39).flatmap(lambda n: st.sampled_from(rare if n == 0 else common))


_key = _rarely(_KEYS, _BAD_KEYS)
_SAME_KEY = {"'a'": "a", '"1"': "1", "~": "null", "!!str b": "b", "!!int 2": "2"}


def _pairs(values: st.SearchStrategy[Any], max_size: int | None = None) -> st.SearchStrategy[Any]:
    """Key-value pairs with distinct keys, but one mapping in 20 repeats its first key."""
    pairs = st.lists(
        st.tuples(_key, values),
        max_size=max_size,
        unique_by=lambda kv: _SAME_KEY.get(kv[0], kv[0]),
    )
    return st.tuples(pairs, st.integers(0, 19)).map(
        lambda p: p[0] + p[0][:1] if p[1] == 0 else p[0]
    )


_plain_text = st.text(alphabet="abnNtTfF~-+.0123456789eExo_/: ", min_size=0, max_size=8)


@st.composite
def _scalar_text(draw: st.DrawFn) -> str:
    choice = draw(st.integers(0, 2))
    if choice == 0:
        return draw(_rarely(_TOKENS, _BAD_TOKENS))
    text = draw(_plain_text).strip()
    if choice == 1 and text and not text.startswith(("-", "?", ":")) and ": " not in text:
        return text.rstrip(":")
    return '"' + text.replace("\\", "\\\\") + '"'


def _block(node: Any, indent: int) -> list[str]:
    pad = " " * indent
    if isinstance(node, str):
        return [pad + node]
    kind, items = node
    lines: list[str] = []
    for key, value in items:
        head = f"{pad}- " if kind == "seq" else f"{pad}{key}:"
        if isinstance(value, str):
            lines.append(f"{head} {value}".rstrip())
        elif kind == "seq" and value[0] == "map" and value[1]:
            inner = _block(value, indent + 2)
            lines.append(head + inner[0].lstrip())
            lines.extend(inner[1:])
        else:
            lines.append(head.rstrip())
            lines.extend(_block(value, indent + 2) if value[1] else [pad + "  {}"])
    return lines


_tree = st.recursive(
    _scalar_text(),
    lambda children: (
        st.tuples(st.just("map"), _pairs(children, max_size=5))
        | st.tuples(st.just("seq"), st.lists(st.tuples(st.just(""), children), max_size=5))
    ),
    max_leaves=25,
)


@st.composite
def _documents(draw: st.DrawFn) -> str:
    docs = []
    for _ in range(draw(st.integers(1, 3))):
        top = draw(st.tuples(st.just("map"), _pairs(_tree)))
        docs.append("\n".join(_block(top, 0)) + "\n")
    return "---\n".join(docs)


@settings(max_examples=400, deadline=None)
@given(_documents())
def test_generated_documents_load_as_the_reference(text: str) -> None:
    """Fast construction and on-demand lines give what the eager reference gives."""
    assert_same_as_reference(text)


@settings(max_examples=2000, deadline=None)
@given(st.one_of(_plain_text, st.text(max_size=12), st.sampled_from(_TOKENS + _BAD_TOKENS)))
def test_plain_scalar_equals_the_patterns(value: str) -> None:
    """The first-character shortcut decides exactly what the core-schema patterns decide."""
    for text in (value, value + "\n"):
        assert _typed(plain_scalar(text)) == _typed(_ref_plain(text))


SPEC = """\
key: k
name: "Promo"
touchpoint:
  type: WHATSAPP
  start_at: 2027-10-28T10:00:00+05:30
  additional_settings:
    execution_days: [mon, tue]
    from_numbers:
      - "+919800000001"
  customer_details:
    - id: c1
      to_number: "+919812345601"
    - {id: c2, to_number: +919812345602}
    -
      id: 3
      to_number: !!str 4
"""


def test_a_spec_loads_as_the_reference() -> None:
    """A spec shaped like the real ones: every path's line, nested and flow style."""
    assert_same_as_reference(SPEC)
    (doc,) = load_documents(SPEC)
    assert doc.marks.line_of(("touchpoint", "customer_details", 2, "to_number")) == 16
    assert doc.marks.get(("touchpoint", "customer_details", 2)) == 15


def test_errors_carry_the_full_path() -> None:
    """A deep error's path is built on the way out; keys and indexes as the reference."""
    for bad in ("a:\n  - x\n  - {b: !!int q}\n", "a:\n  b: 1\n  b: 2\n", "a: [1, !x 2]\n"):
        assert_same_as_reference(bad)
    try:
        load_documents("a:\n  - x\n  - {b: !!int q}\n")
    except YamlError as exc:
        assert (exc.line, exc.path) == (3, ("a", 1, "b"))
    else:
        raise AssertionError("no error")
