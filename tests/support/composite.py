"""Run the ``run:`` steps of the repository's composite action (action.yml) as a runner would.

Each step's ``env:`` is filled from the action's inputs (their defaults unless given) and
the ``context`` given (``github.token``, ``steps.run.outputs.exit-code`` …); an
expression it does not know fails the test. Steps that ``uses:`` another action (setup-
python, upload-artifact) are not run: the test's own venv is the installed tool.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
ACTION_FILE = REPO_ROOT / "action.yml"
_EXPRESSION = re.compile(r"\$\{\{\s*([\w.-]+)\s*\}\}")


def load_action() -> dict[str, Any]:
    action: dict[str, Any] = yaml.safe_load(ACTION_FILE.read_text(encoding="utf-8"))
    return action


def action_step(name: str) -> dict[str, Any]:
    """The action's step called ``name``."""
    steps: list[dict[str, Any]] = load_action()["runs"]["steps"]
    return next(s for s in steps if s.get("name") == name)


def expand(text: str, values: Mapping[str, str]) -> str:
    return _EXPRESSION.sub(lambda m: values[m.group(1)], text)


def run_step(
    name: str,
    *,
    cwd: Path,
    runner_temp: Path,
    inputs: Mapping[str, str] = {},
    context: Mapping[str, str] = {},
    environ: Mapping[str, str] = {},
) -> subprocess.CompletedProcess[bytes]:
    """Run one step's script in bash (as ``shell: bash`` does); stdout and stderr as bytes."""
    step = action_step(name)
    assert step["shell"] == "bash"
    defaults = {k: v.get("default", "") for k, v in load_action()["inputs"].items()}
    values = {f"inputs.{k}": v for k, v in {**defaults, **inputs}.items()}
    values.update({"runner.temp": str(runner_temp), **context})
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RECONCILER_", "GITHUB_"))}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env.update({"RUNNER_TEMP": str(runner_temp), "GITHUB_ACTION_PATH": str(REPO_ROOT), **environ})
    env.update({k: expand(str(v), values) for k, v in step.get("env", {}).items()})
    workdir = cwd / expand(step.get("working-directory", "."), values)
    return subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
        cwd=workdir, env=env, capture_output=True, timeout=120, check=False,
    )  # fmt: skip
