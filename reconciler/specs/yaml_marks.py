"""The line where each value of a YAML document was written, by its path."""

from __future__ import annotations

import itertools

from yaml.nodes import MappingNode, Node, SequenceNode

from reconciler.specs.yaml_nodes import Path_, compose_all, key_text


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
    return next(itertools.islice(compose_all(text), index, None))


def outline(root: Node) -> dict[Path_, int]:
    """The line of every path that goes through mappings only (no list index)."""
    lines: dict[Path_, int] = {(): root.start_mark.line + 1}
    stack: list[tuple[Node, Path_]] = [(root, ())] if root.__class__ is MappingNode else []
    while stack:
        node, path = stack.pop()
        for key_node, value_node in node.value:
            at = (*path, key_text(key_node))
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
            if key_text(key_node) == part:
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
