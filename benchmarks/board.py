"""The campaign board benchmark: ``report`` over three environments beside ``plan`` of one.

On a copy of the generated project where every environment sends to the in-process
sandbox and prod promotes from staging, each environment creates everything; then, every
push: ``plan --env prod`` (the heaviest single plan: it also reads staging's state) and
``report`` over the three environments, in the same run, so their ratio is measured on
one machine state. Target: the report within 2x that plan. The report runs twice: with
the default calendar (today: no campaign starts within six weeks) and with six busy weeks
(``--from 2030-01-01``: about an eighth of the campaigns on the calendar, in every
environment, their bodies loaded). With Chromium (``RECONCILER_CHROMIUM`` or
/usr/bin/chromium) and Playwright installed, the busy page is opened in headless Chromium:
the time from navigation to the load event and the next painted frame, and to the filter
applied. Target: under 2 s.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

from benchmarks.generate import ProjectShape
from benchmarks.measure import CLI, Measurement, RunResult, repeat, run_once
from benchmarks.scenarios import Session, _plan_argv, _plan_check

PROD_STATE = "    state: .reconciler/prod.sqlite\n"
SANDBOX = "    api_url: sandbox\n"
BUSY_FROM = "2030-01-01"  # the generated campaigns start throughout 2030
RENDER_TARGET = 2.0
CHROMIUM = os.environ.get("RECONCILER_CHROMIUM") or "/usr/bin/chromium"
RENDER = Path(__file__).with_name("render_page.py")


def board_group(session: Session, n: int) -> None:
    """Plan of one environment, report of three, and the page in a browser."""
    s = session.settings
    root = _board_copy(session, n)
    for env in ("dev", "staging", "prod"):
        setup = Measurement(f"board: apply {env}, in-process sandbox, p16 (setup)", n, s.recipients)
        argv = [*CLI, "apply", "--env", env, "--auto-approve", "--parallelism", "16"]
        if session.add(repeat(setup, argv, root, 1, session.env)).failed:
            return
    check = _plan_check("unchanged", n)
    plan_argv = _plan_argv("prod")
    repeat(Measurement("warm-up", n, s.recipients), plan_argv, root, 1, session.env, check=check)
    plan = Measurement("board: plan --env prod, all created, every push", n, s.recipients)
    session.add(repeat(plan, plan_argv, root, s.repeat, session.env, check=check))
    target = 2 * plan.median if not plan.failed else None
    out = root / "board.html"
    for label, extra in (
        ("calendar of 6 empty weeks", []),
        ("6 busy weeks", ["--from", BUSY_FROM]),
    ):
        argv = [*CLI, "report", "--out", str(out), *extra]
        repeat(Measurement("warm-up", n, s.recipients), argv, root, 1, session.env)
        name = f"board: report, 3 environments, every push, {label} (target: 2x the plan above)"
        row = session.judged(Measurement(name, n, s.recipients), target)
        session.add(repeat(row, argv, root, s.repeat, session.env, check=_page_check(out)))
    if not out.exists():
        return
    session.log(f"  the busy page: {out.stat().st_size / 1e6:.1f} MB")
    _render_rows(session, out, n)


def _page_check(out: Path) -> Callable[[RunResult], str]:
    """A report run is right only if it wrote a page with the board."""

    def check(result: RunResult) -> str:
        written = out.exists() and '<table class="board">' in out.read_text("utf-8")
        return "" if written else "no board in the page"

    return check


def _render_rows(session: Session, page: Path, n: int) -> None:
    """The page in headless Chromium: loaded and painted; then the filter applied."""
    s = session.settings
    if not Path(CHROMIUM).exists():
        session.log(f"  no Chromium at {CHROMIUM}: the render rows are left out")
        return
    rows = {
        "load": Measurement("board: the busy page loaded and painted in headless Chromium", n,
                            s.recipients),
        "filter": Measurement("board: the attention filter applied in headless Chromium", n,
                              s.recipients),
    }  # fmt: skip
    session.judged(rows["load"], RENDER_TARGET)
    session.judged(rows["filter"], RENDER_TARGET)
    for _ in range(s.repeat):
        result = run_once([sys.executable, str(RENDER), str(page), CHROMIUM], page.parent)
        if not result.ok:
            for row in rows.values():
                row.error = f"exit {result.returncode}: {result.stderr.strip()[-300:]}"
            break
        timings = json.loads(result.stdout)
        for key, row in rows.items():
            row.runs.append(dataclasses.replace(result, seconds=float(timings[key])))
    for row in rows.values():
        session.add(row)


def _board_copy(session: Session, n: int) -> Path:
    """A copy of the generated project (no state): every environment on the sandbox,
    prod promoting from staging."""
    shape = ProjectShape(n, session.settings.recipients, "inline")
    source = session.project(shape)
    root = session.workdir / f"board-{n}"
    shutil.rmtree(root, ignore_errors=True)
    shutil.copytree(source, root, ignore=shutil.ignore_patterns(".reconciler"))
    project = root / "reconciler.yaml"
    lines = project.read_text(encoding="utf-8").splitlines(keepends=True)
    text = "".join(SANDBOX if line.startswith("    api_url: ") else line for line in lines)
    assert PROD_STATE in text, "the generated project file changed"
    text = text.replace(PROD_STATE, PROD_STATE + "    promote_from: staging\n")
    text = text.replace("    max_recipients: 500000\n", "")
    project.write_text(text, encoding="utf-8")
    return root
