"""Counted nouns agree with their number."""

from __future__ import annotations

import pytest

from reconciler.words import a, count


@pytest.mark.parametrize(
    ("n", "expected"),
    [(0, "0 campaigns"), (1, "1 campaign"), (2, "2 campaigns"), (4210, "4,210 campaigns")],
)
def test_count_agrees_with_the_number(n: int, expected: str) -> None:
    """Singular for exactly one, plural otherwise, thousands separated."""
    assert count(n, "campaign") == expected


def test_count_takes_an_irregular_plural() -> None:
    """A plural that is not singular + "s" is given."""
    assert count(1, "journal entry", "journal entries") == "1 journal entry"
    assert count(3, "journal entry", "journal entries") == "3 journal entries"


@pytest.mark.parametrize(
    ("noun", "expected"),
    [("image", "an image"), ("video", "a video"), ("document", "a document"),
     ("IMAGE", "an IMAGE"), ("date_time", "a date_time")],
)  # fmt: skip
def test_a_noun_gets_the_article_its_first_letter_asks(noun: str, expected: str) -> None:
    assert a(noun) == expected
