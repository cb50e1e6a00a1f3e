"""``reconciler show PLAN_FILE``: a saved plan as ``plan`` printed it, and whether it is stale.

Reads the plan file and, to tell staleness, the environment's state (read-only); sends
nothing and reads no token. A stale plan is shown with the reason, not refused: only
``apply`` refuses it.
"""

from __future__ import annotations

import dataclasses
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
    check_same_api,
    load_plan,
    saved_plan_as_plan,
)
from reconciler.state.base import StateSnapshot


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
    try:
        snapshot = _current_state(project, saved, os_environ)
    except StalePlanError as exc:
        return ShownPlan(path, saved, _as_plan(saved, None, path), stale=exc.message)
    except ReconcilerError as exc:
        return ShownPlan(path, saved, _as_plan(saved, None, path), unknown=exc.one_line())
    try:
        check_not_stale(saved, snapshot)
    except StalePlanError as exc:
        return ShownPlan(path, saved, _as_plan(saved, snapshot, path), stale=exc.message)
    return ShownPlan(path, saved, _as_plan(saved, snapshot, path))


def _current_state(
    project: Project, saved: SavedPlan, os_environ: Mapping[str, str]
) -> StateSnapshot:
    env = project.environment(saved.environment, os_environ)
    check_same_api(saved, env.api_url)
    return read_state(env, project.root)


def _as_plan(saved: SavedPlan, snapshot: StateSnapshot | None, path: Path) -> Plan:
    """The saved creates (and the record moves still possible), at the saved lineage,
    with the warnings the plan showed when it was saved."""
    snapshot = snapshot or StateSnapshot.empty(saved.environment)
    moves = tuple(m for m in saved.moves if m[0] in snapshot.campaigns)
    plan = saved_plan_as_plan(dataclasses.replace(saved, moves=moves), snapshot, path.name)
    return dataclasses.replace(
        plan,
        lineage=saved.lineage,
        serial=saved.serial,
        state_exists=saved.state_exists,
        diagnostics=saved.warnings,
        counted=saved.summary,
    )
