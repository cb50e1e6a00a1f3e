"""The YAML reader's fast resolver tags every node exactly as PyYAML's own resolver would."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from yaml.nodes import MappingNode, Node, SequenceNode

from reconciler.specs import yaml_nodes, yamlio

REPO_ROOT = Path(__file__).resolve().parents[2]


class _Reference(yaml.CSafeLoader):
    """PyYAML's resolver with the same one match-all implicit resolver as the reader."""

    yaml_implicit_resolvers = {}  # noqa: RUF012


_Reference.add_implicit_resolver(yaml_nodes.PLAIN_TAG, re.compile(r"(?s).*"), None)

DOCUMENTS = [
    'a: 1\nb: "x"\nc: [1, \'2\', {d: e}]\nempty:\nq: ""\n',
    "---\n- !!str 5\n- !!int 3\n- ''\n-\n- null\n- +447911123456\n---\nx: no\n",
    "x: !custom 1\ny: !!python/object:os.system ls\n",
    "k: |\n  block\n  text\nf: >\n  folded\n",
    "? [a, b]\n: value\n{1: 2}: 3\n",
    "a: &anchor 1\nb: *anchor\n",
    "text: 'it''s'\nmixed: [\"a\", b, 'c', 1.5, true]\n",
]


def _tags(node: Node, out: list[tuple[str, str]]) -> list[tuple[str, str]]:
    out.append((type(node).__name__, node.tag))
    if isinstance(node, SequenceNode):
        for child in node.value:
            _tags(child, out)
    elif isinstance(node, MappingNode):
        for key, value in node.value:
            _tags(key, out)
            _tags(value, out)
    return out


def _example_specs() -> list[str]:
    found = sorted((REPO_ROOT / "campaigns").rglob("*.yaml"))
    return [p.read_text(encoding="utf-8") for p in found]


@pytest.mark.parametrize("text", DOCUMENTS + _example_specs())
def test_resolver_tags_nodes_like_pyyaml(text: str) -> None:
    """Every node of the document gets the tag PyYAML's BaseResolver gives it."""
    ours = [_tags(n, []) for n in yaml.compose_all(text, Loader=yaml_nodes.NodeLoader)]
    theirs = [_tags(n, []) for n in yaml.compose_all(text, Loader=_Reference)]
    assert ours == theirs


def test_a_text_with_an_alias_is_refused() -> None:
    """Skipping the alias walk for texts without "*" never lets an alias through."""
    with pytest.raises(yamlio.YamlError, match="aliases"):
        yamlio.load_documents("a: &x [1, 2]\nb: *x\n")
