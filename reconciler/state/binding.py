"""Which environment and API a state belongs to, and the one check that it is the right one.

A state bound to another environment or API must never be written or planned against:
a switched state would create every campaign again.
"""

from __future__ import annotations

from dataclasses import dataclass

from reconciler.errors import StateError
from reconciler.state.base import StateSnapshot


def normalise_api_url(api_url: str) -> str:
    """API URLs compare without surrounding blanks or a trailing slash."""
    return api_url.strip().rstrip("/")


@dataclass(frozen=True)
class Binding:
    """An environment and its API URL (None: a reader not told the API accepts any)."""

    environment: str
    api_url: str | None = None

    def matches(self, environment: str, api_url: str | None) -> bool:
        """Whether a state bound to (``environment``, ``api_url``) is this binding's."""
        return environment == self.environment and (
            self.api_url is None
            or api_url is None
            or normalise_api_url(api_url) == normalise_api_url(self.api_url)
        )

    def refuse_stored(self, display: str, environment: str, api_url: str) -> None:
        """Raise unless the state at ``display``, bound as stored, is this binding's."""
        if self.matches(environment, api_url):
            return
        hint = (
            "a switched state store must not re-create every campaign: point `state:` of "
            f"environment {self.environment!r} at its own state"
        )
        if environment != self.environment:
            raise StateError(
                f"state {display} belongs to environment {environment!r}, not {self.environment!r}",
                hint=hint,
            )
        wanted = normalise_api_url(self.api_url or "")
        raise StateError(f"state {display} is bound to API {api_url}, not {wanted}", hint=hint)

    def check(self, snapshot: StateSnapshot, *, must_exist: bool = False) -> None:
        """Refuse a snapshot of another environment or API, or a missing one that must exist."""
        if not snapshot.exists:
            if must_exist:
                raise StateError(
                    f"the state of environment {self.environment} does not exist "
                    "(require_state is true)",
                    hint="check the state setting; pass --new-state to create it deliberately",
                )
            return
        if not self.matches(snapshot.environment, snapshot.api_url):
            raise StateError(
                f"this state belongs to environment {snapshot.environment} at "
                f"{snapshot.api_url}, not {self.environment} at {self.api_url}",
                hint="a switched state would create every campaign again; check the state setting",
            )
