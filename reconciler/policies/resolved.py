"""The policies in force for one environment: its own setting, else the project's."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from reconciler.settings import EnvironmentSettings, FrequencyCap, ProjectSettings, QuietHours


@dataclass(frozen=True)
class PolicySettings:
    """The four policies of PRODUCT.md section 11, resolved for one environment."""

    suppression: tuple[str, ...] = ()
    suppression_mode: str = "error"
    frequency_cap: FrequencyCap | None = None
    messaging_limit: int | None = None
    messaging_limit_mode: str = "error"
    quiet_hours: QuietHours | None = None

    @classmethod
    def of(cls, project: ProjectSettings, env: EnvironmentSettings) -> PolicySettings:
        """Each setting of ``env`` replaces the project's; unset at both: the default."""

        def pick(name: str) -> Any:
            own = getattr(env, name)
            return own if own is not None else getattr(project, name)

        return cls(
            suppression=tuple(pick("suppression") or ()),
            suppression_mode=str(pick("suppression_mode") or "error"),
            frequency_cap=pick("frequency_cap"),
            messaging_limit=pick("messaging_limit"),
            messaging_limit_mode=str(pick("messaging_limit_mode") or "error"),
            quiet_hours=pick("quiet_hours"),
        )

    @property
    def needs_recorded(self) -> bool:
        """Whether a policy counts recorded campaigns (frequency cap, messaging limit)."""
        return self.frequency_cap is not None or self.messaging_limit is not None

    @property
    def any(self) -> bool:
        return bool(self.suppression) or self.needs_recorded or self.quiet_hours is not None
