"""The run step of the GitHub Action (``action.yml``): reconciler, its outputs, the summary.

    python -m reconciler.ci.github_action

Reads the action's inputs from RECONCILER_ACTION_COMMAND (validate, plan, apply) and
RECONCILER_ACTION_ENV, runs reconciler with annotations on (``--diagnostics github``),
passes its stdout and stderr through byte for byte while keeping a copy of each under
``$RUNNER_TEMP/reconciler/<env>/`` (for the PR comment), then writes the step outputs
(``exit-code``, ``to-create``, ``plan-file``) to $GITHUB_OUTPUT and the job summary to
$GITHUB_STEP_SUMMARY. Exits 1 when the command failed, else 0. It wraps nothing on PATH:
a later ``run: reconciler …`` is the tool itself.
"""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import sys
import tempfile
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO

from reconciler.ci.comment_set import PLAN_OK, failure_text
from reconciler.errors import ReconcilerError
from reconciler.planfile import load_plan
from reconciler.runtime import Runtime

COMMANDS = ("validate", "plan", "apply")
_WORKFLOW_COMMAND = re.compile(r"^::(\w+)(?: ([^:]*))?::(.*)$")


def output_dir(environ: Mapping[str, str]) -> Path:
    """Where the run step keeps the command's stdout and stderr for the comment step."""
    name = environ.get("RECONCILER_ACTION_ENV") or "all"
    return Path(environ.get("RUNNER_TEMP") or tempfile.gettempdir()) / "reconciler" / name


def reconciler_args(command: str, env: str, plan_file: Path) -> list[str]:
    """The command line the action runs for its inputs."""
    on_env = ["--env", env] if env else []
    if command == "validate":
        return ["validate", *on_env, "--diagnostics", "github"]
    if command == "plan":
        flags = ["--detailed-exitcode", "--attention-exitcode", "--diagnostics", "github"]
        return ["plan", *on_env, "--format", "markdown", *flags, "--out", str(plan_file)]
    return ["apply", *on_env, "--auto-approve", "--format", "markdown"]


def succeeded(command: str, rc: int) -> bool:
    """0 and, for plan, 2 (changes pending) and 3 (a person must act) keep the job green."""
    return rc in (PLAN_OK if command == "plan" else (0,))


def readable(stderr_text: str) -> str:
    """Error output with its workflow commands (annotations) as plain lines, for people."""
    lines = []
    for line in stderr_text.splitlines():
        found = _WORKFLOW_COMMAND.match(line)
        if found is None:
            lines.append(line)
            continue
        level, props, data = found.groups()
        fields = dict(p.split("=", 1) for p in (props or "").split(",") if "=" in p)
        where = ":".join(_unescape(fields[k]) for k in ("file", "line") if k in fields)
        title = _unescape(fields.get("title", ""))
        head = ": ".join(x for x in (where, level, title) if x)
        lines.append(f"{head}: {_unescape(data)}")
    return "\n".join(lines)


def _unescape(text: str) -> str:
    for escaped, char in (("%0D", "\r"), ("%0A", "\n"), ("%3A", ":"), ("%2C", ","), ("%25", "%")):
        text = text.replace(escaped, char)
    return text


def _tee(source: IO[bytes], copy: Path, sink: IO[bytes]) -> None:
    with copy.open("wb") as kept:
        while chunk := os.read(source.fileno(), 65536):
            sink.write(chunk)
            sink.flush()
            kept.write(chunk)


def run_teed(args: Sequence[str], folder: Path) -> int:
    """Run ``reconciler ARGS``; stdout and stderr pass through and land in ``folder``."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "reconciler", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    threads = [
        threading.Thread(target=_tee, args=(proc.stdout, folder / "stdout.md", sys.stdout.buffer)),
        threading.Thread(target=_tee, args=(proc.stderr, folder / "stderr.txt", sys.stderr.buffer)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return proc.wait()


def summary(command: str, env: str, rc: int, folder: Path) -> str:
    """The job summary: the plan or apply report, and what failed, if anything did."""
    shown = [(folder / "stdout.md").read_text(encoding="utf-8", errors="replace")]
    if command == "validate" and rc == 0:
        shown.append(f"### reconciler validate{f' (`{env}`)' if env else ''}: valid\n")
    if not succeeded(command, rc):
        errors = readable((folder / "stderr.txt").read_text(encoding="utf-8", errors="replace"))
        shown = [failure_text(f"reconciler {command}{f' `{env}`' if env else ''}", rc, errors)]
    return "\n".join(s.rstrip("\n") for s in shown if s.strip()) + "\n"


def outputs(command: str, rc: int, plan_file: Path) -> dict[str, str]:
    """``exit-code``, and for a saved plan its path and how many campaigns it creates."""
    to_create = plan = ""
    if command == "plan" and plan_file.is_file():
        with contextlib.suppress(ReconcilerError):  # unreadable: no plan outputs
            to_create, plan = str(len(load_plan(plan_file).creates)), str(plan_file)
    return {"exit-code": str(rc), "to-create": to_create, "plan-file": plan}


def _append(path: str, text: str) -> None:
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(text)


def main(runtime: Runtime | None = None) -> int:
    """Run the action's command; exit 0 when it succeeded (see ``succeeded``), else 1."""
    environ = (Runtime.from_process() if runtime is None else runtime).environ
    command = environ.get("RECONCILER_ACTION_COMMAND", "")
    env = environ.get("RECONCILER_ACTION_ENV", "")
    if command not in COMMANDS:
        print(f"::error title=reconciler action::command {command!r}: use {', '.join(COMMANDS)}")
        return 1
    if command != "validate" and not env:
        print(f"::error title=reconciler action::{command} needs the input `environment`")
        return 1
    folder = output_dir(environ)
    folder.mkdir(parents=True, exist_ok=True)
    plan_file = folder / "plan.json"
    plan_file.unlink(missing_ok=True)  # an earlier run's plan is not this one's
    rc = run_teed(reconciler_args(command, env, plan_file), folder)
    shown = outputs(command, rc, plan_file)
    # Outside a runner (trying it by hand) there is nowhere to write them: not an error.
    _append(
        environ.get("GITHUB_OUTPUT", os.devnull), "".join(f"{k}={v}\n" for k, v in shown.items())
    )
    _append(environ.get("GITHUB_STEP_SUMMARY", os.devnull), summary(command, env, rc, folder))
    return 0 if succeeded(command, rc) else 1


if __name__ == "__main__":
    sys.exit(main())
