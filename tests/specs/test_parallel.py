"""Loading on several cores gives exactly what loading in one process gives."""

from __future__ import annotations

import os
import pickle
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from reconciler.config import load_project
from reconciler.specs import parallel
from reconciler.specs.bodies import load_bodies
from reconciler.specs.cache_session import spec_cache_enabled
from reconciler.specs.loader import LoadResult, load_campaigns, resolve_variables
from reconciler.specs.parallel import jobs_for, map_in_processes
from tests.specs.cases import J2_LOOP
from tests.specs.helpers import GOOD_CSV, GOOD_SPEC, spec_with
from tests.support.projects import make_project

CSV_SPEC = spec_with(
    """  customer_details:
    - {id: c1, to_number: "+919812345601"}
    - {id: c2, to_number: "+919812345602"}
""",
    "  customer_details_csv: audiences/a.csv\n",
)


def _pid_of(value: int) -> tuple[int, int]:
    return value, os.getpid()


def _fail_on_seven(value: int) -> int:
    if value == 7:
        raise ValueError(f"bad input {value}")
    return value


def test_results_come_back_in_order_from_worker_processes() -> None:
    """Every result is computed by a forked worker and the order is the inputs' order."""
    results = map_in_processes(_pid_of, list(range(50)), 2)
    assert [value for value, _ in results] == list(range(50))
    pids = {pid for _, pid in results}
    assert os.getpid() not in pids
    assert 1 <= len(pids) <= 2  # a fast worker may take every chunk


def test_an_exception_in_a_worker_is_raised_in_the_caller() -> None:
    """A failing input fails the whole call, with the worker's exception."""
    with pytest.raises(ValueError, match="bad input 7"):
        map_in_processes(_fail_on_seven, list(range(40)), 2)


def test_one_job_or_another_thread_keeps_the_work_in_this_process() -> None:
    """Forking a process that runs other threads is unsafe: the caller computes it all."""
    assert {pid for _, pid in map_in_processes(_pid_of, list(range(10)), 1)} == {os.getpid()}
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        results = map_in_processes(_pid_of, list(range(10)), 2)
    finally:
        stop.set()
        other.join()
    assert {pid for _, pid in results} == {os.getpid()}


@pytest.mark.parametrize(
    ("count", "value", "expected"),
    [
        (10, "", 1),  # too few to be worth a pool
        (parallel.AUTO_MIN_ITEMS, "", parallel.available_cores()),
        (10, "3", 3),
        (2, "8", 2),  # never more processes than inputs
        (500, "1", 1),
        (500, "zero", parallel.available_cores()),  # not a number: the default
    ],
)
def test_jobs_for(count: int, value: str, expected: int) -> None:
    """RECONCILER_JOBS chooses the number of processes; by default one per core for many."""
    environ = {parallel.JOBS_ENV: value} if value else {}
    assert jobs_for(count, environ) == expected


def _mixed_project(root: Path) -> Path:
    """Good and bad specs of every kind: inline, CSV, whole-file templates, errors, warnings."""
    files: dict[str, str | bytes] = {
        "audiences/a.csv": GOOD_CSV,
        "campaigns/j2/loop.yaml.j2": J2_LOOP,
    }
    for i in range(60):
        files[f"campaigns/inline/s{i:02}.yaml"] = GOOD_SPEC.replace("key: promo", f"key: in-{i}")
        files[f"campaigns/csv/c{i:02}.yaml"] = CSV_SPEC.replace("key: promo", f"key: csv-{i}")
    files["campaigns/bad/number.yaml"] = spec_with('"+919812345602"', '"12"').replace(
        "key: promo", "key: bad-number"
    )
    files["campaigns/bad/yaml.yaml"] = spec_with("  type: WHATSAPP", "  type: [WHATSAPP")
    files["campaigns/bad/undefined.yaml"] = spec_with("name: Promo", 'name: "{{ vars.nope }}"')
    files["campaigns/bad/dup.yaml"] = GOOD_SPEC.replace("key: promo", "key: in-3")
    for name in ("a", "b"):  # one variable's errors, grouped at it
        files[f"campaigns/bad/var-{name}.yaml"] = spec_with(
            "vars.assistant_id", "vars.language"
        ).replace("key: promo", f"key: var-{name}")
        files[f"campaigns/bad/undefined-{name}.yaml"] = spec_with(
            "name: Promo", 'name: "{{ vars.nowhere }}"'
        ).replace("key: promo", f"key: undefined-{name}")
    files["campaigns/notes.txt"] = "a warning"
    files["campaigns/empty.yaml"] = ""  # a warning
    files["campaigns/nolang.yaml"] = GOOD_SPEC.replace("key: promo", "key: nolang").replace(
        '    language_code: "{{ vars.language }}"\n', ""
    )
    return make_project(root, files)


def _load(root: Path, jobs: str, environ: dict[str, str] | None = None) -> LoadResult:
    project = load_project(project_dir=root)
    variables = resolve_variables(project, "dev", os_environ={})
    env = {parallel.JOBS_ENV: jobs, **(environ or {})}
    return load_campaigns(project, "dev", variables, os_environ=env)


# Both loads in a fresh interpreter: a thread another test left behind in this process
# would (rightly) keep the "pooled" load from forking.
LOAD_BOTH = """
import pickle, sys
from pathlib import Path
from reconciler.specs import parallel
from tests.specs.test_parallel import _load
root, out = Path(sys.argv[1]), Path(sys.argv[2])
forked = parallel.can_fork()
out.write_bytes(pickle.dumps((forked, _load(root, "1"), _load(root, "2"))))
"""


def test_a_project_loads_the_same_on_several_cores(tmp_path: Path) -> None:
    """Campaigns, bodies, fingerprints, lines and every diagnostic equal the serial load."""
    root = _mixed_project(tmp_path / "p")
    out = tmp_path / "loads.pickle"
    cwd = Path(__file__).resolve().parents[2]  # the checkout, so `tests` imports
    subprocess.run([sys.executable, "-c", LOAD_BOTH, str(root), str(out)], cwd=cwd, check=True)
    forked, serial, pooled = pickle.loads(out.read_bytes())
    assert forked  # else the "pooled" load would have run in one process
    assert len(serial.campaigns) > 100
    assert len(serial.errors) >= 4 and serial.warnings
    assert len([d for d in serial.errors if d.location.file == "reconciler.yaml"]) == 2
    assert pooled.campaigns == serial.campaigns
    assert [c.body_json for c in pooled.campaigns] == [c.body_json for c in serial.campaigns]
    assert pooled.diagnostics == serial.diagnostics


def test_files_loaded_on_several_cores_are_cached(tmp_path: Path) -> None:
    """The cache stores what the workers found: the next load takes every file from it."""
    root = make_project(
        tmp_path / "p",
        {
            "audiences/a.csv": GOOD_CSV,
            **{
                f"campaigns/c{i:02}.yaml": CSV_SPEC.replace("key: promo", f"key: k{i}")
                for i in range(30)
            },
        },
    )
    (root / ".reconciler").mkdir()
    (root / ".reconciler/dev.sqlite").write_bytes(b"")
    environ = {"RECONCILER_CACHE_DIR": str(tmp_path / "keys")}
    with spec_cache_enabled():  # one command: its cache is written when it ends
        first = _load(root, "2", environ)
    with spec_cache_enabled():
        second = _load(root, "2", environ)
    assert all(c.has_body for c in first.campaigns)
    assert not any(c.has_body for c in second.campaigns)  # all from the cache
    assert second.campaigns == first.campaigns
    keys = {c.key for c in second.campaigns}
    loaded = load_bodies(second.bodies, second.campaigns, keys)
    assert [c.body for c in loaded] == [c.body for c in first.campaigns]


WORKERS_OUTLIVE = """
import os, sys, time
from reconciler.specs.parallel import map_in_processes

def record(value):
    with open(os.path.join(sys.argv[1], str(os.getpid())), "w"):
        pass
    time.sleep(60)
    return value

map_in_processes(record, list(range(4)), 2)
"""


@pytest.mark.slow
def test_workers_die_with_a_killed_parent(tmp_path: Path) -> None:
    """A SIGKILLed plan leaves no worker behind (they would hold files and CPU)."""
    script = tmp_path / "outlive.py"
    script.write_text(textwrap.dedent(WORKERS_OUTLIVE), encoding="utf-8")
    pids_dir = tmp_path / "pids"
    pids_dir.mkdir()
    parent = subprocess.Popen([sys.executable, str(script), str(pids_dir)])
    try:
        deadline = time.monotonic() + 30
        while len(list(pids_dir.iterdir())) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        workers = [int(p.name) for p in pids_dir.iterdir()]
        assert len(workers) == 2
        parent.send_signal(signal.SIGKILL)
        parent.wait(timeout=10)
        deadline = time.monotonic() + 10
        while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not any(_alive(pid) for pid in workers)
    finally:
        parent.kill()
        parent.wait()


def _alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie, dead but not yet reaped by init, counts as gone)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
            return handle.read().split(") ")[-1][:1] != "Z"
    except FileNotFoundError:
        return False
