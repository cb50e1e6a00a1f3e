"""A truncated or corrupted SQLite state: a clear error, nothing planned as new, nothing sent.

A state that cannot be read must never look like an empty one: that would plan, and
apply would send, every campaign again.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.e2e.support import TOKEN_ENV, sandbox_process
from tests.support.backends import SQLITE_STATE
from tests.support.cli import TRACEBACK_MARK, run_cli
from tests.support.projects import make_project, numbered, one_file

pytestmark = pytest.mark.slow


def _truncate_half(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _empty(path: Path) -> None:
    path.write_bytes(b"")


def _scribble(path: Path) -> None:
    data = bytearray(path.read_bytes())
    for offset in range(200, len(data), 97):  # past the header: the schema and the rows
        data[offset] = 0xFF
    path.write_bytes(bytes(data))


@pytest.mark.parametrize(
    "corrupt", [_truncate_half, _scribble, _empty], ids=["truncated", "scribbled", "emptied"]
)
def test_a_corrupted_state_is_refused_and_nothing_is_sent_again(
    tmp_path: Path, corrupt: Callable[[Path], None]
) -> None:
    root = tmp_path / "project"
    with sandbox_process() as sandbox:
        keys = numbered(5)
        make_project(root, one_file(keys), api_url=sandbox.url, state=SQLITE_STATE)
        first = run_cli("apply", "--env", "dev", "--auto-approve", cwd=root, env=TOKEN_ENV)
        assert first.returncode == 0, first.output
        corrupt(root / ".reconciler" / "dev.sqlite")
        for command in (("plan",), ("apply", "--auto-approve"), ("state", "list")):
            result = run_cli(*command, "--env", "dev", cwd=root, env=TOKEN_ENV)
            assert result.returncode == 1, result.output
            said = ("cannot read state", "holds no reconciler tables")
            assert any(words in result.stderr for words in said), result.output
            assert TRACEBACK_MARK not in result.output
            assert "to create" not in result.output
        assert sandbox.counts() == dict.fromkeys(keys, 1)
