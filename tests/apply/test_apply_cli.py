"""apply through the real CLI (in-process sandbox): approval, token, saved plans, no-op.

Every test that writes a state runs on each backend (``target``: SQLite, PostgreSQL).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from reconciler.state import read_snapshot
from tests.support.backends import StateTarget
from tests.support.cli import run_cli
from tests.support.projects import make_project, numbered, one_file, plain_spec


def _no_state(target: StateTarget, before: set[Path] | None = None) -> bool:
    """No state was created (a SQLite file, or PostgreSQL tables), nor any file or folder."""
    if before is not None and set(target.root.rglob("*")) != before:
        return False
    return not read_snapshot(target.location, "dev", root=target.root).exists


def test_without_a_terminal_apply_refuses_and_writes_nothing(target: StateTarget) -> None:
    """No --auto-approve in a pipe: exit 1, the plan shown, no state created."""
    root = make_project(target.root, one_file(numbered(2)), state=target.location)
    before = set(root.rglob("*"))
    result = run_cli("apply", "--env", "dev", cwd=root)
    assert result.returncode == 1
    assert "--auto-approve" in result.stderr
    assert "c000" in result.stderr  # the plan was shown first
    assert _no_state(target, before)  # not even a lock file


def test_a_missing_token_names_the_variable_and_sends_nothing(target: StateTarget) -> None:
    """A real API without its token: ConfigError naming CONTACTSWING_TOKEN; no state."""
    root = make_project(
        target.root, one_file(numbered(2)), api_url="http://127.0.0.1:9", state=target.location
    )
    before = set(root.rglob("*"))
    result = run_cli("apply", "--env", "dev", "--auto-approve", cwd=root)
    assert result.returncode == 1
    assert "CONTACTSWING_TOKEN" in result.stderr
    assert _no_state(target, before)


def test_a_no_op_apply_writes_nothing(target: StateTarget) -> None:
    """With nothing to create, apply makes no state at all and exits 0."""
    root = make_project(target.root, one_file([]), state=target.location)
    before = set(root.rglob("*"))
    result = run_cli("apply", "--env", "dev", "--format", "json", cwd=root)
    assert result.returncode == 0, result.output
    assert json.loads(result.stdout)["nothing_to_do"] is True
    assert _no_state(target, before)


def test_apply_reports_json_and_is_idempotent(target: StateTarget) -> None:
    """The JSON report lists each created campaign; a second apply creates nothing."""
    root = make_project(target.root, one_file(numbered(2)), state=target.location)
    first = run_cli("apply", "--env", "dev", "--auto-approve", "--format", "json", cwd=root)
    assert first.returncode == 0, first.output
    report = json.loads(first.stdout)
    assert report["summary"]["created"] == 2
    assert {r["key"] for r in report["results"]} == {"c000", "c001"}
    assert all(r["campaign_id"] for r in report["results"])
    second = run_cli("apply", "--env", "dev", "--auto-approve", "--format", "markdown", cwd=root)
    assert second.returncode == 0
    assert "nothing to create" in second.stdout


def test_a_saved_plan_is_applied_at_most_once(target: StateTarget) -> None:
    """apply PLAN_FILE sends the saved creates; applying it again is refused as stale."""
    root = make_project(target.root, one_file(numbered(2)), state=target.location)
    planned = run_cli("plan", "--env", "dev", "--out", "plan.json", cwd=root)
    assert planned.returncode == 0, planned.output
    first = run_cli("apply", "plan.json", "--format", "json", cwd=root)
    assert first.returncode == 0, first.output
    assert json.loads(first.stdout)["summary"]["created"] == 2
    second = run_cli("apply", "plan.json", cwd=root)
    assert second.returncode == 1
    assert "stale" in second.stderr


def test_env_and_plan_file_are_exclusive(tmp_path: Path) -> None:
    """apply needs exactly one of --env and PLAN_FILE."""
    root = make_project(tmp_path / "project", one_file(numbered(2)))
    assert run_cli("apply", cwd=root).returncode == 1
    assert run_cli("apply", "--env", "dev", "x.json", cwd=root).returncode == 1


def test_target_limits_what_apply_creates(target: StateTarget) -> None:
    """``apply --target`` creates only the matching campaigns, as ``plan --target`` shows."""
    root = make_project(target.root, one_file(numbered(3)), state=target.location)
    result = run_cli(
        "apply", "--env", "dev", "--auto-approve", "--target", "c001", "--format", "json", cwd=root
    )
    assert result.returncode == 0, result.output
    assert [r["key"] for r in json.loads(result.stdout)["results"]] == ["c001"]
    state = read_snapshot(target.location, "dev", root=root)
    assert set(state.campaigns) == {"c001"}


def test_a_saved_rename_is_applied_as_the_live_apply_applies_it(tmp_path: Path) -> None:
    """``apply PLAN_FILE`` and ``apply --env`` move a renamed record and create alike."""
    live = make_project(tmp_path / "live", one_file(numbered(2)), state=".reconciler/dev.sqlite")
    assert run_cli("apply", "--env", "dev", "--auto-approve", cwd=live).returncode == 0
    specs = live / "campaigns" / "all.yaml"
    renamed = specs.read_text(encoding="utf-8").replace(
        "key: c000\n", "key: c000-renamed\nprevious_keys: [c000]\n"
    )
    specs.write_text(renamed + "---\n" + plain_spec("c002", 2), encoding="utf-8")
    saved = tmp_path / "saved"
    shutil.copytree(live, saved)
    assert run_cli("plan", "--env", "dev", "--out", "plan.json", cwd=saved).returncode == 0
    reports = [
        run_cli("apply", "--env", "dev", "--auto-approve", "--format", "json", cwd=live),
        run_cli("apply", "plan.json", "--format", "json", cwd=saved),
    ]
    done = [json.loads(p.stdout) for p in reports]
    moves = [[(m["from"], m["to"], m["campaign_id"]) for m in d["moved"]] for d in done]
    created = [[(r["key"], r["outcome"]) for r in d["results"]] for d in done]
    assert created[0] == created[1] == [("c002", "created")]
    states = [read_snapshot(".reconciler/dev.sqlite", "dev", root=r) for r in (live, saved)]
    recorded = [{k: r.fingerprint for k, r in s.campaigns.items()} for s in states]
    assert recorded[0] == recorded[1] and set(recorded[0]) == {"c000-renamed", "c001", "c002"}
    moved = [s.campaigns["c000-renamed"].campaign_id for s in states]
    assert moved[0] == moved[1]  # the same record, moved, not created again
    assert moves[0] == moves[1] == [("c000", "c000-renamed", moved[0])]  # its id reported
