"""A SIGTERM that lands after the last outcome is recorded, while apply prints its report.

Found by the fault campaign (tests/e2e/test_fault_campaign.py): the signal handlers were
restored before the report was printed, so a cancelled CI job killed apply there with
SIGTERM's default action: its summary (a job summary, a JSON report) was lost.
"""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path
from types import FrameType

import pytest

from reconciler import cli
from reconciler.cli import apply_cmd
from reconciler.runtime import Runtime
from tests.support.projects import make_project, numbered, one_file


class _DefaultActionRan(Exception):
    """Stands for SIGTERM's default action, which would end this test process."""


def _default_action(signum: int, frame: FrameType | None) -> None:
    raise _DefaultActionRan


def test_a_sigterm_while_the_report_is_printed_still_prints_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    root = make_project(tmp_path / "project", one_file(numbered(2)))
    emit = apply_cmd._emit

    def emit_after_a_sigterm(*args: object, **kwargs: object) -> None:
        os.kill(os.getpid(), signal.SIGTERM)  # handled at once, in this (the main) thread
        emit(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(apply_cmd, "_emit", emit_after_a_sigterm)
    previous = signal.signal(signal.SIGTERM, _default_action)
    try:
        argv = ["apply", "--env", "dev", "--auto-approve", "--format", "json", "-q"]
        status = cli.main([*argv, "--project", str(root)], Runtime({}))
    finally:
        signal.signal(signal.SIGTERM, previous)
    report = json.loads(capsys.readouterr().out)
    assert report["summary"]["created"] == 2
    assert status == 0  # the run had finished: its own status, not a cancel's
