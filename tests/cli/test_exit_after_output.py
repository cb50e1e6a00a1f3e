"""Read-only commands end the process once their output is flushed; nothing is lost."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from reconciler import cli
from tests.support.projects import make_project, numbered, one_file

# Runs the console-script entry point (``main()`` without argv) with an atexit marker:
# the marker is printed only when the interpreter shuts down the slow way.
ENTRY = (
    "import atexit, sys\n"
    "atexit.register(lambda: print('SLOW-EXIT', file=sys.stderr))\n"
    "from reconciler.cli import main\n"
    "sys.argv = ['reconciler', *sys.argv[1:]]\n"
    "sys.exit(main())\n"
)


def _entry(
    root: Path, *args: str, stdout: int | None = subprocess.PIPE
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RECONCILER_")}
    env["NO_COLOR"] = "1"
    return subprocess.run(
        [sys.executable, "-c", ENTRY, *args],
        cwd=root,
        env=env,
        stdout=stdout,
        stderr=subprocess.PIPE,
        text=True,
        check=False,
        timeout=120,
    )


def test_plan_output_is_complete_and_the_status_kept(tmp_path: Path):
    """The whole JSON plan arrives (pipe and file) with exit status 2, without a slow exit."""
    root = make_project(tmp_path / "p", one_file(numbered(40)))
    args = ("plan", "--env", "dev", "--format", "json", "--detailed-exitcode")
    piped = _entry(root, *args)
    assert piped.returncode == 2, piped.stderr
    assert json.loads(piped.stdout)["summary"]["create"] == 40
    assert "SLOW-EXIT" not in piped.stderr
    out = tmp_path / "plan.json"
    with out.open("w", encoding="utf-8") as handle:
        to_file = _entry(root, *args, stdout=handle.fileno())
    assert to_file.returncode == 2
    assert out.read_text(encoding="utf-8") == piped.stdout


def test_a_failing_plan_prints_its_error_before_the_process_ends(tmp_path: Path):
    """A plan that fails prints its error before the process ends, with status 1."""
    root = make_project(tmp_path / "p", one_file(["c000"]))
    result = _entry(root, "plan", "--env", "nope")
    assert result.returncode == 1
    assert "no environment 'nope'" in result.stderr
    assert "SLOW-EXIT" not in result.stderr


def test_other_commands_and_in_process_calls_return(tmp_path: Path):
    """Writers exit the ordinary way; ``main(argv)`` in a process returns its status."""
    root = make_project(tmp_path / "p", one_file(["c000"]))
    listed = _entry(root, "state", "list", "--env", "dev")
    assert listed.returncode == 0, listed.stderr
    assert "SLOW-EXIT" in listed.stderr
    status = cli.main(["plan", "--env", "dev", "--project", str(root), "--detailed-exitcode"])
    assert status == 2


def test_common_options_before_the_command_end_a_plan_after_its_output(tmp_path: Path):
    """``reconciler -q plan`` is the read-only plan too: the command, not argv[1], decides."""
    root = make_project(tmp_path / "p", one_file(["c000"]))
    result = _entry(root, "-q", "--project", ".", "plan", "--env", "dev")
    assert result.returncode == 0, result.stderr
    assert "1 to create" in result.stdout
    assert "SLOW-EXIT" not in result.stderr
