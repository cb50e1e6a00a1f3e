"""User-facing problems, as types.

Every problem a user can cause or fix is a ``ReconcilerError``; the CLI turns
them into messages and exit codes in one place (``reconciler.cli``). Anything
else that escapes is a bug and is reported as such.

    ReconcilerError                      exit 1
    ├── ValidationFailed                 one or more Diagnostics (specs, project file)
    ├── ConfigError                      a project/environment setting is wrong
    ├── StateError                       the state store is missing, foreign, newer, unreadable
    │   ├── StateLockedError             another writer holds the environment's lock
    │   └── JournalPendingError          a fallback journal awaits ``state recover``
    ├── StalePlanError                   a saved plan no longer matches the state
    ├── GuardError                       a guard (max_creates, suppression, --strict…) refuses
    └── AbortedError                     the user declined, or there is no terminal to ask
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TypeAlias

from reconciler.words import count


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, order=True)
class SourceLocation:
    """Where a problem is: a file relative to the project root, a 1-based line."""

    file: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        if self.line is None:
            return self.file
        return f"{self.file}:{self.line}"


# Where, which field, what is wrong, how bad: see ``Diagnostic.problem_key``.
ProblemKey: TypeAlias = tuple[SourceLocation, str, str, Severity]


@dataclass(frozen=True)
class Diagnostic:
    """One problem found in the user's input.

    ``field`` is the dotted path of the value (``touchpoint.customer_details[1].to_number``),
    empty when the problem is the file itself. ``excerpt`` is rendered text shown when a
    whole-file template has moved lines.
    """

    location: SourceLocation
    message: str
    field: str = ""
    hint: str = ""
    severity: Severity = Severity.ERROR
    excerpt: str = ""

    def sort_key(self) -> tuple[str, int, str, str]:
        return (self.location.file, self.location.line or 0, self.field, self.message)

    def problem_key(self) -> ProblemKey:
        """What makes two diagnostics one problem: where, which field, what is wrong.

        Not the hint or the rendered excerpt: a loop of a whole-file template renders the
        same source line once per document, and each environment with its own values.
        """
        return (self.location, self.field, self.message, self.severity)

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR


def sort_diagnostics(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    """Diagnostics ordered by file, then line, as users read them."""
    return sorted(diagnostics, key=Diagnostic.sort_key)


def unique_diagnostics(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    """Each problem once (``Diagnostic.problem_key``): the first found with an excerpt,
    else the first found (a loop's first document often renders at the source's lines)."""
    kept: dict[ProblemKey, Diagnostic] = {}
    for diagnostic in diagnostics:
        key = diagnostic.problem_key()
        if key not in kept or (diagnostic.excerpt and not kept[key].excerpt):
            kept[key] = diagnostic
    return list(kept.values())


class ReconcilerError(Exception):
    """Base of every user-facing problem. ``hint`` says what to do about it.

    ``diagnostics`` are the problems behind it, as data: the CLI's handler shows each,
    in this order, before the message.
    """

    exit_code: int = 1

    def __init__(
        self,
        message: str,
        *,
        hint: str = "",
        location: SourceLocation | None = None,
        diagnostics: Sequence[Diagnostic] = (),
    ) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.location = location
        self.diagnostics = list(diagnostics)

    def __str__(self) -> str:
        """The message, then each error diagnostic's, one a line (for logs and tests)."""
        return "\n".join([self.message, *(d.message for d in self.diagnostics if d.is_error)])

    def one_line(self, *, hints: bool = False) -> str:
        """Why it happened, in one line, for a page or a status line that shows it: its
        errors' own text (where, which setting, what; with ``hints``, what to do), else
        its message. Never a summary such as "1 error found; nothing was written"."""
        errors = [d for d in self.diagnostics if d.is_error]
        if not errors:
            where = f"{self.location}: " if self.location is not None else ""
            hint = f" (hint: {self.hint})" if hints and self.hint else ""
            return f"{where}{self.message}{hint}"
        lines = []
        for d in errors:
            field = f"{d.field}: " if d.field else ""
            hint = f" (hint: {d.hint})" if hints and d.hint else ""
            lines.append(f"{d.location}: {field}{d.message}{hint}")
        return "; ".join(lines)


class ValidationFailed(ReconcilerError):
    """Input did not validate; carries every diagnostic, errors and warnings."""

    def __init__(self, diagnostics: Sequence[Diagnostic]) -> None:
        ordered = sort_diagnostics(diagnostics)
        errors = sum(1 for d in ordered if d.is_error)
        super().__init__(
            f"{count(errors, 'error')} found; nothing was written.", diagnostics=ordered
        )


class ConfigError(ReconcilerError):
    """A project or environment setting is wrong."""


class StateError(ReconcilerError):
    """The state store cannot be used as asked."""


class StateLockedError(StateError):
    """Another writer holds the environment's lock."""


class JournalPendingError(StateError):
    """Outcomes wait in the fallback journal; ``state recover`` must merge them first."""


class StalePlanError(ReconcilerError):
    """A saved plan was made against another state, or its campaigns were recorded since."""


class GuardError(ReconcilerError):
    """A safety guard refuses the operation; ``diagnostics`` holds each guard's finding."""


class AbortedError(ReconcilerError):
    """The user declined, or confirmation was needed and nobody could give it."""


def relative_to_root(path: Path, root: Path) -> str:
    """A path as users see it in messages: relative to the project root, POSIX style."""
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()
