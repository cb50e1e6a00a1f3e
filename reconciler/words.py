"""Counted nouns in messages: ``1 campaign``, ``2 campaigns``, ``4,210 recipients``.

The one place a message picks singular or plural, so none says "1 campaigns", and
"a" or "an", so none says "a image".
"""

from __future__ import annotations

from collections.abc import Sequence


def count(n: int, singular: str, plural: str | None = None) -> str:
    """``n`` and the noun that agrees with it; ``plural`` when adding "s" is wrong."""
    return f"{n:,} {singular if n == 1 else (plural or singular + 's')}"


def first_of(items: Sequence[str], shown: int = 5) -> str:
    """The first ``shown`` items, then how many more: ``a, b, c, d, e and 2 more``."""
    more = len(items) - shown
    return ", ".join(items[:shown]) + (f" and {more} more" if more > 0 else "")


def a(noun: str) -> str:
    """``noun`` with its indefinite article: ``an image``, ``a video``.

    By its first letter: the nouns messages put here (a media format, a parameter type)
    are read as they are spelled, with no silent h or "u" said "you".
    """
    return f"{'an' if noun[:1].lower() in 'aeiou' else 'a'} {noun}"
