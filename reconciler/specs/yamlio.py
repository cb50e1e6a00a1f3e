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
import operator
import re
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

Path_ = tuple[str | int, ...]

_PLAIN = "tag:reconciler,2026:plain"
_STD = "tag:yaml.org,2002:"
_STR, _SEQ, _MAP = _STD + "str", _STD + "seq", _STD + "map"
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
            return _PLAIN if implicit[0] else _STD + "str"
        return _STD + "seq" if kind is SequenceNode else _STD + "map"


_Loader.add_implicit_resolver(_PLAIN, re.compile(r"(?s).*"), None)


class Marks:
    """The 1-based line of every value, by path; mappings also keep their own line.

    The line of a mapping's value is its key's line (users look there when a block
    value starts below); of a list item, the item's own first line. Recording a line
    for every value was a fifth of loading 1,000 specs of 100 recipients, and keeping
    the node tree instead kept ~5 objects per value alive for the collector, so only
    the paths through mappings alone (the spec's own fields: a few dozen) are kept;
    a path through a list (a recipient) composes the text again, once, when asked.
    """

    def __init__(self, text: str, index: int, outline: dict[Path_, int]) -> None:
        self._text = text
        self._index = index  # which composed document of the text
        self._outline = outline
        self._root: Node | None = None

    @property
    def lines(self) -> _Lines:
        """``lines.get(path)``: the line of exactly ``path``, or None."""
        return _Lines(self)

    def line_of(self, path: Path_) -> int | None:
        """The line of ``path``, or of its nearest ancestor that was written."""
        if all(isinstance(part, str) for part in path):
            for end in range(len(path), 0, -1):
                line = self._outline.get(tuple(path[:end]))
                if line is not None:
                    return line
            return self._outline[()]
        return _find(self._tree(), path, exact=False)

    def get(self, path: Path_) -> int | None:
        """The line of exactly ``path``, or None when it was not written."""
        if all(isinstance(part, str) for part in path):
            return self._outline.get(tuple(path))
        return _find(self._tree(), path, exact=True)

    def _tree(self) -> Node:
        """The document's node tree, composed again from the text (kept once asked)."""
        if self._root is None:
            self._root = _compose(self._text, self._index)
        return self._root


def _compose(text: str, index: int) -> Node:
    """The ``index``-th document node of ``text`` (a text that composed before)."""
    loader = _Loader(text)
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is None:
                continue
            if index == 0:
                return node
            index -= 1
    finally:
        loader.dispose()
    raise AssertionError("the text composed differently")  # pragma: no cover


@dataclass(frozen=True)
class _Lines:
    """``Marks.lines``: ``get(path)`` is the line of exactly ``path``, or None."""

    marks: Marks

    def get(self, path: Path_) -> int | None:
        """The line where ``path`` was written, or None when it was not."""
        return self.marks.get(path)


def _outline(root: Node) -> dict[Path_, int]:
    """The line of every path that goes through mappings only (no list index)."""
    lines: dict[Path_, int] = {(): root.start_mark.line + 1}
    stack: list[tuple[Node, Path_]] = [(root, ())] if root.__class__ is MappingNode else []
    while stack:
        node, path = stack.pop()
        for key_node, value_node in node.value:
            at = (*path, _key(key_node))
            lines[at] = key_node.start_mark.line + 1
            if value_node.__class__ is MappingNode:
                stack.append((value_node, at))
    return lines


def _find(root: Node, path: Path_, *, exact: bool) -> int | None:
    """The line of ``path``; when it was not written, None if ``exact`` else the ancestor's."""
    node = root
    line: int = node.start_mark.line + 1
    for part in path:
        found = _child(node, part)
        if found is None:
            return None if exact else line
        node, line = found
    return line


def _child(node: Node, part: object) -> tuple[Node, int] | None:
    """The child of ``node`` at path element ``part`` and the line that refers to it."""
    cls = node.__class__
    if cls is MappingNode:
        for key_node, value_node in node.value:
            if _key(key_node) == part:
                return value_node, key_node.start_mark.line + 1
    elif cls is SequenceNode and not isinstance(part, str):
        index = _index(part)
        if index is not None and 0 <= index < len(node.value):
            item = node.value[index]
            return item, item.start_mark.line + 1
    return None


def _index(part: object) -> int | None:
    """``part`` as a list index when it equals one (as a path tuple's element would)."""
    try:
        index = int(part)  # type: ignore[call-overload]
    except (TypeError, ValueError, OverflowError):
        return None
    return index if index == part else None


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
    index = 0
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is None:
                continue
            if "*" in text:  # an alias is written "*name": without a "*" there is none
                _refuse_aliases(node)
            data = _construct(node)
            if data is not None:
                marks = Marks(text, index, _outline(node))
                docs.append(Document(data, node.start_mark.line + 1, marks))
            index += 1
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = exc.problem or "invalid YAML"
        context = f" ({exc.context})" if exc.context else ""
        hint = _template_hint(text, line)
        raise YamlError(f"invalid YAML: {problem}{context}", line, hint) from None
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


def _construct(node: Node) -> Any:
    """The value of ``node``; a YamlError's path is relative to ``node`` (callers prefix theirs)."""
    cls = node.__class__
    if cls is ScalarNode:
        return _scalar(node)
    if cls is MappingNode:
        _check_tag(node, _MAP)
        return _mapping(node)
    if cls is SequenceNode:
        _check_tag(node, _SEQ)
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
        key = _key(key_node)
        if key in result:
            raise _duplicate(node, key_node, key)
        # Scalars inline: most values of a spec are (a recipient is two of them).
        if value_node.__class__ is ScalarNode and value_node.tag == _STR:
            result[key] = value_node.value
            continue
        try:
            result[key] = _construct(value_node)
        except YamlError as exc:
            exc.path = (key, *exc.path)
            raise
    return result


def _key(node: Node) -> str:
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
    if node.tag == _PLAIN:
        key = _KEYS.get(value)
        if key is not None:
            return key
        typed = plain_scalar(value)
        if isinstance(typed, str):
            if len(_KEYS) < _KEYS_MAX:
                _KEYS[value] = typed
            return typed
    else:
        typed = _scalar(node)
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
    plain = key.__class__ is ScalarNode and key.tag == _PLAIN
    if not plain or value.__class__ is not ScalarNode or value.value != "":
        return None
    return f"{{{{ {key.value.strip()} }}}}"


def _template_hint(text: str, line: int | None) -> str:
    """A hint for a YAML syntax error on a line with an unquoted ``{{`` or ``{%`` value."""
    lines = text.splitlines()
    if line is None or not 0 < line <= len(lines):
        return ""
    if re.search(r"(?:^|:|-)\s+\{[{%]", lines[line - 1]) is None:
        return ""
    return 'a value with Jinja that starts with { must be quoted: write "{{ vars.x }} …"'


# Plain keys that stay text, by their text: the same few keys (id, to_number, name)
# are read hundreds of times per spec. Bounded so that a file of unique keys cannot grow it.
_KEYS: dict[str, str] = {}
_KEYS_MAX = 4096


def _duplicate(node: Node, key_node: Node, key: str) -> YamlError:
    first = next(k for k, _ in node.value if _key(k) == key)
    return YamlError(
        f"duplicate key {key!r} (first at line {first.start_mark.line + 1})",
        key_node.start_mark.line + 1,
        hint="a key may appear once per mapping; remove or rename one",
        path=(key,),
    )


def _check_tag(node: Node, expected: str) -> None:
    if node.tag != expected:
        raise _tag_error(node.tag, node.start_mark.line + 1, ())


def _tag_error(tag: str, line: int, path: Path_) -> YamlError:
    shown = tag.replace(_STD, "!!")
    return YamlError(
        f"YAML tag {shown!r} is not allowed",
        line,
        hint="only plain YAML values are accepted: remove the tag",
        path=path,
    )


def _scalar(node: Node) -> Any:
    value: str = node.value
    tag = node.tag
    if tag == _PLAIN:
        return plain_scalar(value)
    if tag == _STR:
        return value
    line = node.start_mark.line + 1
    kind = tag[len(_STD) :] if tag.startswith(_STD) else ""
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
    raise _tag_error(tag, line, ())


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
