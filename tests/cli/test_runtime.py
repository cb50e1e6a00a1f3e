"""One runtime, built in ``main()``: commands see its variables and clock, never the process's."""

from __future__ import annotations

import ast
import io
import json
from datetime import UTC, datetime
from pathlib import Path

import click
import pytest

import reconciler
from reconciler import Runtime, cli
from reconciler.commands.apply import actor
from reconciler.state import open_store
from tests.planner.project import write_state
from tests.support.projects import PROMOTION, make_project, specs

PACKAGE = Path(reconciler.__file__).parent
# Reads of the process's surroundings that only reconciler/runtime.py may make.
PROCESS_READS = {("os", "environ"), ("os", "getenv"), ("getpass", "getuser")}


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return make_project(tmp_path / "p", specs("promo", "sale"), environments=PROMOTION)


def _process_reads(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            if (node.value.id, node.attr) in PROCESS_READS:
                found.append(f"{node.value.id}.{node.attr}")
            elif node.attr == "expanduser":
                found.append("expanduser")
        elif isinstance(node, ast.keyword) and node.arg in ("envvar", "auto_envvar_prefix"):
            found.append(f"click {node.arg}")  # click would read os.environ itself
    return found


def test_only_the_runtime_reads_the_process_environment() -> None:
    """No command or helper reads os.environ (or the user's name, ~, a click envvar) itself."""
    readers = {
        path.relative_to(PACKAGE).as_posix(): reads
        for path in sorted(PACKAGE.rglob("*.py"))
        if (reads := _process_reads(path))
    }
    assert readers == {"runtime.py": ["os.environ"]}


def test_render_takes_variables_from_the_runtime_not_os_environ(
    root: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``RECONCILER_VAR_*`` comes from main()'s runtime; the process's own is not read again."""
    monkeypatch.setenv("RECONCILER_VAR_workspace_id", "ws-process")
    runtime = Runtime({"RECONCILER_VAR_workspace_id": "ws-runtime"})
    assert cli.main(["render", "--env", "dev", "--project", str(root)], runtime=runtime) == 0
    bodies = json.loads(capsys.readouterr().out)
    assert {body["workspace_id"] for body in bodies.values()} == {"ws-runtime"}


def test_colour_follows_the_runtime_not_os_environ(
    root: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """FORCE_COLOR set in the process but not in the runtime: the plan has no colour."""
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.delenv("NO_COLOR", raising=False)
    args = ["plan", "--env", "dev", "--project", str(root)]
    assert cli.main(args, runtime=Runtime({})) == 0
    assert "\x1b[" not in capsys.readouterr().out
    assert cli.main(args, runtime=Runtime({"FORCE_COLOR": "1"})) == 0
    assert "\x1b[" in capsys.readouterr().out


def test_plan_uses_the_runtime_clock(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The runtime's clock is the plan's now: a start_at before it is in the past."""
    later = Runtime({}, clock=lambda: datetime(2036, 1, 1, tzinfo=UTC))
    assert cli.main(["plan", "--env", "dev", "--project", str(root)], runtime=later) == 0
    assert "start_at 2035-10-28T10:00:00+05:30 is in the past" in capsys.readouterr().out


def test_debug_follows_the_runtime(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """RECONCILER_DEBUG in the process but not in the runtime shows no traceback."""

    @click.command(name="bug")
    def bug_cmd() -> None:
        raise RuntimeError("internal detail")

    monkeypatch.setitem(cli._COMMANDS, "bug", f"{__name__}:BUG")
    monkeypatch.setitem(globals(), "BUG", bug_cmd)
    monkeypatch.setenv("RECONCILER_DEBUG", "1")
    assert cli.main(["bug"], runtime=Runtime({})) == 1
    assert "Traceback" not in capsys.readouterr().err
    assert cli.main(["bug"], runtime=Runtime({"RECONCILER_DEBUG": "1"})) == 1
    assert "Traceback" in capsys.readouterr().err


def test_the_actor_and_the_lock_name_the_runtime_user_and_ci_run(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Who applies, and the CI run in the lock's details, are the runtime's."""
    monkeypatch.setenv("GITHUB_RUN_ID", "99")
    runtime = Runtime({"USER": "ana", "GITHUB_RUN_ID": "77", "GITHUB_REPOSITORY": "o/r"})
    assert actor(runtime) == "ana (CI run 77)"
    store = open_store(".reconciler/dev.sqlite", "dev", root=root, api_url="sandbox")
    try:
        with store.locked("apply", environ=runtime.environ) as writer:
            assert writer.info.ci_run == "GitHub Actions run o/r 77"
        with store.locked("apply", environ={}) as writer:
            assert writer.info.ci_run == ""
    finally:
        store.close()


def test_library_load_campaigns_loads_as_the_cli(
    root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Same variables, same bodies as ``render``; the validation cache is kept as ``validate``."""
    write_state(root)  # the cache lives beside an existing state
    monkeypatch.setenv("RECONCILER_CACHE_DIR", str(tmp_path / "keys"))
    monkeypatch.setenv("RECONCILER_VAR_workspace_id", "ws-env")
    monkeypatch.delenv("RECONCILER_NO_CACHE", raising=False)
    args = ["render", "--env", "dev", "--project", str(root), "--show-sensitive"]
    assert cli.main(args) == 0
    rendered = json.loads(capsys.readouterr().out)
    loaded = reconciler.load_campaigns(root, "dev")
    assert not loaded.diagnostics
    assert {c.key: dict(c.body) for c in loaded.campaigns} == rendered
    assert rendered["promo"]["workspace_id"] == "ws-env"
    assert (root / ".reconciler/dev.sqlite.speccache").exists()
    again = reconciler.load_campaigns(root, "dev")
    assert {c.key for c in again.campaigns if not c.has_body} == {"promo", "sale"}
    assert again.campaigns == loaded.campaigns


def test_library_load_campaigns_takes_a_runtime(root: Path) -> None:
    """An explicit runtime replaces the process's: its variables, no cache key folder read."""
    runtime = Runtime({"RECONCILER_VAR_workspace_id": "ws-given", "RECONCILER_NO_CACHE": "1"})
    loaded = reconciler.load_campaigns(root, "dev", runtime=runtime)
    assert {c.body["workspace_id"] for c in loaded.campaigns} == {"ws-given"}
    assert not (root / ".reconciler/dev.sqlite.speccache").exists()


def test_runtime_colour_is_off_for_a_pipe() -> None:
    """The runtime's colour answer is should_color's over its own variables."""
    assert not Runtime({}).color(io.StringIO())
    assert Runtime({"FORCE_COLOR": "1"}).color(io.StringIO())
