"""The functional core stays pure: it imports no I/O library."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "reconciler"
PURE_MODULES = [
    "apply_plan.py",
    "campaign.py",
    "plan.py",
    "planner.py",
    "guards.py",
    "promotion.py",
    "settings.py",
    "report/board.py",
    "report/calendar.py",
    *sorted(str(p.relative_to(PACKAGE)) for p in (PACKAGE / "models").glob("*.py")),
    *sorted(str(p.relative_to(PACKAGE)) for p in (PACKAGE / "policies").glob("*.py")),
]
FORBIDDEN = {
    "httpx",
    "sqlalchemy",
    "alembic",
    "click",
    "rich",
    "jinja2",
    "yaml",
    "psycopg",
    "filelock",
    "sqlite3",
    "socket",
    "subprocess",
    "shutil",
}


def _imported_roots(path: Path) -> set[str]:
    roots: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


@pytest.mark.parametrize("module", PURE_MODULES)
def test_core_module_imports_no_io_library(module: str) -> None:
    """Planner, plan and campaign values import neither HTTP, SQL, CLI, YAML nor Jinja."""
    path = PACKAGE / module
    assert path.exists(), f"{module} is part of the functional core and must exist"
    assert not (_imported_roots(path) & FORBIDDEN)


# Run in a child: audit hooks cannot be removed once added. Every open of a file below
# campaigns/, audiences/ or templates/ is recorded with the reconciler module that asked.
_WATCH_OPENS = r"""
import json, os, sys
from pathlib import Path
watched = [str(Path(p).resolve()) + os.sep for p in ("campaigns", "audiences", "templates")]
seen = set()
def module_asking():
    frame = sys._getframe(2)
    while frame is not None:
        name = frame.f_globals.get("__name__", "")
        if name.startswith("reconciler"):
            return name
        frame = frame.f_back
    return "?"
def hook(event, args):
    if event == "open" and isinstance(args[0], (str, bytes, os.PathLike)):
        path = os.path.abspath(os.fsdecode(args[0]))
        if any(path.startswith(w) for w in watched):
            seen.add(module_asking())
sys.addaudithook(hook)
from reconciler.cli import main
statuses = [main(list(argv)) for argv in json.loads(sys.argv[1])]
print(json.dumps({"statuses": statuses, "modules": sorted(seen)}))
"""


def test_only_the_specs_package_reads_spec_files(tmp_path: Path) -> None:
    """Spec, audience and template files are opened by reconciler.specs alone."""
    import json
    import os
    import subprocess
    import sys

    from tests.support.projects import copy_example

    copy_example(tmp_path)
    commands = [["validate"], ["render", "--env", "dev"], ["plan", "--env", "dev"]]
    env = {k: v for k, v in os.environ.items() if not k.startswith("RECONCILER_")}
    env.update({"RECONCILER_JOBS": "1", "RECONCILER_CACHE_DIR": str(tmp_path / "cache")})
    done = subprocess.run(
        [sys.executable, "-c", _WATCH_OPENS, json.dumps(commands)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["statuses"] == [0, 0, 0], done.stderr
    assert report["modules"], "the commands read no spec file: the watch is broken"
    assert all(m.startswith("reconciler.specs.") for m in report["modules"]), report["modules"]
