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

from reconciler.commands.plan import PlanRequest, make_plan_for_env
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
    Command,
    FaultProfile,
    History,
    RunApply,
    RunPlan,
    RunTwoApplies,
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
STEPS = int(os.environ.get("RECONCILER_CAMPAIGN_STEPS", "10"))
MAX_SPECS = 6
FAULT_ORDER = ("reset", "timeout", "500", "503", "429")
APPLY = ("apply", "--env", "dev", "--auto-approve", "--format", "json", "--lock-timeout", "10")

# Each list starts with its most telling value: hypothesis's first history is made of
# first values (a SIGKILLed apply against a slow sandbox that resets connections).
profiles = st.builds(
    FaultProfile,
    rate=st.sampled_from([0.5, 0.25, 0.0]),
    kinds=st.lists(st.sampled_from(FAULT_ORDER), min_size=1, unique=True).map(tuple),
    seed=st.integers(0, 999),
    latency_ms=st.sampled_from([150, 40, 5]),
)
applies = st.builds(
    RunApply,
    parallelism=st.sampled_from([2, 1, 4]),
    ending=st.sampled_from(["SIGKILL", "finish", "SIGTERM"]),
    answers=st.integers(1, 3),
    delay=st.sampled_from([0.0, 0.01, 0.05]),
    restart=st.none() | profiles,
)
# What may follow a change: applies are what the campaign is about, so three times as likely.
commands = st.one_of(
    applies,
    applies,
    applies,
    st.builds(RunPlan),
    st.builds(RunTwoApplies, wait=st.booleans()),
    st.none(),
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
        self.resolved = 0
        self.faults: dict[str, int] = dict.fromkeys(FAULT_NAMES, 0)

    def line(self) -> str:
        faults = ", ".join(f"{k} {v}" for k, v in self.faults.items())
        return (
            f"{self.histories} histories, {self.steps} steps, {self.kills} SIGKILL, "
            f"{self.terms} SIGTERM, {self.resolved} resolved; faults injected: {faults}; "
            f"duplicates: {self.duplicates}"
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

    # -- set-up, and the rules: a change, then maybe a command -----------------------------

    @initialize(profile=profiles, specs=st.integers(3, MAX_SPECS))
    def start(self, profile: FaultProfile, specs: int) -> None:
        """A sandbox misbehaving by ``profile``, and a project of ``specs`` campaigns."""
        self.figures.histories += 1
        self.sandbox.start(profile)
        self.state = SQLITE_STATE if self.backend == "sqlite" else self._new_database()
        make_project(self.root, api_url=self.sandbox.url, state=self.state)
        self.history.lines.append(f"# project: dev on {self.sandbox.url}, state {self.state}")
        for _ in range(specs):
            self.add_spec(None)

    def _new_database(self) -> str:
        self.database = f"reconciler_c_{uuid.uuid4().hex[:12]}"
        _admin(f'CREATE DATABASE "{self.database}"')
        url = make_url(admin_url()).set(database=self.database)
        return url.render_as_string(hide_password=False)

    def _write(self, spec: Spec, then: Command) -> None:
        (self.root / spec.path).parent.mkdir(parents=True, exist_ok=True)
        (self.root / spec.path).write_text(spec.text(), encoding="utf-8")
        self.history.write(spec)
        self._then(then)

    def _then(self, command: Command) -> None:
        """After a change, maybe a command (every rule may lead to one: see ``commands``)."""
        self.figures.steps += 1
        if command is None:
            return
        self.promises_hold()  # after the change, before the command
        self.figures.steps += 1
        if isinstance(command, RunPlan):
            self._plan_cli()
        elif isinstance(command, RunApply):
            self._apply(command)
        else:
            self._two_applies(command)

    def _pick(self, specs: dict[str, Spec], which: int) -> Spec:
        return specs[sorted(specs)[which % len(specs)]]

    @precondition(lambda self: len(self.specs) < MAX_SPECS)
    @rule(then=commands)
    def add_spec(self, then: Command) -> None:
        spec = Spec(self.numbers, [f"s{self.numbers}"])
        self.numbers += 1
        self.specs[spec.name] = spec
        self._write(spec, then)

    @precondition(lambda self: self.deleted and len(self.specs) < MAX_SPECS)
    @rule(which=st.integers(0, 9), then=commands)
    def restore_spec(self, which: int, then: Command) -> None:
        spec = self.deleted.pop(self._pick(self.deleted, which).name)
        self.specs[spec.name] = spec
        self._write(spec, then)

    @precondition(lambda self: self.specs)
    @rule(which=st.integers(0, 9), then=commands)
    def edit_spec(self, which: int, then: Command) -> None:
        spec = self._pick(self.specs, which)
        spec.version += 1
        self._write(spec, then)

    @precondition(lambda self: self.specs)
    @rule(which=st.integers(0, 9), then=commands)
    def rename_spec(self, which: int, then: Command) -> None:
        spec = self._pick(self.specs, which)
        spec.keys.append(f"{spec.name}-r{len(spec.keys)}")
        self._write(spec, then)

    @precondition(lambda self: self.specs)
    @rule(which=st.integers(0, 9), then=commands)
    def delete_spec(self, which: int, then: Command) -> None:
        spec = self.specs.pop(self._pick(self.specs, which).name)
        self.deleted[spec.name] = spec
        (self.root / spec.path).unlink()
        self.history.lines.append(f"rm {spec.path}")
        self._then(then)

    @rule(then=commands)
    def run(self, then: Command) -> None:
        """A command with no change before it."""
        self._then(then)

    @precondition(lambda self: self._unresolved())
    @rule(which=st.integers(0, 9))
    def resolve(self, which: int) -> None:
        """What a person does with a key in doubt: import it if ContactSwing has it."""
        keys = self._unresolved()
        key = keys[which % len(keys)]
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
        self.figures.resolved += 1

    # -- the commands -------------------------------------------------------------------------

    def _plan_cli(self) -> None:
        result = cli(self.history, self.root, "plan", "--env", "dev", "--format", "json")
        assert result.returncode == 0, result.output
        held = self.sandbox.names()
        actions = json.loads(result.stdout)["actions"]
        creates = [a["key"] for a in actions if a["action"] == "create"]
        self._check([k for k in creates if identity(k) in held] == [], "plan creates a held key")

    def _apply(self, command: RunApply) -> None:
        if command.restart is not None:  # the API restarted, misbehaving otherwise
            self.sandbox.start(command.restart)
        args = (*APPLY, "--parallelism", str(command.parallelism))
        before = self.sandbox.answered()
        proc = start_cli(self.root, *args)
        suffix, signalled = "", False
        if command.ending in SIGNALS:
            sig = SIGNALS[command.ending]
            signalled = interrupt(proc, self.sandbox, command.answers, command.delay, sig)
            suffix = f" &  # then kill -{command.ending[3:]} after {command.answers} answers"
            suffix += f" and {command.delay}s"
        self.history.run(*args, suffix=suffix)
        out, err = finish(proc, EXITS[command.ending])
        if proc.returncode == -signal.SIGTERM:  # before its handlers were set, or after
            ended = self.sandbox.answered() == before or _is_report(out)
            self._check(ended, f"SIGTERM's default action ended an apply mid-run:\n{out}{err}")
        self.figures.kills += signalled and command.ending == "SIGKILL"
        self.figures.terms += signalled and command.ending == "SIGTERM"
        self.sandbox.settle()

    def _two_applies(self, command: RunTwoApplies) -> None:
        """Two applies at once: one holds the lock; the other waits for it or exits 1."""
        second = ("--lock-timeout", "30" if command.wait else "0")
        procs = [start_cli(self.root, *APPLY), start_cli(self.root, *APPLY[:-2], *second)]
        self.history.run(*APPLY, suffix=" &")
        self.history.run(*APPLY[:-2], *second, suffix=" &\nwait")
        for proc in procs:
            finish(proc, {0, 1})
        self.sandbox.settle()

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
        return make_plan_for_env(project, PlanRequest("dev", {}, now, CLI_ENV)).plan

    def teardown(self) -> None:
        self.sandbox.stop()
        for name, n in self.sandbox.faults.items():
            self.figures.faults[name] += n
        if self.database:
            _admin(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')
        shutil.rmtree(self.workdir, ignore_errors=True)


# The budget above takes about two minutes per backend on a loaded 2-core machine; the
# timeout only stops a hung history (a bigger budget needs --timeout 0 or a larger one).
@pytest.mark.timeout(900)
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
