"""Commands that write nothing leave a SQLite state as it was, byte for byte, and work for a
user who may only read it (docs/state.md, "Commands that write nothing").

The reader runs as a user who cannot write (``tests/support/unprivileged.py``: never as
root with its power to write anything), on a state made read-only for it.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from reconciler.cli import main
from reconciler.commands.apply import ApplyHooks, ApplyOptions, ApplyReport, apply_env
from reconciler.commands.inputs import RunInputs
from reconciler.config import load_project
from reconciler.errors import GuardError, StateError
from reconciler.runtime import Runtime
from reconciler.state.base import AttemptStatus
from tests.support.cli import CliResult, run_cli
from tests.support.projects import environment, make_project, one_file, plain_spec
from tests.support.unprivileged import read_only, reader, shared_folder

STATE = ".reconciler/dev.sqlite"


def _environments(state: str = STATE) -> list[str]:
    """dev; other, a switched state (dev's file, refused by the binding check); promoted,
    which reads dev's state only."""
    return [
        environment("dev", state=state),
        environment("other", state=state),
        environment("promoted", state=".reconciler/promoted.sqlite", promote_from="dev"),
    ]


def _sqlite_files(folder: Path) -> dict[str, tuple[str, int]]:
    """Every file of the state's folder but the validation cache: its digest and mode."""
    return {
        p.name: (hashlib.sha256(p.read_bytes()).hexdigest(), stat.S_IMODE(p.stat().st_mode))
        for p in sorted(folder.iterdir())
        if not p.name.endswith(".speccache")
    }


def _journal_mode(path: Path) -> bytes:
    """Bytes 18-19 of the SQLite header: 1,1 rollback journal; 2,2 WAL."""
    return path.read_bytes()[18:20]


def _ok(result: CliResult, code: int = 0) -> CliResult:
    assert result.returncode == code, result.output
    assert "internal error" not in result.output, result.output
    return result


@pytest.fixture
def project() -> Iterator[Path]:
    """dev has created c000 (c001 is still to create), then a no-op apply ran.

    The no-op apply by the state's owner used to switch the file into WAL mode, after
    which a reader needed -wal/-shm files beside it.
    """
    with shared_folder() as folder:
        root = make_project(
            folder / "project", one_file(["c000", "c001"]), environments=_environments()
        )
        first = _apply(root, "dev")
        assert (
            first.exit_code == 0
            and len([o for o in first.result.outcomes if o.status is AttemptStatus.CREATED]) == 1
        )
        assert _apply(root, "dev").nothing_to_do
        yield root


def _apply(root: Path, env: str, **options: Any) -> ApplyReport:
    """apply in process (the CLI's use case): only c000 unless told otherwise."""
    chosen = ApplyOptions(**{"auto_approve": True, "targets": ("c000",), **options})
    project = load_project(project_dir=root)
    return apply_env(project, env, chosen, ApplyHooks(), RunInputs(runtime=Runtime()))


def test_no_op_and_refused_applies_leave_the_state_as_it_was(project: Path):
    """The state's owner: a no-op apply, a guard's and a binding's refusal change no byte
    or mode of the state and add no file (no WAL mode, so no -wal/-shm for readers)."""
    folder = project / ".reconciler"
    before = _sqlite_files(folder)
    assert _journal_mode(folder / "dev.sqlite") == b"\x01\x01"
    assert _apply(project, "dev").nothing_to_do
    with pytest.raises(GuardError, match="refused"):
        _apply(project, "dev", targets=(), max_creates=0)
    with pytest.raises(StateError, match="belongs to environment"):
        _apply(project, "other", targets=())
    assert _sqlite_files(folder) == before
    assert _journal_mode(folder / "dev.sqlite") == b"\x01\x01"


def test_a_reader_who_cannot_write_plans_lists_and_applies_nothing(project: Path):
    """As a user who may only read, after applies: plan, state list and a no-op apply work
    and change nothing."""
    root = project
    folder = root / ".reconciler"
    read_only(folder / "dev.sqlite", folder)
    before = _sqlite_files(folder)
    user = reader()
    planned = _ok(user.run("plan", "--env", "dev", "--detailed-exitcode", cwd=root), 2)
    assert "1 to create" in planned.stdout and "c001" in planned.stdout, user.how
    assert "c000" in _ok(user.run("state", "list", "--env", "dev", cwd=root)).stdout
    noop = _ok(user.run("apply", "--env", "dev", "--auto-approve", "--target", "c000", cwd=root))
    assert "nothing was written" in noop.output
    assert _sqlite_files(folder) == before


@pytest.mark.slow
def test_a_reader_who_cannot_write_runs_every_command_that_writes_nothing(project: Path):
    """As a user who may only read: validate, render, state show, refused applies (a guard,
    a binding) work, refuse as they should, and change nothing; plan still works after."""
    root = project
    folder = root / ".reconciler"
    read_only(folder / "dev.sqlite", folder)
    before = _sqlite_files(folder)
    user = reader()
    _ok(user.run("validate", cwd=root))
    _ok(user.run("render", "--env", "dev", cwd=root))
    _ok(user.run("state", "show", "c000", "--env", "dev", cwd=root))
    guard = _ok(
        user.run("apply", "--env", "dev", "--auto-approve", "--max-creates", "0", cwd=root), 1
    )
    assert "refused" in guard.output
    _ok(user.run("apply", "--env", "other", "--auto-approve", cwd=root), 1)
    _ok(user.run("plan", "--env", "dev", "--detailed-exitcode", cwd=root), 2)
    assert _sqlite_files(folder) == before


def test_an_apply_that_cannot_write_the_state_folder_is_a_user_error(project: Path):
    """A writer in a folder it may not write: the path, the reason and a hint; exit 1.

    Nothing can have been sent: an intent is recorded before its request, and here
    nothing could be recorded.
    """
    root = project
    folder = root / ".reconciler"
    read_only(folder / "dev.sqlite", folder)
    before = _sqlite_files(folder)
    refused = _ok(reader().run("apply", "--env", "dev", "--auto-approve", cwd=root), 1)
    assert "cannot lock state .reconciler/dev.sqlite" in refused.stderr, refused.output
    assert "permission denied" in refused.stderr
    assert "hint: a writer creates the state and its lock file in .reconciler" in refused.stderr
    assert "created" not in refused.stdout
    assert _sqlite_files(folder) == before


def test_a_state_path_under_a_file_is_a_user_error(tmp_path: Path):
    """``state: afile/dev.sqlite`` where afile is a file: named, with a hint; exit 1."""
    files = {**one_file(["c000"]), "afile": "not a folder"}
    root = make_project(tmp_path / "project", files, environments=_environments("afile/dev.sqlite"))
    refused = _ok(run_cli("apply", "--env", "dev", "--auto-approve", cwd=root), 1)
    assert "cannot lock state afile/dev.sqlite: afile is a file, not a folder" in refused.stderr
    assert "hint: point `state:` of environment 'dev' at a file inside a folder" in refused.stderr
    assert (root / "afile").read_text() == "not a folder"


def test_a_wal_mode_state_without_its_log_is_read_without_side_files(project: Path):
    """A state left in WAL mode (by an older version's no-op apply) is read, as it is, by a
    reader who cannot create the -wal/-shm files SQLite would otherwise need."""
    root = project
    folder = root / ".reconciler"
    conn = sqlite3.connect(folder / "dev.sqlite")
    assert conn.execute("PRAGMA journal_mode = WAL").fetchone() == ("wal",)
    conn.close()  # the last connection: checkpointed, -wal and -shm deleted
    read_only(folder / "dev.sqlite", folder)
    before = _sqlite_files(folder)
    assert _journal_mode(folder / "dev.sqlite") == b"\x02\x02"
    user = reader()
    assert "c001" in _ok(user.run("plan", "--env", "dev", cwd=root)).stdout, user.how
    listing = json.loads(
        _ok(user.run("state", "list", "--env", "dev", "--format", "json", cwd=root)).stdout
    )
    assert [c["key"] for c in listing["campaigns"]] == ["c000"]
    assert _sqlite_files(folder) == before


def test_a_refused_command_writes_no_validation_cache(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """A plan or apply refused (a binding, a guard) writes no cache: not dev's, not the one
    of an environment pointed at dev's state (same file name); a plan reading dev's state
    for promotion neither. A plan that succeeds then keeps what it validated."""
    monkeypatch.setenv("RECONCILER_CACHE_DIR", str(tmp_path / "keys"))
    monkeypatch.delenv("RECONCILER_NO_CACHE", raising=False)
    root = project
    cache = root / ".reconciler" / "dev.sqlite.speccache"

    def run(*args: str) -> int:
        return main([*args, "--project", str(root)])

    assert run("plan", "--env", "dev") == 0
    warm = cache.read_bytes()
    (root / "campaigns" / "more.yaml").write_text(plain_spec("c002", 2), encoding="utf-8")
    assert run("plan", "--env", "other") == 1  # dev's state: refused
    assert run("apply", "--env", "other", "--auto-approve") == 1
    assert run("apply", "--env", "dev", "--auto-approve", "--max-creates", "0") == 1
    assert run("plan", "--env", "dev", "--max-creates", "0") == 1
    assert run("plan", "--env", "promoted") == 0
    assert cache.read_bytes() == warm
    assert run("plan", "--env", "dev") == 0
    assert cache.read_bytes() != warm  # c002's file is kept now
