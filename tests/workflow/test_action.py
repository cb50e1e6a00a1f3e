"""The composite action (action.yml): its steps' scripts run as a runner would run them.

The run step against real projects (outputs, job summary, stdout and stderr passed through
untouched), the comment step against a fake GitHub API on 127.0.0.1, and the action's
inputs and outputs against docs/ci.md.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from reconciler.ci.comment_set import marker
from reconciler.ci.github_action import readable, reconciler_args, succeeded
from reconciler.planfile import load_plan
from reconciler.scaffold import project_files
from tests.support.composite import action_step, load_action, run_step
from tests.support.fake_github import PR, REPO, FakeGitHub, serving
from tests.support.projects import make_project, spec, specs

REPO_ROOT = Path(__file__).resolve().parents[2]
TOKEN = "ghs_secret-token-value"
PIP_FLAGS = ["--disable-pip-version-check"]
BAD = spec("bad").replace("start_hour: 10", "start_hour: 25")


class Runner:
    """One job's runner: its temp folder, output and summary files, and the fake GitHub."""

    def __init__(self, tmp_path: Path, github: FakeGitHub | None = None) -> None:
        self.tmp, self.github = tmp_path, github
        self.temp = tmp_path / "runner"
        self.temp.mkdir(exist_ok=True)
        self.output, self.summary = self.temp / "output.txt", self.temp / "summary.md"

    def run(self, **inputs: str) -> subprocess.CompletedProcess[bytes]:
        environ = {
            "GITHUB_OUTPUT": str(self.output),
            "GITHUB_STEP_SUMMARY": str(self.summary),
            "GITHUB_WORKSPACE": str(self.tmp / "repo"),
        }
        self.output.write_text("", encoding="utf-8")
        self.summary.write_text("", encoding="utf-8")
        inputs.setdefault("working-directory", "repo")
        return run_step(
            "Run reconciler", cwd=self.tmp, runner_temp=self.temp, inputs=inputs, environ=environ
        )

    def outputs(self) -> dict[str, str]:
        lines = self.output.read_text(encoding="utf-8").splitlines()
        return dict(line.split("=", 1) for line in lines)

    def comment(self, env: str, exit_code: str, report_url: str = "") -> int:
        assert self.github is not None
        context = {
            "steps.run.outputs.exit-code": exit_code,
            "github.event.pull_request.number": PR,
            "github.token": TOKEN,
            "steps.report.outputs.artifact-url": report_url,
        }
        environ = {"GITHUB_API_URL": self.github.url, "GITHUB_REPOSITORY": REPO}
        proc = run_step(
            "Post the plan on the pull request",
            cwd=self.tmp, runner_temp=self.temp, inputs={"environment": env},
            context=context, environ=environ,
        )  # fmt: skip
        assert TOKEN not in (proc.stdout + proc.stderr).decode()
        return proc.returncode

    def keep(self, env: str, stdout: str, stderr: str = "") -> None:
        """What the run step keeps for the comment step, written by the test instead."""
        folder = self.temp / "reconciler" / env
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "stdout.md").write_text(stdout, encoding="utf-8")
        (folder / "stderr.txt").write_text(stderr, encoding="utf-8")


def _direct(project: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    """The same command run by hand, without the action."""
    env = {
        "NO_COLOR": "1",
        "PATH": str(Path(sys.executable).parent),
        "GITHUB_WORKSPACE": str(project),
    }
    return subprocess.run(
        [sys.executable, "-m", "reconciler", *args],
        cwd=project, env=env, capture_output=True, timeout=120, check=False,
    )  # fmt: skip


def _person() -> dict[str, object]:
    body = f"{marker('prod', 1, 1)}\nby a person"
    return {"id": 1, "body": body, "user": {"type": "User"}}


def _parts(env: str, *texts: str) -> str:
    return "\n".join(f"{marker(env, i, len(texts))}\n{t}\n" for i, t in enumerate(texts, 1))


# --- the run step -----------------------------------------------------------------------


def test_plan_step_writes_outputs_and_summary_and_passes_stdout_through(tmp_path: Path) -> None:
    """Creates pending keep the step green; stdout is byte for byte the plan's own."""
    project = make_project(tmp_path / "repo", specs("spring-a", "spring-b"))
    runner = Runner(tmp_path)
    step = runner.run(command="plan", environment="dev")
    assert step.returncode == 0, step.stderr.decode()
    direct = _direct(project, "plan", "--env", "dev", "--format", "markdown")
    assert step.stdout == direct.stdout
    outputs = runner.outputs()
    assert outputs["exit-code"] == "2" and outputs["to-create"] == "2"
    saved = load_plan(Path(outputs["plan-file"]))
    assert [c.key for c in saved.creates] == ["spring-a", "spring-b"]
    assert runner.summary.read_text(encoding="utf-8") == direct.stdout.decode()
    assert not (project / ".reconciler").exists()  # plan stays read-only


def test_validate_step_annotates_each_problem_and_fails(tmp_path: Path) -> None:
    """Annotations on stderr exactly as validate writes them; the summary says it in words."""
    project = make_project(tmp_path / "repo", {"campaigns/bad.yaml": BAD})
    runner = Runner(tmp_path)
    step = runner.run(command="validate")
    assert step.returncode == 1
    direct = _direct(project, "validate", "--diagnostics", "github")
    assert (step.stdout, step.stderr) == (direct.stdout, direct.stderr)
    line = BAD.splitlines().index("    start_hour: 25") + 1
    title = "touchpoint.additional_settings.start_hour"
    assert f"::error file=campaigns/bad.yaml,line={line},title={title}::" in step.stderr.decode()
    assert runner.outputs() == {"exit-code": "1", "to-create": "", "plan-file": ""}
    summary = runner.summary.read_text(encoding="utf-8")
    assert f"campaigns/bad.yaml:{line}: error: {title}: must be at most 23" in summary
    assert "::error" not in summary and "failed (exit status 1)" in summary


def test_apply_step_writes_its_report_to_the_summary(tmp_path: Path) -> None:
    """apply --auto-approve --format markdown: the report is the job summary, exit 0."""
    make_project(tmp_path / "repo", specs("spring-a"))
    runner = Runner(tmp_path)
    step = runner.run(command="apply", environment="dev")
    assert step.returncode == 0, step.stderr.decode()
    assert runner.outputs()["exit-code"] == "0"
    summary = runner.summary.read_text(encoding="utf-8")
    assert summary == step.stdout.decode() and "spring-a" in summary


def test_plan_and_apply_need_an_environment(tmp_path: Path) -> None:
    """A missing input is an annotation and a failed step, not a traceback."""
    make_project(tmp_path / "repo", specs("spring-a"))
    step = Runner(tmp_path).run(command="plan")
    assert step.returncode == 1
    assert step.stdout.decode().startswith("::error title=reconciler action::plan needs")


def test_command_lines_and_exit_codes() -> None:
    """Plan: markdown, detailed and attention exit codes; 0, 2 and 3 keep the job green."""
    plan = " ".join(reconciler_args("plan", "prod", Path("p.json")))
    assert "--format markdown --detailed-exitcode --attention-exitcode" in plan
    assert "--diagnostics github --out p.json" in plan
    apply = " ".join(reconciler_args("apply", "staging", Path("p.json")))
    assert apply == "apply --env staging --auto-approve --format markdown"
    assert [succeeded("plan", rc) for rc in (0, 1, 2, 3, 130)] == [True, False, True, True, False]
    assert [succeeded("apply", rc) for rc in (0, 1, 2)] == [True, False, False]


def test_readable_turns_workflow_commands_back_into_lines() -> None:
    """What a person reads in a comment: file:line: level: field: message, hint below."""
    text = "::warning file=a%2Cb.yaml,line=3,title=x.y::50%25 off%0Ahint: check\nplain"
    assert readable(text) == "a,b.yaml:3: warning: x.y: 50% off\nhint: check\nplain"


@pytest.mark.parametrize(
    ("version", "words"),
    [
        ("", [f"{REPO_ROOT}[postgres]"]),
        ("campaign-reconciler[postgres]==1.0.0", ["campaign-reconciler[postgres]==1.0.0"]),
        (
            "-r ci-requirements.txt --require-hashes",
            ["-r", "ci-requirements.txt", "--require-hashes"],
        ),
        ("*", ["*"]),  # never globbed
    ],
)
def test_install_step_hands_pip_the_version_as_words(
    tmp_path: Path, version: str, words: list[str]
) -> None:
    """Empty: the action's own checkout with the PostgreSQL driver; else its words."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (tmp_path / "repo").mkdir()
    (tmp_path / "repo" / "x.txt").write_text("a file a glob would find", encoding="utf-8")
    fake = bin_dir / "python"  # stands in for setup-python's interpreter: prints its args
    fake.write_text('#!/bin/sh\nfor a in "$@"; do echo "$a"; done\n', encoding="utf-8")
    fake.chmod(0o755)
    step = run_step(
        "Install reconciler", cwd=tmp_path, runner_temp=tmp_path,
        inputs={"version": version, "working-directory": "repo"},
        environ={"PATH": f"{bin_dir}:/usr/bin:/bin"},
    )  # fmt: skip
    assert step.returncode == 0, step.stderr
    assert step.stdout.decode().splitlines() == ["-m", "pip", "install", *PIP_FLAGS, *words]


# --- the comment step, against a fake GitHub API -----------------------------------------


def test_plan_comment_is_created_once_then_updated_in_place(tmp_path: Path) -> None:
    """Run and comment twice with the same plan (no call), then with one more campaign."""
    project = make_project(tmp_path / "repo", specs("spring-a"))
    with serving(FakeGitHub([_person()])) as github:
        runner = Runner(tmp_path, github)
        for _ in range(2):
            assert runner.run(command="plan", environment="dev").returncode == 0
            assert runner.comment("dev", runner.outputs()["exit-code"]) == 0
        assert github.calls == ["create"]
        (project / "campaigns/spring-b.yaml").write_text(spec("spring-b"), encoding="utf-8")
        assert runner.run(command="plan", environment="dev").returncode == 0
        assert runner.comment("dev", "2") == 0
    assert github.calls == ["create", "update"]
    [body] = github.ours()
    assert body.startswith(marker("dev", 1, 1)) and "spring-b" in body
    assert github.tokens == {f"Bearer {TOKEN}"}


def test_plan_comments_are_updated_in_place_across_pushes(tmp_path: Path) -> None:
    """Three parts, then one (leftovers deleted), then a failure: one set of comments."""
    with serving(FakeGitHub([_person()])) as github:
        runner = Runner(tmp_path, github)
        runner.keep("prod", _parts("prod", "one", "two", "three"))
        assert runner.comment("prod", "2") == 0
        assert github.calls == ["create", "create", "create"]
        assert [b.splitlines()[1] for b in github.ours()] == ["one", "two", "three"]
        first_id = github.comments[1]["id"]
        runner.keep("prod", _parts("prod", "only"))
        assert runner.comment("prod", "0") == 0
        assert github.calls[3:] == ["update", "delete", "delete"]
        assert github.ours() == ["<!-- reconciler-plan: env=prod part=1/1 -->\nonly"]
        assert github.comments[1]["id"] == first_id
        runner.keep("prod", "", stderr="error: campaigns/a.yaml:3 bad ```")
        assert runner.comment("prod", "1") == 0
    [failed] = github.ours()
    assert "failed (exit status 1)" in failed and "campaigns/a.yaml:3 bad" in failed
    assert "````text" in failed  # the fence outgrows the backticks inside
    assert github.comments[0]["body"].endswith("by a person")


def test_same_plan_again_makes_no_call(tmp_path: Path) -> None:
    """A push that does not change the plan leaves the comment (and notifications) alone."""
    with serving(FakeGitHub()) as github:
        runner = Runner(tmp_path, github)
        runner.keep("staging", _parts("staging", "same"))
        assert runner.comment("staging", "0") == 0
        calls = len(github.calls)
        assert runner.comment("staging", "0") == 0
    assert github.calls[calls:] == []


def test_failed_plan_comment_shows_the_annotations_as_text(tmp_path: Path) -> None:
    """A plan refused for an invalid spec: the comment lists the problem in words."""
    make_project(tmp_path / "repo", {"campaigns/bad.yaml": BAD})
    with serving(FakeGitHub()) as github:
        runner = Runner(tmp_path, github)
        assert runner.run(command="plan", environment="dev").returncode == 1
        assert runner.outputs() == {"exit-code": "1", "to-create": "", "plan-file": ""}
        assert runner.comment("dev", "1") == 0
    [body] = github.ours()
    assert "### Plan for `dev` failed (exit status 1)" in body
    assert re.search(r"campaigns/bad\.yaml:\d+: error: touchpoint\.additional_settings", body)
    assert "::error" not in body


def test_report_artifact_is_linked_from_the_plan_comment(tmp_path: Path) -> None:
    """With report: true the upload's URL is linked from the first part."""
    url = "https://github.com/o/r/actions/runs/1/artifacts/2"
    with serving(FakeGitHub()) as github:
        runner = Runner(tmp_path, github)
        runner.keep("prod", _parts("prod", "one", "two"))
        assert runner.comment("prod", "2", report_url=url) == 0
    first, second = github.ours()
    assert first.endswith(f"[Campaign board and calendar of `prod`]({url}) (report artifact)")
    assert url not in second


def test_api_failure_fails_the_step_without_the_token(tmp_path: Path) -> None:
    """A GitHub error (a fork's read-only token) exits 1; the token is not in the output."""
    with serving(FakeGitHub()) as github:
        github.refuse = True
        runner = Runner(tmp_path, github)
        runner.keep("prod", _parts("prod", "one"))
        assert runner.comment("prod", "0") == 1


# --- action.yml itself ------------------------------------------------------------------


def test_report_step_runs_report_and_upload_links_it() -> None:
    """report: true writes the board with `reconciler report` and uploads that very file."""
    report, upload = action_step("Write the report"), action_step("Upload the report")
    assert report["run"] == (
        'reconciler report --out "$RUNNER_TEMP/reconciler-report.html" '
        '--env "$RECONCILER_ACTION_ENV"'
    )
    assert report["if"] == upload["if"] == "inputs.report == 'true'"
    assert upload["uses"] == "actions/upload-artifact@v4"
    assert upload["with"]["path"] == "${{ runner.temp }}/reconciler-report.html"
    post = action_step("Post the plan on the pull request")
    assert post["env"]["RECONCILER_ACTION_REPORT_URL"] == "${{ steps.report.outputs.artifact-url }}"
    assert post["if"].startswith("always()")


def test_steps_read_inputs_through_env_only() -> None:
    """No ${{ }} inside a script: inputs (a PR can set some) reach scripts as env vars."""
    for step in load_action()["runs"]["steps"]:
        assert "${{" not in step.get("run", ""), step


def test_action_matches_github_actions_schema() -> None:
    """SchemaStore's schema of action metadata (vendored by check-jsonschema) accepts it."""
    proc = subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-actions",
         str(REPO_ROOT / "action.yml")],
        capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr


def _documented(heading: str) -> list[str]:
    text = (REPO_ROOT / "docs" / "ci.md").read_text(encoding="utf-8")
    section = text.split(f"### {heading}\n\n", 1)[1]
    table = section.split("\n\n", 1)[0]  # the first table, right below the heading
    return re.findall(r"^\| `([\w-]+)` \|", table, flags=re.M)


@pytest.mark.parametrize(("key", "heading"), [("inputs", "Inputs"), ("outputs", "Outputs")])
def test_inputs_and_outputs_are_the_documented_ones(key: str, heading: str) -> None:
    """docs/ci.md lists every input and output of action.yml, in order, and no other."""
    assert _documented(heading) == list(load_action()[key])


def test_docs_show_the_plan_workflow_init_writes() -> None:
    """docs/ci.md's plan workflow "in full" is the one init writes (comments aside)."""
    text = (REPO_ROOT / "docs" / "ci.md").read_text(encoding="utf-8")
    shown = next(
        b
        for b in re.findall(r"```yaml\n(.*?)```", text, flags=re.S)
        if "name: reconciler plan" in b
    )
    written = project_files()[".github/workflows/reconciler-plan.yml"]
    assert yaml.safe_load(shown) == yaml.safe_load(written)
