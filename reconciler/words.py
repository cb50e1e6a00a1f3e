"""Counted nouns in messages: ``1 campaign``, ``2 campaigns``, ``4,210 recipients``.

The one place a message picks singular or plural, so none says "1 campaigns".
"""

from __future__ import annotations


def count(n: int, singular: str, plural: str | None = None) -> str:
    """``n`` and the noun that agrees with it; ``plural`` when adding "s" is wrong."""
    return f"{n:,} {singular if n == 1 else (plural or singular + 's')}"
