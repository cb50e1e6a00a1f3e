"""The plan use case in process: real specs, a real state read-only, promotion, guards."""

from __future__ import annotations

import os
import stat
from datetime import UTC, datetime

import pytest

from reconciler.commands.plan import PlanRequest, make_plan_for_env, save_plan
from reconciler.config import load_project
from reconciler.errors import StateError, ValidationFailed
from reconciler.plan import ActionKind
from reconciler.planfile import check_not_stale, load_plan
from reconciler.specs.loader import resolve_variables
from reconciler.state import read_snapshot
from tests.planner.project import desired, write_state
from tests.support.projects import PROMOTION, make_project, spec, specs

NOW = datetime(2030, 1, 1, tzinfo=UTC)


@pytest.fixture
def root(tmp_path):
    """dev and prod (promoted from dev), with the specs promo and sale."""
    return make_project(tmp_path / "p", specs("promo", "sale"), environments=PROMOTION)


def plan_env(root, env="dev", targets=(), **kwargs):
    project = load_project(project_dir=root)
    variables = resolve_variables(project, env, os_environ={})
    return make_plan_for_env(project, PlanRequest(env, variables, NOW, {}, targets), **kwargs)


def tree_listing(root):
    """Every file's bytes, leaving out SQLite's WAL side files (a reader's, not a write)."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in root.rglob("*")
        if p.is_file() and not p.name.endswith(("-wal", "-shm"))
    }


def test_missing_state_plans_everything_and_creates_nothing(root):
    """Without a state every campaign is a create, and no state file or folder appears."""
    outcome = plan_env(root)
    assert [a.kind for a in outcome.plan.actions] == [ActionKind.CREATE, ActionKind.CREATE]
    assert not (root / ".reconciler").exists()


def test_plan_reads_the_state_and_changes_nothing(root):
    """With a state, recorded keys are unchanged/in doubt and the state files are untouched."""
    write_state(root, created=("promo",), in_doubt=("sale",))
    before = tree_listing(root)
    outcome = plan_env(root)
    assert {a.key: a.kind for a in outcome.plan.actions} == {
        "promo": ActionKind.UNCHANGED,
        "sale": ActionKind.IN_DOUBT,
    }
    assert tree_listing(root) == before
    after = read_snapshot(".reconciler/dev.sqlite", "dev", root=root)
    assert after.serial == outcome.snapshot.serial


def test_require_state_refuses_a_missing_state_unless_new_state(root):
    """prod has require_state: a missing state is an error, --new-state plans it as empty."""
    with pytest.raises(StateError, match="does not exist"):
        plan_env(root, "prod")
    outcome = plan_env(root, "prod", new_state=True)
    assert outcome.plan.summary["awaiting_promotion"] == 2
    assert not (root / ".reconciler").exists()


def test_promotion_waits_for_the_source_environment(root):
    """prod creates only what dev created from the same source."""
    write_state(root, "dev", created=("promo",))
    outcome = plan_env(root, "prod", new_state=True)
    kinds = {a.key: a.kind for a in outcome.plan.actions}
    assert kinds == {"promo": ActionKind.CREATE, "sale": ActionKind.AWAITING_PROMOTION}
    (root / "campaigns/promo.yaml").write_text(spec("promo").replace("promo campaign", "Promo!"))
    outcome = plan_env(root, "prod", new_state=True)
    action = next(a for a in outcome.plan.actions if a.key == "promo")
    assert action.kind is ActionKind.AWAITING_PROMOTION
    assert action.reason == (
        "dev created an older source: the body dev would send differs from what it created (name)"
    )


def test_spec_errors_raise_validation_failed(root):
    """A bad spec stops the plan with every diagnostic."""
    (root / "campaigns/bad.yaml").write_text(
        spec("bad").replace("start_hour: 10", "start_hours: 10")
    )
    with pytest.raises(ValidationFailed) as info:
        plan_env(root)
    assert any(d.location.file == "campaigns/bad.yaml" for d in info.value.diagnostics)


def test_guards_and_strict_fail_the_outcome(root):
    """--max-creates below the creates fails; --strict turns a gone warning into an error."""
    assert plan_env(root, max_creates=1).failed
    assert not plan_env(root, max_creates=2).failed
    write_state(root, created=("promo",))
    (root / "campaigns/promo.yaml").unlink()
    assert not plan_env(root).failed
    assert plan_env(root, strict=True).failed


def test_targets_limit_the_plan(root):
    """--target keeps only matching keys."""
    assert [a.key for a in plan_env(root, targets=("s*",)).plan.actions] == ["sale"]


def test_saved_plan_round_trips_and_is_not_stale_until_applied(tmp_path):
    """save_plan writes a 0600 file that is not stale against the same state."""
    root = make_project(tmp_path / "p", specs("promo", "sale"), environments=PROMOTION)
    write_state(root, created=("promo",))
    outcome = plan_env(root)
    path = tmp_path / "plan.json"
    save_plan(outcome, path, now=NOW)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    saved = load_plan(path)
    assert [c.key for c in saved.creates] == ["sale"]
    assert saved.creates[0].fingerprint == desired(root)["sale"].fingerprint
    snapshot = read_snapshot(".reconciler/dev.sqlite", "dev", root=root)
    check_not_stale(saved, snapshot)
