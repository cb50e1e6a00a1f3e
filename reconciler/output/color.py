"""When to colour output: only on a terminal, never with ``NO_COLOR`` or into a pipe.

``NO_COLOR`` (any non-empty value, https://no-color.org) always wins; ``FORCE_COLOR``
(non-empty) turns colour on without a terminal, for CI logs that render ANSI; a dumb
terminal gets none.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TextIO

_CODES: Mapping[str, str] = {
    "green": "32",
    "yellow": "33",
    "red": "31",
    "magenta": "35",
    "cyan": "36",
    "bold": "1",
    "dim": "2",
}


def should_color(stream: TextIO, env: Mapping[str, str]) -> bool:
    """Whether text written to ``stream`` may carry ANSI colour codes (``env``: the runtime's)."""
    if env.get("NO_COLOR", ""):
        return False
    if env.get("FORCE_COLOR", ""):
        return True
    if env.get("TERM", "") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty is not None and isatty())
    except ValueError:  # a closed stream
        return False


def paint(text: str, style: str, *, enabled: bool) -> str:
    """``text`` in ``style`` (a name of ``_CODES``) when colour is enabled, else unchanged."""
    code = _CODES.get(style)
    if not enabled or code is None or not text:
        return text
    return f"\x1b[{code}m{text}\x1b[0m"
