"""The promotion benchmark: prod (``promote_from: staging``) planned beside staging.

Each prod row has a staging row doing the same work for staging: its first plan (empty
state: every campaign a create) beside prod's plan once staging created everything
(every campaign promotable, prod's state still empty); both after a comment was added to
every spec file (the source fingerprints then differ from staging's, so prod renders
every spec a second time with staging's variables; ``RECONCILER_NO_CACHE=1``: every run
renders, the worst case); after another comment, as CI runs them (staging's plan first,
then prod's, which finds staging's renders in staging's validation cache); and both
every push once each created everything.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from benchmarks.generate import ProjectShape
from benchmarks.measure import CLI, Measurement, repeat
from benchmarks.scenarios import Session, _plan_argv, _plan_check

PROD_STATE = "    state: .reconciler/prod.sqlite\n"
PROD_API = "    api_url: https://prod-contactswing-fastapi-962560522883.us-central1.run.app\n"
COMMENT = "# reviewed by the campaigns team\n"


def promotion_group(session: Session, n: int) -> None:
    """staging's plan and prod's plan, side by side, in the situations promotion meets."""
    root = _promoting_copy(session, n)
    _row(session, root, n, "staging", "empty state", "create")  # the copy has no state
    if not _apply(session, root, n, "staging"):
        return
    _row(session, root, n, "prod", "all created in staging, prod state empty", "create")
    _comment_every_spec(root, COMMENT)
    no_cache = {**session.env, "RECONCILER_NO_CACHE": "1"}
    label = "a comment in every spec, no cache"
    _row(session, root, n, "staging", label, "unchanged", no_cache)
    _row(session, root, n, "prod", f"{label} (renders each for staging)", "create", no_cache)
    # As CI runs them: staging's plan of the commit first, whose cache prod's then reads.
    _comment_every_spec(root, "# approved\n")
    label = "another comment, staging planned it first"
    _row(session, root, n, "staging", f"{label} (fills its cache)", "unchanged", times=1)
    _row(session, root, n, "prod", f"{label} (its cache answers)", "create")
    if not _apply(session, root, n, "prod"):
        return
    for env in ("staging", "prod"):
        _row(session, root, n, env, "all created, every push", "unchanged", warm=True)


def _row(
    session: Session,
    root: Path,
    n: int,
    env: str,
    label: str,
    expect: str,
    os_env: dict[str, str] | None = None,
    *,
    warm: bool = False,
    times: int | None = None,
) -> Measurement:
    """One timed plan of ``env`` whose summary must count ``n`` ``expect`` actions."""
    r, times = session.settings.recipients, times or session.settings.repeat
    os_env = session.env if os_env is None else os_env
    check = _plan_check(expect, n)
    if warm:  # every push: what may be cached was cached by an earlier plan
        repeat(Measurement("warm-up", n, r), _plan_argv(env), root, 1, os_env, check=check)
    row = Measurement(f"promotion: plan --env {env}, {label}", n, r)
    return session.add(repeat(row, _plan_argv(env), root, times, os_env, check=check))


def _comment_every_spec(root: Path, comment: str) -> None:
    for spec in sorted((root / "campaigns").rglob("*.yaml")):
        spec.write_text(comment + spec.read_text(encoding="utf-8"), encoding="utf-8")


def _apply(session: Session, root: Path, n: int, env: str) -> bool:
    setup = Measurement(f"promotion: apply {env}, in-process sandbox, p16 (setup)", n,
                        session.settings.recipients)  # fmt: skip
    argv = [*CLI, "apply", "--env", env, "--auto-approve", "--parallelism", "16"]
    return not session.add(repeat(setup, argv, root, 1, session.env)).failed


def _promoting_copy(session: Session, n: int) -> Path:
    """A copy of the generated project (no state) whose prod promotes from staging and
    sends to the in-process sandbox (never to a real API)."""
    shape = ProjectShape(n, session.settings.recipients, "inline")
    source = session.project(shape)
    root = session.workdir / f"promotion-{n}"
    shutil.rmtree(root, ignore_errors=True)
    shutil.copytree(source, root, ignore=shutil.ignore_patterns(".reconciler"))
    project = root / "reconciler.yaml"
    text = project.read_text(encoding="utf-8")
    assert PROD_STATE in text and PROD_API in text, "the generated project file changed"
    text = text.replace(PROD_STATE, PROD_STATE + "    promote_from: staging\n")
    text = text.replace(PROD_API, "    api_url: sandbox\n")
    text = text.replace("    max_recipients: 500000\n", "")  # 10,000 x 100 recipients
    project.write_text(text, encoding="utf-8")
    return root
