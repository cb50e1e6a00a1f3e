"""The GitHub workflows follow the safety rules of docs/ci.md (read as data, not text)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
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


@pytest.mark.parametrize(
    "rel", [".github/workflows/reconciler-plan.yml", ".github/workflows/reconciler-apply.yml"]
)
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


class PullRequest:
    """The plan workflow's posting script, run by node against an in-memory PR's comments."""

    def __init__(self, tmp_path: Path, env: str) -> None:
        node = shutil.which("node")
        assert node is not None  # the ``node`` marker fails the test before this
        self.node, self.tmp, self.env = node, tmp_path, env
        steps = {s.get("name"): s for s in _steps(_load("reconciler-plan.yml"))}
        (tmp_path / "script.js").write_text(
            steps["Post the plan on the pull request"]["with"]["script"], encoding="utf-8"
        )
        (tmp_path / "plan").mkdir()
        self.comments: list[dict[str, Any]] = [
            {
                "id": 1,
                "body": f"<!-- reconciler-plan: env={env} part=1/1 -->\nby a person",
                "user": {"type": "User"},
            },
        ]
        self.calls: list[str] = []

    def post(self, plan_md: str, rc: int, stderr: str = "") -> None:
        (self.tmp / "plan" / "plan.md").write_text(plan_md, encoding="utf-8")
        (self.tmp / "plan" / "stderr.txt").write_text(stderr, encoding="utf-8")
        state = self.tmp / "state.json"
        state.write_text(json.dumps({"comments": self.comments}), encoding="utf-8")
        env = {
            **os.environ,
            "RUNNER_TEMP": str(self.tmp),
            "RECONCILER_ENV": self.env,
            "PLAN_RC": str(rc),
        }
        harness = Path(__file__).with_name("github_script_harness.cjs")
        proc = subprocess.run(
            [self.node, str(harness), str(self.tmp / "script.js"), str(state)],
            env=env,
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
        )
        assert proc.returncode == 0, proc.stderr
        result = json.loads(state.read_text(encoding="utf-8"))
        self.comments, self.calls = result["comments"], result["calls"]

    def ours(self) -> list[str]:
        return [c["body"] for c in self.comments if c["user"]["type"] == "Bot"]


def _parts(env: str, *texts: str) -> str:
    marks = [
        f"<!-- reconciler-plan: env={env} part={i}/{len(texts)} -->"
        for i in range(1, len(texts) + 1)
    ]
    return "\n".join(f"{m}\n{t}\n" for m, t in zip(marks, texts, strict=True))


@pytest.mark.node
def test_plan_comments_are_updated_in_place_across_pushes(tmp_path: Path) -> None:
    """Three parts, then one (leftovers deleted), then a failure: one set of comments."""
    pr = PullRequest(tmp_path, "prod")
    pr.post(_parts("prod", "one", "two", "three"), 2)
    assert pr.calls == ["create", "create", "create"]
    assert [b.splitlines()[1] for b in pr.ours()] == ["one", "two", "three"]
    first_id = pr.comments[1]["id"]
    pr.post(_parts("prod", "only"), 0)
    assert pr.calls == ["update", "delete", "delete"]
    assert pr.ours() == ["<!-- reconciler-plan: env=prod part=1/1 -->\nonly"]
    assert pr.comments[1]["id"] == first_id
    pr.post("", 1, stderr="error: campaigns/a.yaml:3 bad ```")
    [failed] = pr.ours()
    assert "failed (exit status 1)" in failed and "campaigns/a.yaml:3 bad" in failed
    assert "````text" in failed  # the fence outgrows the backticks inside
    assert pr.comments[0]["body"].endswith("by a person")


@pytest.mark.node
def test_same_plan_again_makes_no_call(tmp_path: Path) -> None:
    """A push that does not change the plan leaves the comment (and notifications) alone."""
    pr = PullRequest(tmp_path, "staging")
    pr.post(_parts("staging", "same"), 0)
    pr.post(_parts("staging", "same"), 0)
    assert pr.calls == []


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
        run = job["steps"][-1]["run"]
        assert f"apply --env {env} --auto-approve --format markdown" in run
        assert '>>"$GITHUB_STEP_SUMMARY"' in run
    assert prod["steps"][-1]["env"]["CONTACTSWING_TOKEN_PROD"] == (
        "${{ secrets.CONTACTSWING_TOKEN_PROD }}"
    )
