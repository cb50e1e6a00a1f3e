"""The GitHub workflows follow the safety rules of docs/ci.md (read as data, not text)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from reconciler.scaffold import default_action_ref, project_files
from tests.support.composite import load_action

REPO_ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = REPO_ROOT / ".github" / "workflows"
SPEC_PATHS = {"campaigns/**", "audiences/**", "templates/**", "reconciler.yaml", "environments/**"}


def _load(name: str) -> dict[str, Any]:
    doc: dict[Any, Any] = yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))
    doc["on"] = doc.pop(True, doc.get("on"))  # PyYAML reads the key `on` as YAML 1.1 true
    return doc


def _steps(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return [step for job in doc["jobs"].values() for step in job.get("steps", [])]


@pytest.mark.parametrize(
    "rel", [".github/workflows/reconciler-plan.yml", ".github/workflows/reconciler-apply.yml"]
)
def test_repo_workflow_is_the_scaffolded_one(rel: str) -> None:
    """The repository runs exactly what ``init`` writes, with the action from its checkout."""
    scaffolded = project_files(pip_spec=".", action_ref="./")[rel]
    assert (REPO_ROOT / rel).read_text(encoding="utf-8") == scaffolded


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


def test_plan_uses_the_action_and_keeps_changes_green() -> None:
    """validate, then the action's plan per environment (exit codes: tests/workflow/test_action)."""
    doc = _load("reconciler-plan.yml")
    validate = doc["jobs"]["validate"]["steps"][-1]
    plan = doc["jobs"]["plan"]["steps"][-1]
    assert validate["uses"] == plan["uses"] == "./"
    assert validate["with"]["command"] == "validate"
    assert plan["with"]["command"] == "plan"
    assert plan["with"]["environment"] == "${{ matrix.environment }}"
    steps = {s.get("name"): s for s in load_action()["runs"]["steps"]}
    assert steps["Post the plan on the pull request"]["if"].startswith("always()")


@pytest.mark.parametrize("ref", ["./", default_action_ref()])
def test_each_use_of_the_action_gives_known_inputs(ref: str) -> None:
    """Every ``with:`` key is an input of action.yml and the required ones are given."""
    inputs = load_action()["inputs"]
    required = {name for name, spec in inputs.items() if spec.get("required")}
    files = project_files(pip_spec=".", action_ref=ref)
    uses = []
    for name in ("reconciler-plan.yml", "reconciler-apply.yml"):
        doc = yaml.safe_load(files[f".github/workflows/{name}"])
        uses += [s for job in doc["jobs"].values() for s in job["steps"] if s.get("uses") == ref]
    assert len(uses) == 4
    for step in uses:
        assert required <= set(step["with"]) <= set(inputs), step
        assert step["with"]["version"] == "${{ env.RECONCILER_PIP_SPEC }}"


def test_plan_workflow_is_short() -> None:
    """A team copies about 40 lines, not 230: the logic lives in the action."""
    text = (WORKFLOWS / "reconciler-plan.yml").read_text(encoding="utf-8")
    lines = [
        line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")
    ]
    assert len(lines) <= 40


def _parts(env: str, *texts: str) -> str:
    marks = [
        f"<!-- reconciler-plan: env={env} part={i}/{len(texts)} -->"
        for i in range(1, len(texts) + 1)
    ]
    return "\n".join(f"{m}\n{t}\n" for m, t in zip(marks, texts, strict=True))


def test_real_markdown_plan_parts_keep_their_markers(tmp_path: Path) -> None:
    """The markers of ``reconciler.output.markdown`` are the ones the script keys on."""
    from reconciler.output.markdown import MARKER_PREFIX, split_markdown_parts

    text = _parts("prod", "a", "b")
    assert len(split_markdown_parts(text)) == 2
    assert all(p.startswith(MARKER_PREFIX) for p in split_markdown_parts(text))


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
        assert job["concurrency"] == {
            "group": f"reconciler-apply-{env}",
            "cancel-in-progress": False,
        }
        # The action runs apply --env E --auto-approve --format markdown, its report the
        # job summary: tests/workflow/test_action.py runs that step.
        assert job["steps"][-1]["uses"] == "./"
        assert job["steps"][-1]["with"]["command"] == "apply"
        assert job["steps"][-1]["with"]["environment"] == env
    assert prod["steps"][-1]["env"]["CONTACTSWING_TOKEN_PROD"] == (
        "${{ secrets.CONTACTSWING_TOKEN_PROD }}"
    )


def test_the_plan_workflow_publishes_the_campaign_board() -> None:
    """Each environment's plan uploads its report and links it from the comment."""
    doc = _load("reconciler-plan.yml")
    (step,) = [
        s for s in doc["jobs"]["plan"]["steps"] if s.get("with", {}).get("command") == "plan"
    ]
    assert step["with"]["report"] is True
    assert load_action()["inputs"]["report"]["default"] == "false"  # opt-in for other users
