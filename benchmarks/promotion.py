"""The promotion benchmark: prod (``promote_from: staging``) planned beside staging.

Everything is created in staging first (in-process sandbox). Then both plans are timed
as every push sees them, and again after a comment was added to every spec file: the
source fingerprints then differ from staging's, so prod renders every spec a second
time with staging's variables (``reconciler.commands.promotion``). Those two rows run
with ``RECONCILER_NO_CACHE=1``, so that every run renders (the worst case).
"""

from __future__ import annotations

import shutil
from pathlib import Path

from benchmarks.generate import ProjectShape
from benchmarks.measure import CLI, Measurement, repeat
from benchmarks.scenarios import Session, _plan_argv, _plan_check

PROD_STATE = "    state: .reconciler/prod.sqlite\n"
COMMENT = "# reviewed by the campaigns team\n"


def promotion_group(session: Session, n: int) -> None:
    """Rows for staging's plan and prod's plan, before and after a comment-only edit."""
    s = session.settings
    root = _promoting_copy(session, session.project(ProjectShape(n, s.recipients, "inline")), n)
    setup = Measurement("promotion: apply staging, p16 (setup)", n, s.recipients)
    argv = [*CLI, "apply", "--env", "staging", "--auto-approve", "--parallelism", "16"]
    if session.add(repeat(setup, argv, root, 1, session.env)).failed:
        return
    _pair(session, root, n, "all created in staging, every push", session.env)
    for spec in sorted((root / "campaigns").rglob("*.yaml")):
        spec.write_text(COMMENT + spec.read_text(encoding="utf-8"), encoding="utf-8")
    no_cache = {**session.env, "RECONCILER_NO_CACHE": "1"}
    _pair(session, root, n, "a comment in every spec, no cache", no_cache)


def _pair(session: Session, root: Path, n: int, label: str, env: dict[str, str]) -> None:
    """staging's plan (all unchanged), then prod's (all promotable), each warmed once."""
    r, times = session.settings.recipients, session.settings.repeat
    for name, expect in (("staging", "unchanged"), ("prod", "create")):
        check = _plan_check(expect, n)
        repeat(Measurement("warm-up", n, r), _plan_argv(name), root, 1, env, check=check)
        row = Measurement(f"promotion: plan --env {name}, {label}", n, r)
        session.add(repeat(row, _plan_argv(name), root, times, env, check=check))


def _promoting_copy(session: Session, source: Path, n: int) -> Path:
    """A copy of the generated project (no state) whose prod promotes from staging."""
    root = session.workdir / f"promotion-{n}"
    shutil.rmtree(root, ignore_errors=True)
    shutil.copytree(source, root, ignore=shutil.ignore_patterns(".reconciler"))
    project = root / "reconciler.yaml"
    text = project.read_text(encoding="utf-8")
    assert PROD_STATE in text, "the generated project file changed"
    project.write_text(text.replace(PROD_STATE, PROD_STATE + "    promote_from: staging\n"))
    return root
