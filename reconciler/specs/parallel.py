"""One function over many inputs on several cores: how spec files are loaded in bulk.

Rendering and validating a spec file is pure CPU work on its own inputs, so a cold plan
of thousands of files is spread over forked worker processes (docs/performance.md).
Workers inherit the function and its inputs through ``fork`` (nothing is pickled on the
way in) and send back only their results, in order. Nothing here writes anything; a
worker that outlives its parent is killed by the kernel (``PR_SET_PDEATHSIG``).

Processes are used only where ``fork`` is safe and cheap: on Linux, from a process with
no other thread. Elsewhere, or with ``RECONCILER_JOBS=1``, the same function runs in
this process, one input after another, with the same results.
"""

from __future__ import annotations

import contextlib
import gc
import math
import os
import signal
import sys
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

__all__ = ["JOBS_ENV", "jobs_for", "map_in_processes"]

JOBS_ENV = "RECONCILER_JOBS"
# Below this many inputs a pool costs more than it saves (forking, then sending results
# back): measured ~40 ms to start two workers; 64 specs of 100 recipients load in ~0.1 s.
AUTO_MIN_ITEMS = 64
_PR_SET_PDEATHSIG = 1  # linux/prctl.h

T = TypeVar("T")
R = TypeVar("R")

# The work of the pool being run; forked workers find it here.
_WORK: tuple[Callable[[Any], Any], Sequence[Any]] | None = None


def available_cores() -> int:
    """Cores this process may run on (its CPU affinity where the OS tells it)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def jobs_for(count: int, environ: Mapping[str, str]) -> int:
    """How many processes should handle ``count`` inputs.

    ``RECONCILER_JOBS=N`` asks for N (1: all in this process); unset or invalid, one per
    available core once there are ``AUTO_MIN_ITEMS`` inputs.
    """
    text = environ.get(JOBS_ENV, "").strip()
    if text.isdigit() and int(text) >= 1:
        return min(int(text), max(count, 1))
    if count < AUTO_MIN_ITEMS:
        return 1
    return available_cores()


def can_fork() -> bool:
    """Whether worker processes may be forked from here (Linux, no other thread)."""
    return sys.platform == "linux" and threading.active_count() == 1


def map_in_processes(func: Callable[[T], R], items: Sequence[T], jobs: int) -> list[R]:
    """``[func(item) for item in items]``, computed by ``jobs`` forked processes.

    The results come back in the order of ``items``. An exception raised by ``func``
    is raised here. With one job, few items or where forking is not safe, this process
    computes them itself.
    """
    if jobs <= 1 or len(items) < 2 or not can_fork():
        return [func(item) for item in items]
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    global _WORK
    # Small chunks keep both cores busy to the end (spec files differ in cost); 8 per
    # worker and round trip amortise the pickling of the round trip itself.
    size = max(1, min(64, math.ceil(len(items) / (jobs * 8))))
    ranges = [(start, min(start + size, len(items))) for start in range(0, len(items), size)]
    _WORK = (func, items)
    pool = ProcessPoolExecutor(
        max_workers=jobs,
        mp_context=multiprocessing.get_context("fork"),
        initializer=_worker_started,
        initargs=(os.getpid(),),
    )
    results: list[R] = []
    try:
        for part in pool.map(_run_range, ranges):
            results.extend(part)
    except BaseException:
        # Interrupted or failed: do not wait for the chunks still queued.
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    finally:
        _WORK = None
    pool.shutdown(wait=True)
    return results


def _worker_started(parent: int) -> None:
    """In each worker: Ctrl-C is the parent's to handle; die with the parent."""
    # What the parent held at the fork (a state connection, a lock file) is never
    # collected, and so never closed or finalised, here.
    gc.freeze()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    with contextlib.suppress(OSError, AttributeError):
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)


def _run_range(bounds: tuple[int, int]) -> list[Any]:
    """In a worker: the results of one chunk of the inputs."""
    assert _WORK is not None  # set by map_in_processes before forking
    func, items = _WORK
    start, end = bounds
    return [func(items[index]) for index in range(start, end)]
