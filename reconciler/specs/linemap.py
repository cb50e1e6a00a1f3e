"""Lines of a rendered ``*.yaml.j2`` file back to the lines of its source.

Each source line becomes a pattern (its literal text, with every Jinja fragment a
wildcard). A rendered line maps to a source line whose pattern matches it,
preferring the first one after the previous rendered line's source (a loop goes
back to its body's first line). When no line matches, the rendered excerpt is all
the user gets, so diagnostics from such files always carry one when lines moved.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

_FRAGMENT = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}")
_STATEMENT_ONLY = re.compile(r"^\s*(\{%.*?%\}|\{#.*?#\})\s*$")


def _pattern(line: str) -> re.Pattern[str] | None:
    if _STATEMENT_ONLY.match(line) or not line.strip():
        return None
    parts = _FRAGMENT.split(line.rstrip())
    return re.compile(".*?".join(re.escape(p) for p in parts) + r"\s*")


@dataclass
class LineMap:
    """Maps 1-based rendered lines to source lines; identity when nothing moved."""

    source: str
    rendered: str
    _mapped: list[int | None] = field(default_factory=list, init=False)

    def __post_init__(self) -> None:
        source_lines = self.source.splitlines()
        patterns = [_pattern(line) for line in source_lines]
        previous = 0
        for text in self.rendered.splitlines():
            hits = [i + 1 for i, p in enumerate(patterns) if p is not None and p.fullmatch(text)]
            after = [h for h in hits if h > previous]
            chosen = after[0] if after else (hits[0] if hits else None)
            self._mapped.append(chosen)
            if chosen is not None:
                previous = chosen

    def source_line(self, rendered_line: int | None) -> int | None:
        """The source line for a rendered line (or the nearest mapped line above it)."""
        if rendered_line is None:
            return None
        for index in range(min(rendered_line, len(self._mapped)) - 1, -1, -1):
            if self._mapped[index] is not None:
                return self._mapped[index]
        return 1

    def shifted(self, rendered_line: int | None) -> bool:
        """Whether the rendered line is not at the same line in the source."""
        if rendered_line is None:
            return False
        index = rendered_line - 1
        return index >= len(self._mapped) or self._mapped[index] != rendered_line

    def excerpt(
        self, rendered_line: int, context: int = 2, *, shown: Callable[[str], str] = str
    ) -> str:
        """Rendered lines around ``rendered_line``, numbered, the line itself marked.

        Each line is input, echoed: ``shown`` is what may be displayed of it (masked).
        """
        lines = self.rendered.splitlines()
        start = max(rendered_line - 1 - context, 0)
        stop = min(rendered_line + context, len(lines))
        out = []
        for number in range(start + 1, stop + 1):
            mark = ">" if number == rendered_line else " "
            out.append(f"{mark}{number:>4} {shown(lines[number - 1])}")
        return "\n".join(out)
