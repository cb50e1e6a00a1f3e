"""The repository's example project with states that show every state of the board.

dev (the sandbox) has created every campaign, then one spec changed and one was
removed; staging has created two (imported) and holds one create in doubt; prod has
created one. So the board shows created, to create, awaiting promotion, changed, gone
and in doubt. The benchmark's screenshot row and docs/report-board.png use it too.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

from reconciler.state import open_store
from reconciler.state.base import Attempt, AttemptStatus
from tests.support.cli import run_cli
from tests.support.factories import record_intents, record_outcome
from tests.support.projects import copy_example

FIRST = "2027-01-04"  # the calendar's first day: the welcome campaigns start then
EXTRA = "campaigns/retired.yaml"  # created in dev, then removed: gone


def state_env(root: Path) -> dict[str, str]:
    """The variables naming staging's and prod's states (SQLite files in the project)."""
    return {
        "RECONCILER_STAGING_STATE": str(root / ".reconciler" / "staging.sqlite"),
        "RECONCILER_PROD_STATE": str(root / ".reconciler" / "prod.sqlite"),
    }


def _cli(root: Path, *args: str) -> None:
    result = run_cli(*args, cwd=root, env=state_env(root))
    assert result.returncode == 0, result.output


def build_example(root: Path) -> Path:
    """The example project at ``root``, its three states written (see the module)."""
    copy_example(root)
    welcome = (root / "campaigns/onboarding/welcome.yaml").read_text(encoding="utf-8")
    retired = welcome.split("\n---\n")[0].replace("welcome-en", "welcome-retired")
    (root / EXTRA).write_text(retired.replace("Welcome (English)", "Welcome (old)"), "utf-8")
    _cli(root, "apply", "--env", "dev", "--auto-approve")
    (root / EXTRA).unlink()
    nps = root / "campaigns/feedback/nps-survey.yaml"
    nps.write_text(nps.read_text("utf-8").replace('"NPS survey Q1 2027"', '"NPS survey, Q1"'))
    for key, campaign_id in (("welcome-en", "stg-1001"), ("diwali-2027-vip", "stg-1002")):
        _cli(
            root, "state", "import", key, "--id", campaign_id, "--env", "staging", "--auto-approve"
        )
    _cli(
        root, "state", "import", "welcome-en", "--id", "prd-2001", "--env", "prod", "--auto-approve"
    )
    _in_doubt(root, "welcome-no", "staging")
    return root


def _in_doubt(root: Path, key: str, env: str) -> None:
    """A create of ``key`` sent and never answered (a timeout): in doubt."""
    location = state_env(root)[f"RECONCILER_{env.upper()}_STATE"]
    store = open_store(location, env, root=root)
    try:
        with store.locked("tests") as writer:
            attempt = Attempt(
                id=0, key=key, kind="create", status=AttemptStatus.PENDING,
                fingerprint="0" * 64, source_fingerprint="0" * 64, body=None,
                idempotency_key=f"idem-{key}", started_at=datetime(2026, 12, 1, 9, tzinfo=UTC),
                actor="ci", run_id="run-7",
            )  # fmt: skip
            (recorded,) = record_intents(writer, [attempt])
            record_outcome(
                writer,
                Attempt(
                    **{**recorded.__dict__, "status": AttemptStatus.IN_DOUBT, "error": "timeout"}
                ),
            )
    finally:
        store.close()


def write_report(root: Path, out: Path, *args: str) -> None:
    """``reconciler report`` of the example, from FIRST."""
    env = {**state_env(root), **({"TZ": os.environ["TZ"]} if "TZ" in os.environ else {})}
    result = run_cli("report", "--out", str(out), "--from", FIRST, *args, cwd=root, env=env)
    assert result.returncode == 0, result.output
