"""The audience policies' benchmark: N created campaigns, N/10 new, all four policies.

The project of N + N/10 campaigns is generated; the last N/10 spec files are moved
aside while the first N are applied (in-process sandbox), then put back: the state
holds N created campaigns (N x R recorded recipients), the plan has N/10 to create.
Each plan runs without, then with, the policies (``mode: warn``, ``suppression_mode:
drop``, so the plan exits 0 whatever it finds), each after one untimed run that fills
the validation cache; then every push (nothing to create) the same way.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

from benchmarks.generate import POOL_CAP, ProjectShape, _pool_cached
from benchmarks.measure import CLI, Measurement, RunResult, repeat
from benchmarks.scenarios import Session, _plan_argv, _plan_check

POLICIES = (
    "suppression: [audiences/opt-outs.csv]\n"
    "suppression_mode: drop\n"
    "frequency_cap: {max: 3, days: 7, mode: warn}\n"
    "messaging_limit: 100000\n"
    "messaging_limit_mode: warn\n"
    "quiet_hours: {start: 21, end: 8, mode: warn}\n"
)
OPT_OUT_EVERY = 100  # one customer in a hundred opted out


def policies_group(session: Session, n: int) -> None:
    """plan with N/10 to create, and every push, each without and with the policies."""
    new = max(n // 10, 1)
    root = _prepared(session, n, new)
    if root is None:
        return
    check = _plan_check("create", new)
    label = f"policies: plan, {n:,} created, {new:,} to create"
    plain = _warm_row(session, root, f"{label}, none set", n, check)
    _set_policies(root, on=True)
    try:
        target = 2 * plain.median if not plain.failed else None
        _warm_row(session, root, f"{label}, all four", n, check, target, 400)
    finally:
        _set_policies(root, on=False)
    _every_push(session, root, n, new)


def _warm_row(
    session: Session,
    root: Path,
    name: str,
    n: int,
    check: Callable[[RunResult], str],
    seconds: float | None = None,
    mb: float | None = None,
) -> Measurement:
    """One untimed plan (it fills the validation cache), then the timed ones; judged at
    full size only."""
    s = session.settings
    repeat(Measurement("warm-up", n, s.recipients), _plan_argv(), root, 1, session.env, check=check)
    row = Measurement(name, n, s.recipients)
    if n >= 10_000:
        session.judged(row, seconds, mb)
    return session.add(repeat(row, _plan_argv(), root, s.repeat, session.env, check=check))


def _every_push(session: Session, root: Path, n: int, new: int) -> None:
    """Everything created: today's every-push plan, then the same with the policies."""
    s = session.settings
    argv = [*CLI, "apply", "--env", "dev", "--auto-approve", "--parallelism", "16"]
    setup = Measurement("policies: apply the new ones (setup)", new, s.recipients)
    if session.add(repeat(setup, argv, root, 1, session.env)).failed:
        return
    check = _plan_check("unchanged", n + new)
    plain = _warm_row(session, root, "policies: plan, every push, none set", n + new, check)
    _set_policies(root, on=True)
    try:
        target = 1.1 * plain.median if not plain.failed else None
        _warm_row(session, root, "policies: plan, every push, all four", n + new, check, target)
    finally:
        _set_policies(root, on=False)


def _prepared(session: Session, n: int, new: int) -> Path | None:
    """A copy of the generated project whose state holds its first ``n`` campaigns."""
    shape = ProjectShape(n + new, session.settings.recipients, "inline")
    source = session.project(shape)
    root = session.workdir / f"policies-{n}"
    shutil.rmtree(root, ignore_errors=True)
    shutil.copytree(source, root, ignore=shutil.ignore_patterns(".reconciler"))
    size = max(shape.recipients, min(shape.campaigns * shape.recipients, POOL_CAP))
    pool = _pool_cached(size, shape.seed, session.workdir / "cache")  # the project's numbers
    numbers = "\n".join(f",{number}" for number in pool[::OPT_OUT_EVERY])
    (root / "audiences").mkdir(exist_ok=True)
    (root / "audiences" / "opt-outs.csv").write_text(f"id,to_number\n{numbers}\n", "utf-8")
    aside, later = root / "later", sorted((root / "campaigns").rglob("*.yaml"))[n:]
    for spec in later:
        target = aside / spec.relative_to(root)
        target.parent.mkdir(parents=True, exist_ok=True)
        spec.rename(target)
    argv = [*CLI, "apply", "--env", "dev", "--auto-approve", "--parallelism", "16"]
    setup = Measurement("policies: apply the first ones (setup)", n, session.settings.recipients)
    failed = session.add(repeat(setup, argv, root, 1, session.env)).failed
    for spec in later:
        (aside / spec.relative_to(root)).rename(spec)
    return None if failed else root


def _set_policies(root: Path, *, on: bool) -> None:
    project = root / "reconciler.yaml"
    text = project.read_text(encoding="utf-8").replace(POLICIES, "")
    project.write_text(POLICIES + text if on else text, encoding="utf-8")
