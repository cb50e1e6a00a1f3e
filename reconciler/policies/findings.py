"""A policy's finding: what the plan shows, the JSON lists and apply refuses on."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from reconciler.errors import Diagnostic, Severity, SourceLocation
from reconciler.masking import mask_phone

EXAMPLES = 3  # numbers shown per finding (masked unless --show-sensitive)


@dataclass(frozen=True)
class Finding:
    """One finding: ``keys`` the campaigns it concerns (a campaign to create first),
    ``count`` how many recipients (or, for the messaging limit, unique recipients),
    ``examples`` a few of the numbers, as recorded (the renderers mask them)."""

    policy: str
    severity: Severity
    keys: tuple[str, ...]
    count: int
    examples: tuple[str, ...]
    message: str
    hint: str = ""
    location: SourceLocation = field(default_factory=lambda: SourceLocation(""))
    note: bool = False  # says what was done or not checked: stays a warning under --strict

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def diagnostic(self) -> Diagnostic:
        """The finding as a diagnostic: the plan's warnings and errors list it."""
        where = f"policies.{self.policy}" + (NOTE_SUFFIX if self.note else "")
        shown = ", ".join(map(mask_phone, self.examples))
        message = f"{self.message}; e.g. {shown}" if shown else self.message
        return Diagnostic(self.location, message, where, self.hint, self.severity)


NOTE_SUFFIX = ".note"


def is_note(field_path: str) -> bool:
    """Whether a diagnostic's field is a policy's note (kept a warning by --strict)."""
    return field_path.startswith("policies.") and field_path.endswith(NOTE_SUFFIX)


def severity_of(mode: str) -> Severity:
    """``warn`` flags; anything else (``error``) refuses."""
    return Severity.WARNING if mode == "warn" else Severity.ERROR


def examples_of(numbers: Iterable[str]) -> tuple[str, ...]:
    """The first few numbers, in order, for a finding."""
    return tuple(sorted(numbers)[:EXAMPLES])
