"""``reconciler show PLAN_FILE``: a saved plan as ``plan`` printed it, and whether it is stale.

Reads the plan file and, to tell staleness, the environment's state (read-only); sends
nothing and reads no token. A stale plan is shown with the reason, not refused: only
``apply`` refuses it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reconciler.commands.plan import read_state
from reconciler.config import Project
from reconciler.errors import ReconcilerError, StalePlanError
from reconciler.masking import mask_text
from reconciler.plan import Plan
from reconciler.planfile import (
    SavedPlan,
    check_not_stale,
    load_plan,
    reviewed_plan,
    saved_environment,
)


@dataclass(frozen=True)
class ShownPlan:
    """A saved plan, as a Plan to render, and why it is stale now (empty: it is not)."""

    path: Path
    saved: SavedPlan
    plan: Plan
    stale: str = ""
    unknown: str = ""  # why staleness could not be checked (the state cannot be read)

    @property
    def is_stale(self) -> bool | None:
        """True or False, or None when it cannot be told (``unknown`` says why)."""
        if self.unknown:
            return None
        return bool(self.stale)

    def header(self) -> dict[str, Any]:
        """Where the plan comes from: lineage, serial, tool version, commit, staleness."""
        s = self.saved
        return {
            "plan_file": self.path.name,
            "environment": s.environment,
            "api_url": s.api_url,
            "created_at": s.created_at,
            "tool_version": s.tool_version,
            "git_commit": s.git_commit,
            "lineage": s.lineage,
            "serial": s.serial,
            "stale": self.is_stale,
            "stale_reason": mask_text(self.stale) or None,
            "stale_unknown": mask_text(self.unknown) or None,
        }


def show_saved(project: Project, path: Path, *, os_environ: Mapping[str, str]) -> ShownPlan:
    """Load ``path`` and check it against its environment's state as it is now."""
    saved = load_plan(path)
    snapshot, stale, unknown = None, "", ""
    try:
        snapshot = read_state(saved_environment(saved, project, os_environ))
        check_not_stale(saved, snapshot)
    except StalePlanError as exc:
        stale = exc.message
    except ReconcilerError as exc:
        unknown = exc.one_line()
    return ShownPlan(path, saved, reviewed_plan(saved, snapshot, path.name), stale, unknown)
