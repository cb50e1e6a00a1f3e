"""The pre-commit hooks run from this checkout, installed offline, in a campaign repo."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.cli import run_cli

REPO_ROOT = Path(__file__).resolve().parents[2]
PRE_COMMIT = Path(sys.executable).with_name("pre-commit")

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def wheelhouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Wheels of this checkout, its dependencies and its build backend (fetched once)."""
    house = tmp_path_factory.mktemp("wheelhouse")
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "-w",
            str(house),
            str(REPO_ROOT),
            "hatchling",
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    return house


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, timeout=60)


def _try_repo(
    project: Path, hook: str, wheelhouse: Path, home: Path
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RECONCILER_", "PIP_"))}
    env.update(
        {
            "PIP_NO_INDEX": "1",  # the hook's venv installs from the wheelhouse, never an index
            "PIP_FIND_LINKS": str(wheelhouse),
            "PRE_COMMIT_HOME": str(home),
            "NO_COLOR": "1",
        }
    )
    return subprocess.run(
        [str(PRE_COMMIT), "try-repo", str(REPO_ROOT), hook, "--all-files", "--color", "never"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )


def test_hooks_pass_on_a_scaffold_and_validate_catches_a_typo(
    tmp_path: Path, wheelhouse: Path
) -> None:
    """Both hooks pass on a fresh project; a typo in a spec makes reconciler-validate fail."""
    project, home = tmp_path / "campaign-repo", tmp_path / "pre-commit-home"
    project.mkdir()
    assert run_cli("init", cwd=project).returncode == 0
    _git(project, "init", "-q")
    _git(project, "add", "-A")

    for hook in ("reconciler-validate", "reconciler-schemas"):
        passed = _try_repo(project, hook, wheelhouse, home)
        assert passed.returncode == 0, passed.stdout + passed.stderr
        assert "Passed" in passed.stdout

    spec = project / "campaigns" / "welcome.yaml"
    spec.write_text(
        spec.read_text(encoding="utf-8").replace("start_hour:", "start_hours:"), encoding="utf-8"
    )
    _git(project, "add", "-A")
    failed = _try_repo(project, "reconciler-validate", wheelhouse, home)
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "campaigns/welcome.yaml" in failed.stdout and "start_hours" in failed.stdout
