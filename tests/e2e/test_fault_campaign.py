"""The fault campaign: generated histories of a user's project against a failing sandbox.

A hypothesis state machine adds, edits, renames (``previous_keys``) and deletes specs;
plans and applies through the real CLI against ``reconciler sandbox`` with faults (500,
503, 429, timeout, reset), SIGKILLs and SIGTERMs the apply at random instants, runs two
applies at once, and resolves in-doubt campaigns from the sandbox's listing with
``state import``/``state forget``, as a person would. After every step:

- each campaign is created on the server at most once;
- every campaign the server holds is recorded in the state as created or in doubt, and
  every recorded id is one the server gave;
- the state's serial only grows;
- a plan never shows as ``create`` a campaign the server holds.

The budget is fixed and the seed printed (``RECONCILER_CAMPAIGN_SEED``,
``RECONCILER_CAMPAIGN_EXAMPLES``, ``RECONCILER_CAMPAIGN_STEPS`` change them; see
docs/reliability.md). A failure prints the history as a shell script.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis import seed as use_seed
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from reconciler.commands.plan import make_plan_for_env
from reconciler.config import load_project
from reconciler.plan import ActionKind, Plan
from reconciler.state import read_snapshot
from reconciler.state.base import StateSnapshot
from tests.e2e.support import free_port
from tests.support.backends import BACKENDS, SQLITE_STATE, admin_url
from tests.support.campaign import (
    CLI_ENV,
    EXITS,
    FAULT_NAMES,
    SIGNALS,
    CampaignSandbox,
    FaultProfile,
    History,
    Spec,
    cli,
    finish,
    identity,
    interrupt,
    start_cli,
)
from tests.support.projects import make_project

pytestmark = pytest.mark.slow

SEED = int(os.environ.get("RECONCILER_CAMPAIGN_SEED", "16"))
EXAMPLES = int(os.environ.get("RECONCILER_CAMPAIGN_EXAMPLES", "4"))
STEPS = int(os.environ.get("RECONCILER_CAMPAIGN_STEPS", "16"))
MAX_SPECS = 6
APPLY = ("apply", "--env", "dev", "--auto-approve", "--format", "json", "--lock-timeout", "10")

profiles = st.builds(
    FaultProfile,
    rate=st.sampled_from([0.0, 0.25, 0.5]),
    kinds=st.lists(st.sampled_from(FAULT_NAMES), min_size=1, unique=True).map(tuple),
    seed=st.integers(0, 999),
    latency_ms=st.sampled_from([5, 40, 150]),
)


def _is_report(stdout: str) -> bool:
    """Whether apply printed its whole JSON report."""
    try:
        return "summary" in json.loads(stdout)
    except ValueError:
        return False


def _admin(statement: str) -> None:
    engine = create_engine(admin_url(), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text(statement))
    finally:
        engine.dispose()


class Figures:
    """What all histories of one run did, for docs/reliability.md."""

    def __init__(self) -> None:
        self.histories = self.steps = self.kills = self.terms = self.duplicates = 0
        self.faults: dict[str, int] = dict.fromkeys(FAULT_NAMES, 0)

    def line(self) -> str:
        faults = ", ".join(f"{k} {v}" for k, v in self.faults.items())
        return (
            f"{self.histories} histories, {self.steps} steps, {self.kills} SIGKILL, "
            f"{self.terms} SIGTERM, faults injected: {faults}; duplicates: {self.duplicates}"
        )


class FaultCampaign(RuleBasedStateMachine):
    """One history: a project, its state on ``backend``, and a sandbox."""

    backend = "sqlite"
    figures = Figures()

    def __init__(self) -> None:
        super().__init__()
        self.workdir = Path(tempfile.mkdtemp(prefix="fault-campaign-"))
        self.root = self.workdir / "project"
        self.history = History()
        self.sandbox = CampaignSandbox(self.workdir, free_port(), self.history)
        self.specs: dict[str, Spec] = {}
        self.deleted: dict[str, Spec] = {}
        self.numbers = 0
        self.serial = 0
        self.database = ""
        self.figures.histories += 1

    # -- set-up and the specs (no command runs) -------------------------------------------

    @initialize(profile=profiles)
    def start(self, profile: FaultProfile) -> None:
        self.sandbox.start(profile)
        self.state = SQLITE_STATE if self.backend == "sqlite" else self._new_database()
        make_project(self.root, api_url=self.sandbox.url, state=self.state)
        self.history.lines.append(f"# project: dev on {self.sandbox.url}, state {self.state}")

    def _new_database(self) -> str:
        self.database = f"reconciler_c_{uuid.uuid4().hex[:12]}"
        _admin(f'CREATE DATABASE "{self.database}"')
        url = make_url(admin_url()).set(database=self.database)
        return url.render_as_string(hide_password=False)

    def _write(self, spec: Spec) -> None:
        (self.root / spec.path).parent.mkdir(parents=True, exist_ok=True)
        (self.root / spec.path).write_text(spec.text(), encoding="utf-8")
        self.history.write(spec)
        self.figures.steps += 1

    @precondition(lambda self: len(self.specs) < MAX_SPECS)
    @rule()
    def add_spec(self) -> None:
        spec = Spec(self.numbers)
        self.numbers += 1
        spec.keys.append(spec.name)
        self.specs[spec.name] = spec
        self._write(spec)

    @precondition(lambda self: self.deleted and len(self.specs) < MAX_SPECS)
    @rule(data=st.data())
    def restore_spec(self, data: st.DataObject) -> None:
        spec = self.deleted.pop(data.draw(st.sampled_from(sorted(self.deleted))))
        self.specs[spec.name] = spec
        self._write(spec)

    @precondition(lambda self: self.specs)
    @rule(data=st.data())
    def edit_spec(self, data: st.DataObject) -> None:
        spec = self.specs[data.draw(st.sampled_from(sorted(self.specs)))]
        spec.version += 1
        self._write(spec)

    @precondition(lambda self: self.specs)
    @rule(data=st.data())
    def rename_spec(self, data: st.DataObject) -> None:
        spec = self.specs[data.draw(st.sampled_from(sorted(self.specs)))]
        spec.keys.append(f"{spec.name}-r{len(spec.keys)}")
        self._write(spec)

    @precondition(lambda self: self.specs)
    @rule(data=st.data())
    def delete_spec(self, data: st.DataObject) -> None:
        spec = self.specs.pop(data.draw(st.sampled_from(sorted(self.specs))))
        self.deleted[spec.name] = spec
        (self.root / spec.path).unlink()
        self.history.lines.append(f"rm {spec.path}")
        self.figures.steps += 1

    # -- commands ---------------------------------------------------------------------------

    @rule(profile=profiles)
    def restart_sandbox(self, profile: FaultProfile) -> None:
        self.sandbox.start(profile)
        self.figures.steps += 1

    @rule()
    def plan(self) -> None:
        result = cli(self.history, self.root, "plan", "--env", "dev", "--format", "json")
        assert result.returncode == 0, result.output
        held = self.sandbox.names()
        creates = [
            a["key"] for a in json.loads(result.stdout)["actions"] if a["action"] == "create"
        ]
        self._check([k for k in creates if identity(k) in held] == [], "plan creates a held key")
        self.figures.steps += 1

    @rule(
        parallelism=st.sampled_from([1, 2, 4]),
        ending=st.sampled_from(["finish", "SIGTERM", "SIGKILL"]),
        answers=st.integers(0, 3),
        delay=st.sampled_from([0.0, 0.02, 0.1]),
    )
    def apply(self, parallelism: int, ending: str, answers: int, delay: float) -> None:
        args = (*APPLY, "--parallelism", str(parallelism))
        before = self.sandbox.answered()
        proc = start_cli(self.root, *args)
        suffix = ""
        if ending in SIGNALS:
            interrupt(proc, self.sandbox, answers, delay, SIGNALS[ending])
            suffix = f" &  # then kill -{ending[3:]} after {answers} answers and {delay}s"
        self.history.run(*args, suffix=suffix)
        expected = EXITS[ending] | ({-signal.SIGTERM} if ending == "SIGTERM" else set())
        out, err = finish(proc, expected)
        if proc.returncode == -signal.SIGTERM:  # before its handlers were set, or after
            ended = self.sandbox.answered() == before or _is_report(out)
            self._check(ended, f"SIGTERM's default action ended an apply mid-run:\n{out}{err}")
        self.figures.kills += proc.returncode == -signal.SIGKILL
        self.figures.terms += proc.returncode == 130
        self.sandbox.settle()
        self.figures.steps += 1

    @rule(wait=st.booleans())
    def two_applies(self, wait: bool) -> None:
        """Two applies at once: one holds the lock; the other waits for it or exits 1."""
        second = ("--lock-timeout", "30") if wait else ("--lock-timeout", "0")
        procs = [start_cli(self.root, *APPLY), start_cli(self.root, *APPLY[:-2], *second)]
        self.history.run(*APPLY, suffix=" &")
        self.history.run(*APPLY[:-2], *second, suffix=" &\nwait")
        for proc in procs:
            finish(proc, {0, 1})
        self.sandbox.settle()
        self.figures.steps += 1

    @precondition(lambda self: self._unresolved())
    @rule(data=st.data())
    def resolve(self, data: st.DataObject) -> None:
        """What a person does with a key in doubt: import it if ContactSwing has it."""
        key = data.draw(st.sampled_from(sorted(self._unresolved())))
        server_id = self.sandbox.ids().get(identity(key))
        common = ("--env", "dev", "--auto-approve", "--lock-timeout", "10")
        if server_id is not None:
            result = cli(
                self.history, self.root, "state", "import", key, "--id", server_id, *common
            )
        else:
            result = cli(self.history, self.root, "state", "forget", key, *common)
        assert result.returncode == 0, result.output
        self.figures.steps += 1

    def _unresolved(self) -> list[str]:
        return sorted(self._snapshot().in_doubt)

    # -- invariants -------------------------------------------------------------------------

    def _snapshot(self) -> StateSnapshot:
        if not hasattr(self, "state"):
            return StateSnapshot.empty("dev")
        return read_snapshot(self.state, "dev", root=self.root, api_url=self.sandbox.url)

    def _check(self, holds: bool, what: str) -> None:
        if not holds:
            print(f"fault campaign: {what}; seed {SEED}; the history:\n{self.history.script()}")
            raise AssertionError(f"{what} (the history is printed above)")

    @invariant()
    def promises_hold(self) -> None:
        if not hasattr(self, "state"):
            return
        held = self.sandbox.names()
        twice = sorted(name for name, n in held.items() if n > 1)
        self.figures.duplicates += len(twice)
        self._check(twice == [], f"created twice on the server: {twice}")
        snap = self._snapshot()
        known = {identity(k) for k in [*snap.campaigns, *snap.in_doubt]}
        self._check(set(held) <= known, f"held but not recorded: {sorted(set(held) - known)}")
        ids = self.sandbox.ids()
        wrong = {
            k: r.campaign_id
            for k, r in snap.campaigns.items()
            if ids.get(identity(k)) != r.campaign_id
        }
        self._check(wrong == {}, f"recorded with an id the server did not give: {wrong}")
        self._check(snap.serial >= self.serial, f"serial fell from {self.serial} to {snap.serial}")
        self.serial = snap.serial
        creates = [a.key for a in self._plan().actions if a.kind is ActionKind.CREATE]
        self._check([k for k in creates if identity(k) in held] == [], "plans a held key as create")

    def _plan(self) -> Plan:
        project = load_project(project_dir=self.root)
        now = datetime.now(UTC)
        return make_plan_for_env(project, "dev", {}, now=now, os_environ=CLI_ENV).plan

    def teardown(self) -> None:
        self.sandbox.stop()
        for name, n in self.sandbox.faults.items():
            self.figures.faults[name] += n
        if self.database:
            _admin(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')
        shutil.rmtree(self.workdir, ignore_errors=True)


@pytest.mark.parametrize("backend", BACKENDS)
def test_generated_histories_keep_every_promise(backend: str) -> None:
    """Every history keeps the four promises after every step (see the module docstring)."""
    machine = type(f"FaultCampaign_{backend}", (FaultCampaign,), {"backend": backend})
    machine.figures = Figures()
    print(f"fault campaign on {backend}: seed {SEED}, {EXAMPLES} histories of {STEPS} steps")
    started = time.monotonic()
    run_state_machine_as_test(
        use_seed(SEED)(machine),
        settings=settings(
            max_examples=EXAMPLES,
            stateful_step_count=STEPS,
            deadline=None,
            database=None,
            phases=(Phase.explicit, Phase.generate),
            suppress_health_check=list(HealthCheck),
            report_multiple_bugs=False,
        ),
    )
    print(f"fault campaign on {backend}: {machine.figures.line()}")
    print(f"fault campaign on {backend}: {time.monotonic() - started:.0f} s")
