"""The YAML reader: YAML 1.2 scalars, no tags, no aliases, a line for every value."""

from __future__ import annotations

import tracemalloc
from collections.abc import Iterator
from typing import Any

import pytest

from reconciler.specs.yamlio import YamlError, decode_utf8, load_documents
from tests.specs.cases import BOMB


def _one(text: str) -> object:
    (doc,) = load_documents(text)
    return doc.data


@pytest.mark.parametrize(
    ("written", "value"),
    [
        ("+447911123456", "+447911123456"),
        ("no", "no"),
        ("yes", "yes"),
        ("on", "on"),
        ("00123", "00123"),
        ("11", 11),
        ("-3", -3),
        ("1.5", 1.5),
        ("true", True),
        ("false", False),
        ("null", None),
        ("~", None),
        ("2027-10-28", "2027-10-28"),
        ("2027-10-28T10:00:00+05:30", "2027-10-28T10:00:00+05:30"),
        (".inf", ".inf"),
        ("0x1F", 31),
        ('"11"', "11"),
        ("!!str 11", "11"),
        ("!!int 11", 11),
        ("!!float 2", 2.0),
    ],
)
def test_scalars_follow_yaml_1_2_and_keep_text(written: str, value: object) -> None:
    """Only core-schema numbers and true/false are typed; everything else stays text."""
    data = _one(f"v: {written}\n")
    assert data == {"v": value}
    assert type(data["v"]) is type(value)  # type: ignore[index]


def test_every_value_has_its_line() -> None:
    """Keys, nested values and list items map to the line they were written on."""
    (doc,) = load_documents("a: 1\nb:\n  c:\n    - x\n    - y: 2\n")
    assert doc.marks.line_of(("a",)) == 1
    assert doc.marks.line_of(("b",)) == 2
    assert doc.marks.line_of(("b", "c", 1)) == 5
    assert doc.marks.line_of(("b", "c", 1, "y")) == 5
    assert doc.marks.line_of(("b", "missing")) == 2


def test_several_documents_keep_their_start_lines() -> None:
    """Each document of a file is read, with the line it starts on; empty ones are skipped."""
    docs = load_documents("a: 1\n---\nb: 2\n---\n")
    assert [(d.data, d.line) for d in docs] == [({"a": 1}, 1), ({"b": 2}, 3)]


def test_alias_bomb_is_rejected_with_bounded_memory() -> None:
    """A billion-laughs document fails without expanding anything."""
    tracemalloc.start()
    try:
        with pytest.raises(YamlError, match="aliases"):
            load_documents(BOMB)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 20_000_000


def test_alias_bomb_is_refused_after_bounded_work(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rejection is linear in the file: the alias check visits at most the nodes written
    in it (never their 9**9 expansion), and nothing is constructed from the document."""
    from reconciler.specs import yamlio

    written = 1 + 9 + 9 + 9 + 8 * 9  # root, keys, sequences, "lol"s, aliases
    visited = 0
    children = yamlio._children

    def counted(node: Any) -> Iterator[tuple[Any, int]]:
        nonlocal visited
        visited += 1
        assert visited <= written, "the alias check walks more nodes than the file holds"
        yield from children(node)

    def constructed(node: Any) -> Any:
        raise AssertionError("a document with aliases was constructed (expanded)")

    monkeypatch.setattr(yamlio, "_children", counted)
    monkeypatch.setattr(yamlio, "_construct", constructed)
    with pytest.raises(YamlError, match="aliases"):
        load_documents(BOMB)
    assert visited <= written


def test_bom_is_allowed_and_other_encodings_are_not() -> None:
    """A UTF-8 byte-order mark is fine; UTF-16 is an error with a line."""
    assert decode_utf8(b"\xef\xbb\xbfa: 1\n") == "a: 1\n"
    with pytest.raises(YamlError, match="UTF-8"):
        decode_utf8("a: 1\n".encode("utf-16"))


def test_mapping_keys_are_text() -> None:
    """A numeric key becomes its text, so field paths stay strings."""
    assert _one("1: a\ntrue: b\n") == {"1": "a", "true": "b"}


@pytest.mark.parametrize(
    ("text", "line", "path", "written"),
    [
        ("a: 1\nb: {{ vars.x }}\n", 2, ("b",), "{{ vars.x }}"),
        ("a:\n  - {{vars.x|upper}}\n", 2, ("a", 0), "{{ vars.x|upper }}"),
        ("text: {{1}}\n", 1, ("text",), "{{ 1 }}"),
    ],
)
def test_an_unquoted_template_is_named_as_a_yaml_mapping(
    text: str, line: int, path: tuple[object, ...], written: str
) -> None:
    """`{{ x }}` unquoted is a flow mapping to YAML: say so, and how to quote it."""
    with pytest.raises(YamlError) as caught:
        load_documents(text)
    assert (caught.value.line, caught.value.path) == (line, path)
    assert "read as a YAML mapping" in caught.value.message
    assert f'write it in quotes, "{written}"' in caught.value.message
    assert "quote the whole value" in caught.value.hint


def test_a_syntax_error_beside_an_unquoted_template_hints_at_quotes() -> None:
    """`{{ x }} text` does not parse at all; the hint says why."""
    with pytest.raises(YamlError) as caught:
        load_documents("a: 1\nname: {{ vars.x }} promo\n")
    assert caught.value.line == 2
    assert "must be quoted" in caught.value.hint
    with pytest.raises(YamlError) as plain:
        load_documents("a: [1\n")
    assert plain.value.hint == ""
