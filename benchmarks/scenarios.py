"""The benchmark scenarios: what is run, on which generated project, against which target.

Every measurement is the real CLI (``python -m reconciler ...``) in a subprocess, on a
project from ``benchmarks.generate``. A run whose output is wrong (a plan that does not
plan N creates, an apply that does not create N campaigns) counts as a failure.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from benchmarks.generate import (
    ProjectShape,
    generate_project,
    write_catalog,
    write_project_file,
    write_rate_card,
)
from benchmarks.measure import (
    CLI,
    Measurement,
    RunResult,
    Sandbox,
    campaign_count,
    repeat,
    run_once,
    sending_seconds,
)

TOKEN = "bench-token-not-a-secret"  # the sandbox accepts any token; never a real one


@dataclass(frozen=True)
class Settings:
    """Sizes and repetitions of one benchmark session."""

    sizes: tuple[int, ...] = (1_000, 10_000)
    recipients: int = 100
    big: int = 200_000
    apply_n: int = 1_000
    parallelism: tuple[int, ...] = (1, 4, 16)
    repeat: int = 3
    version_repeat: int = 10
    judge: bool = True  # compare with the targets (off for the smoke size)
    only: tuple[str, ...] = ()  # substrings of measurement groups to run


def bench_env() -> dict[str, str]:
    """The OS environment of every run: no RECONCILER_* leaking in, no colour."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("RECONCILER_")}
    env.update({"NO_COLOR": "1", "PYTHONUTF8": "1", "CONTACTSWING_TOKEN": TOKEN})
    return env


class Session:
    """Generates projects once per shape and collects measurements."""

    def __init__(self, workdir: Path, settings: Settings, log: Callable[[str], None]) -> None:
        self.workdir = workdir
        self.settings = settings
        self.log = log
        self.env = bench_env()
        self.results: list[Measurement] = []
        self._projects: dict[ProjectShape, Path] = {}

    def wanted(self, group: str) -> bool:
        return not self.settings.only or any(o in group for o in self.settings.only)

    def project(self, shape: ProjectShape) -> Path:
        if shape not in self._projects:
            root = self.workdir / shape.label
            if root.exists():
                shutil.rmtree(root)
            self.log(f"generating {shape.label}")
            generate_project(root, shape, cache_dir=self.workdir / "cache")
            self._projects[shape] = root
        return self._projects[shape]

    def add(self, measurement: Measurement) -> Measurement:
        self.results.append(measurement)
        status = (
            "FAILED: " + measurement.error
            if measurement.failed
            else (f"median {measurement.median:.3f} s, peak {measurement.peak_mb:.0f} MB")
        )
        self.log(f"  {measurement.name} N={measurement.n} R={measurement.r}: {status}")
        return measurement

    def judged(
        self, measurement: Measurement, seconds: float | None = None, mb: float | None = None
    ) -> Measurement:
        """Give ``measurement`` its target (none when not judging, as in the smoke run)."""
        if self.settings.judge and (seconds is not None or mb is not None):
            parts = [
                f"≤ {seconds:g} s" if seconds is not None else "",
                f"≤ {mb:g} MB" if mb else "",
            ]
            measurement.target = ", ".join(p for p in parts if p)
            measurement.target_seconds, measurement.target_mb = seconds, mb
        return measurement


def _clear_state(root: Path) -> Callable[[], None]:
    """Remove the state directory (and any cache beside it): an empty-state run."""

    def clear() -> None:
        shutil.rmtree(root / ".reconciler", ignore_errors=True)

    return clear


def _plan_check(expect: str, count: int) -> Callable[[RunResult], str]:
    """A plan run is right only if its JSON summary counts ``count`` ``expect`` actions."""

    def check(result: RunResult) -> str:
        try:
            summary = json.loads(result.stdout)["summary"]
        except (ValueError, KeyError, TypeError) as exc:
            return f"plan --format json gave no summary ({exc}): {result.stdout[:200]!r}"
        got = summary.get(expect) if isinstance(summary, dict) else None
        return "" if got == count else f"expected {count} {expect}, summary {summary}"

    return check


def _with_cost(check: Callable[[RunResult], str]) -> Callable[[RunResult], str]:
    """``check``, and the plan must hold an estimate (a top-level ``cost``)."""

    def checked(result: RunResult) -> str:
        problem = check(result)
        return problem or ("" if '"cost": {' in result.stdout else "the plan has no cost")

    return checked


def _plan_argv(env: str = "dev") -> list[str]:
    return [*CLI, "plan", "--env", env, "--format", "json"]


def plan_group(session: Session, n: int, audience: str) -> None:
    """validate, plan (empty state), then every-push plan (everything created)."""
    s = session.settings
    shape = ProjectShape(n, s.recipients, audience)
    root = session.project(shape)
    big = n * s.recipients >= 1_000_000
    mb = 300 if big else None
    plan_target = {"inline": 8.0, "csv": 3.0}.get(audience) if n >= 10_000 else None
    clear = _clear_state(root)
    validate = session.judged(Measurement(f"validate ({audience})", n, s.recipients), None, mb)
    session.add(repeat(validate, [*CLI, "validate"], root, s.repeat, session.env, before=clear))
    plan = Measurement(f"plan, empty state ({audience})", n, s.recipients)
    session.judged(plan, plan_target, mb)
    check = _plan_check("create", n)
    session.add(repeat(plan, _plan_argv(), root, s.repeat, session.env, before=clear, check=check))
    _every_push(session, root, n, audience, mb)


def catalog_group(session: Session, n: int) -> None:
    """plan (empty state) without, then with a catalogue of 500 templates and a rate card.

    Target: within 1.25x of the plan without them.
    """
    s = session.settings
    root = session.project(ProjectShape(n, s.recipients, "inline"))
    clear, check = _clear_state(root), _plan_check("create", n)
    plain = Measurement("plan, empty state, no catalogue or rate card", n, s.recipients)
    session.add(repeat(plain, _plan_argv(), root, s.repeat, session.env, before=clear, check=check))
    catalog, card = write_catalog(root), write_rate_card(root)
    project = root / "reconciler.yaml"
    text = project.read_text(encoding="utf-8")
    project.write_text(text + "catalog: catalog.json\nrate_card: rates.csv\n", "utf-8")
    try:
        name = "plan, empty state, catalogue of 500 templates and a rate card"
        with_both = Measurement(name, n, s.recipients)
        target = 1.25 * plain.median if not plain.failed and n >= 10_000 else None
        session.judged(with_both, target)
        session.add(repeat(with_both, _plan_argv(), root, s.repeat, session.env,
                           before=clear, check=_with_cost(check)))  # fmt: skip
    finally:
        write_project_file(root)
        catalog.unlink()
        card.unlink()


def _every_push(session: Session, root: Path, n: int, audience: str, mb: float | None) -> None:
    """Create everything (in-process sandbox), then time the plan that finds nothing to do."""
    s = session.settings
    setup = Measurement(f"apply, in-process sandbox, p16 ({audience}; setup)", n, s.recipients)
    session.add(repeat(setup, [*CLI, "apply", "--env", "dev", "--auto-approve",
                               "--parallelism", "16"], root, 1, session.env))  # fmt: skip
    if setup.failed:
        return
    check = _plan_check("unchanged", n)
    cold = Measurement(f"plan, all created, first run ({audience})", n, s.recipients)
    session.add(repeat(cold, _plan_argv(), root, 1, session.env, check=check))
    target = 1.0 if n >= 10_000 else None
    warm = Measurement(f"plan, all created, every push ({audience})", n, s.recipients)
    session.judged(warm, target, mb)
    session.add(repeat(warm, _plan_argv(), root, s.repeat, session.env, check=check))


def big_campaign_group(session: Session) -> None:
    """One campaign with a very large CSV audience: validate and plan."""
    s = session.settings
    root = session.project(ProjectShape(1, s.big, "csv"))
    clear = _clear_state(root)
    target = 2.0 if s.big >= 200_000 else None
    # The target is for validating the campaign once: one environment. Without --env,
    # validate checks each of the three environments, so that row is shown beside it.
    one_env = Measurement("validate --env prod, one big CSV audience", 1, s.big)
    session.judged(one_env, target)
    argv = [*CLI, "validate", "--env", "prod"]
    session.add(repeat(one_env, argv, root, s.repeat, session.env, before=clear))
    every = Measurement("validate (3 environments), one big CSV audience", 1, s.big)
    session.add(repeat(every, [*CLI, "validate"], root, s.repeat, session.env, before=clear))
    session.add(repeat(Measurement("plan, one big CSV audience, empty state", 1, s.big),
                       _plan_argv(), root, s.repeat, session.env, before=clear,
                       check=_plan_check("create", 1)))  # fmt: skip


def apply_group(session: Session) -> None:
    """apply N creates against ``reconciler sandbox`` (a separate process on loopback)."""
    s = session.settings
    root = session.project(ProjectShape(s.apply_n, s.recipients, "mixed"))
    try:
        sandbox = Sandbox(root, session.env)
    except RuntimeError as exc:
        session.add(Measurement("reconciler sandbox start", 0, 0, error=str(exc)))
        return
    with sandbox:
        write_project_file(root, sandbox.url)
        for parallelism in s.parallelism:
            measurement = Measurement(f"apply to sandbox on loopback, p{parallelism}", s.apply_n,
                                      s.recipients, rate_unit="creates/s")  # fmt: skip
            if s.judge and parallelism == 16 and s.apply_n >= 1_000:
                measurement.target, measurement.target_rate = "≥ 250 creates/s", 250.0
            _apply_runs(session, root, sandbox, measurement, parallelism)
            session.add(measurement)
        write_project_file(root)
    _latency_row(session, root)


LATENCY_MS = 250


def _latency_row(session: Session, root: Path) -> None:
    """apply at p16 against a sandbox that answers after 250 ms: the ceiling is 64 creates/s
    (16 in flight, 4 answers each per second); the target is 80 % of it while sending."""
    s = session.settings
    name = f"apply to sandbox at {LATENCY_MS} ms latency, p16"
    measurement = Measurement(name, s.apply_n, s.recipients, rate_unit="creates/s")
    if s.judge and s.apply_n >= 1_000:
        ceiling = 16 * 1000 / LATENCY_MS
        measurement.target = f"≥ {0.8 * ceiling:g} creates/s sending (80 % of {ceiling:g})"
        measurement.target_rate, measurement.judge_sending = 0.8 * ceiling, True
    try:
        sandbox = Sandbox(root, session.env, "--latency-ms", str(LATENCY_MS))
    except RuntimeError as exc:
        session.add(Measurement("reconciler sandbox start", 0, 0, error=str(exc)))
        return
    with sandbox:
        write_project_file(root, sandbox.url)
        _apply_runs(session, root, sandbox, measurement, 16)
        session.add(measurement)
        write_project_file(root)


def _apply_runs(
    session: Session, root: Path, sandbox: Sandbox, measurement: Measurement, parallelism: int
) -> None:
    argv = [*CLI, "apply", "--env", "staging", "--auto-approve", "--parallelism",
            str(parallelism)]  # fmt: skip
    for _ in range(session.settings.repeat):
        _clear_state(root)()
        before, cpu = sandbox.count(), sandbox.cpu_seconds()
        result = run_once(argv, root, session.env)
        listing = sandbox.listing()
        created = campaign_count(listing) - before
        if not result.ok or created != measurement.n:
            tail = " | ".join((result.stderr or result.stdout).strip().splitlines()[-6:])
            measurement.error = f"exit {result.returncode}, {created} created: {tail}"
            return
        measurement.runs.append(result)
        measurement.rates.append(created / result.seconds)
        sending = sending_seconds(listing, before)
        if sending:
            measurement.sending_rates.append((created - 1) / sending)
        measurement.server_cpu.append(sandbox.cpu_seconds() - cpu)


def version_group(session: Session) -> None:
    """Start-up time of ``reconciler --version`` (the console script when installed)."""
    script = Path(sys.executable).with_name("reconciler")
    argv = [str(script)] if script.exists() else [*CLI]
    measurement = session.judged(Measurement("reconciler --version (start-up)", 0, 0), 0.15)
    session.add(repeat(measurement, [*argv, "--version"], session.workdir,
                       session.settings.version_repeat, session.env))  # fmt: skip


def run_all(session: Session) -> list[Measurement]:
    """Every scenario the settings ask for, in an order that reuses generated projects."""
    if session.wanted("version"):
        version_group(session)
    for n in session.settings.sizes:
        for audience in ("inline", "csv"):
            if session.wanted(f"plan-{audience}"):
                plan_group(session, n, audience)
        if session.wanted("plan-catalog"):
            catalog_group(session, n)
        if session.wanted("promotion"):
            from benchmarks.promotion import promotion_group  # it builds on this module

            promotion_group(session, n)
        if session.wanted("board"):
            from benchmarks.board import board_group  # it builds on this module

            board_group(session, n)
        if session.wanted("policies"):
            from benchmarks.policies import policies_group  # it builds on this module

            policies_group(session, n)
    if session.wanted("big"):
        big_campaign_group(session)
    if session.wanted("apply"):
        apply_group(session)
    return session.results


def rate_text(measurement: Measurement) -> str:
    """Median rate of the whole command, and of its sending phase when known."""
    if not measurement.rates:
        return ""
    text = f"{statistics.median(measurement.rates):.0f} {measurement.rate_unit}"
    if measurement.sending_rates:
        text += f" (sending: {statistics.median(measurement.sending_rates):.0f})"
    return text
