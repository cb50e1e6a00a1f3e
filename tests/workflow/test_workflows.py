"""The GitHub workflows follow the safety rules of docs/ci.md (read as data, not text)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from reconciler.scaffold import project_files

REPO_ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = REPO_ROOT / ".github" / "workflows"
SPEC_PATHS = {"campaigns/**", "audiences/**", "templates/**", "reconciler.yaml", "environments/**"}


def _load(name: str) -> dict[str, Any]:
    doc: dict[Any, Any] = yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))
    doc["on"] = doc.pop(True, doc.get("on"))  # PyYAML reads the key `on` as YAML 1.1 true
    return doc


def _steps(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return [step for job in doc["jobs"].values() for step in job.get("steps", [])]


@pytest.mark.parametrize("rel", [".github/workflows/reconciler-plan.yml",
                                 ".github/workflows/reconciler-apply.yml"])
def test_repo_workflow_is_the_scaffolded_one(rel: str) -> None:
    """The repository runs exactly what ``init`` writes, installing from the checkout."""
    assert (REPO_ROOT / rel).read_text(encoding="utf-8") == project_files(pip_spec=".")[rel]


@pytest.mark.parametrize("name", ["reconciler-plan.yml", "reconciler-apply.yml"])
def test_no_expression_is_interpolated_into_a_script(name: str) -> None:
    """Scripts read secrets and untrusted inputs through env:, never through ${{ }}."""
    for step in _steps(_load(name)):
        script = step.get("run", "") + step.get("with", {}).get("script", "")
        assert "${{" not in script, step


@pytest.mark.parametrize("name", ["reconciler-plan.yml", "reconciler-apply.yml"])
def test_secrets_appear_only_in_env_blocks(name: str) -> None:
    """A secret reaches a step only as an environment variable."""
    for step in _steps(_load(name)):
        outside_env = {k: v for k, v in step.items() if k != "env"}
        assert "secrets." not in yaml.safe_dump(outside_env), step


def test_plan_runs_on_pull_request_with_least_privilege() -> None:
    """pull_request (never _target), spec paths, read contents, write PR comments only."""
    doc = _load("reconciler-plan.yml")
    assert set(doc["on"]) == {"pull_request"}
    assert set(doc["on"]["pull_request"]["paths"]) >= SPEC_PATHS
    assert doc["permissions"] == {"contents": "read", "pull-requests": "write"}
    plan = doc["jobs"]["plan"]
    assert plan["needs"] == "validate"
    assert plan["strategy"]["matrix"]["environment"] == ["staging", "prod"]
    assert plan["strategy"]["fail-fast"] is False


def test_plan_reads_only_read_only_state_and_no_token() -> None:
    """Plan gets the READONLY state secrets and no ContactSwing token at all."""
    text = (WORKFLOWS / "reconciler-plan.yml").read_text(encoding="utf-8")
    secrets = set(re.findall(r"secrets\.([A-Z0-9_]+)", text))
    assert secrets == {"RECONCILER_STAGING_STATE_READONLY", "RECONCILER_PROD_STATE_READONLY"}
    assert "CONTACTSWING_TOKEN" not in text


def test_plan_uses_detailed_exitcode_and_keeps_changes_green() -> None:
    """Exit 2 (changes pending) is captured and posted; only other codes fail the job."""
    steps = {s.get("name"): s for s in _steps(_load("reconciler-plan.yml"))}
    run = steps["Plan"]["run"]
    assert "--format markdown --detailed-exitcode" in run
    assert "set +e" in run and 'echo "rc=$rc"' in run
    assert steps["Post the plan on the pull request"]["if"].startswith("always()")
    fail = steps["Fail when the plan failed"]["if"]
    assert "!= '0'" in fail and "!= '2'" in fail


def test_comment_is_found_by_marker_updated_and_leftovers_deleted() -> None:
    """The posting script keys comments by environment and part, updates, and prunes."""
    steps = {s.get("name"): s for s in _steps(_load("reconciler-plan.yml"))}
    post = steps["Post the plan on the pull request"]
    assert post["uses"].startswith("actions/github-script@")
    script = post["with"]["script"]
    assert "<!-- reconciler-plan:${envName} part ${n} -->" in script
    for call in ("updateComment", "createComment", "deleteComment", "paginate"):
        assert call in script


def test_apply_runs_staging_then_gated_prod_serialised() -> None:
    """Push to main applies staging, then prod in the production environment, one at a time."""
    doc = _load("reconciler-apply.yml")
    assert doc["on"]["push"]["branches"] == ["main"]
    assert set(doc["on"]["push"]["paths"]) >= SPEC_PATHS
    assert doc["permissions"] == {"contents": "read"}
    staging, prod = doc["jobs"]["staging"], doc["jobs"]["prod"]
    assert prod["needs"] == "staging"
    assert prod["environment"] == "production"
    for env, job in (("staging", staging), ("prod", prod)):
        assert job["concurrency"] == {"group": f"reconciler-apply-{env}",
                                      "cancel-in-progress": False}
        run = job["steps"][-1]["run"]
        assert f"apply --env {env} --auto-approve --format markdown" in run
        assert '>>"$GITHUB_STEP_SUMMARY"' in run
    assert prod["steps"][-1]["env"]["CONTACTSWING_TOKEN_PROD"] == (
        "${{ secrets.CONTACTSWING_TOKEN_PROD }}"
    )
