"""The benchmark report: machine description, results table, linearity, RESULTS.md."""

from __future__ import annotations

import os
import platform
import re
import statistics
import subprocess
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from benchmarks.measure import Measurement
from benchmarks.scenarios import rate_text

ANALYSIS_HEADING = "## Analysis"
LINEAR_FACTOR = 12.0  # 10x the work may cost at most 12x the time

README = """\
# Benchmarks

`python benchmarks/run.py` generates deterministic synthetic projects
(`benchmarks/generate.py`: N campaigns of R recipients, inline lists or CSV audiences,
three environments, valid mobile numbers of 16 regions) and runs the real CLI on them,
each command a separate process. Every figure is the median of `--repeat` runs (min and
max beside it); `cpu s` is the command's own user + system time, its worker processes
included; peak memory is the largest of any run, taken in a fresh wrapper process that
starts the command (so the harness's own memory never counts): the larger of the
command's `ru_maxrss` (from `wait4`) and the sum of the resident sets of it and its
worker processes, sampled every 20 ms (an upper bound: pages a forked worker shares with
its parent count twice). The apply figures run
`reconciler sandbox` as a separate process on 127.0.0.1 and count the campaigns it
holds (`GET /_sandbox/campaigns`) before and after; "sending" is the rate between the
first and the last create the sandbox saw.

    python benchmarks/run.py                 # the full sizes below (about 25 minutes)
    python benchmarks/run.py --smoke         # tiny sizes, one run each (CI; never judged on time)
    python benchmarks/run.py --sizes 1000 --repeat 5 --only plan-inline
    python benchmarks/profile.py --cwd PROJECT -- plan --env dev   # where the time goes (py-spy)

"Empty state" runs delete `.reconciler/` (the state and anything cached beside it)
before each run; "every push" runs plan a project whose every campaign is already
created, after one first run (shown on its own row) has warmed what may be cached.
"""


def machine_description() -> dict[str, str]:
    """CPU model, cores, memory, Python and OS of this machine."""
    cpu = _first_match(Path("/proc/cpuinfo"), r"model name\s*:\s*(.+)") or platform.processor()
    mem_kb = _first_match(Path("/proc/meminfo"), r"MemTotal:\s*(\d+)")
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {
        "CPU": cpu or "unknown",
        "cores available": str(cores),
        "memory": f"{int(mem_kb) / 1024 / 1024:.1f} GiB" if mem_kb else "unknown",
        "Python": f"{platform.python_implementation()} {platform.python_version()}",
        "OS": f"{platform.system()} {platform.release()}",
        "commit": _git_commit(),
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


def _first_match(path: Path, pattern: str) -> str | None:
    try:
        match = re.search(pattern, path.read_text(encoding="utf-8", errors="replace"))
    except OSError:
        return None
    return match.group(1).strip() if match else None


def _git_commit() -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                             text=True, check=False, cwd=Path(__file__).parent)  # fmt: skip
    except OSError:
        return "unknown"
    return out.stdout.strip() or "unknown"


def _met_text(measurement: Measurement) -> str:
    met = measurement.met()
    return "FAILED" if measurement.failed else {True: "yes", False: "**no**", None: ""}[met]


def results_table(results: Sequence[Measurement]) -> str:
    """The Markdown table of every measurement."""
    lines = [
        "| measurement | N | R | median s | min s | max s | cpu s | throughput | peak MB | target"
        " | met? |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for m in results:
        if m.failed:
            cells = ["–"] * 6
        else:
            times = [m.median, min(m.seconds), max(m.seconds)]
            cells = [*(f"{t:.3f}" for t in times), f"{m.cpu_median:.2f}", rate_text(m),
                     f"{m.peak_mb:.0f}"]  # fmt: skip
        runs = f" ({len(m.runs)} runs)" if len(m.runs) > 1 else ""
        lines.append(f"| {m.name}{runs} | {m.n:,} | {m.r:,} | " + " | ".join(cells)
                     + f" | {m.target} | {_met_text(m)} |")  # fmt: skip
    return "\n".join(lines)


def linearity_table(results: Sequence[Measurement]) -> str:
    """Each scenario measured at two sizes: the larger's median over the smaller's."""
    by_name: dict[str, list[Measurement]] = {}
    for m in results:
        if not m.failed and m.n > 0 and "setup" not in m.name:
            by_name.setdefault(m.name, []).append(m)
    lines = ["| measurement | small N | large N | time ratio | work ratio | within 12×? |",
             "|---|---:|---:|---:|---:|---|"]  # fmt: skip
    for name, ms in by_name.items():
        if len(ms) < 2:
            continue
        small, large = min(ms, key=lambda m: m.n), max(ms, key=lambda m: m.n)
        ratio, work = large.median / small.median, large.n / small.n
        ok = ratio <= LINEAR_FACTOR * work / 10
        lines.append(f"| {name} | {small.n:,} | {large.n:,} | {ratio:.1f}× | {work:.0f}× | "
                     f"{'yes' if ok else '**no**'} |")  # fmt: skip
    return "\n".join(lines) if len(lines) > 2 else ""


def _one_line(text: str, limit: int = 300) -> str:
    return " | ".join(line.strip() for line in text.splitlines() if line.strip())[:limit]


def render(results: Sequence[Measurement], machine: dict[str, str], title: str) -> str:
    """The results section: machine, table, linearity, failures."""
    parts = [f"## {title}", "", "Machine:", ""]
    parts += [f"- {k}: {v}" for k, v in machine.items()]
    parts += ["", results_table(results), ""]
    linear = linearity_table(results)
    if linear:
        parts += ["Linearity (cost must grow linearly: 10× the campaigns within 12× the time):",
                  "", linear, ""]  # fmt: skip
    served = [m for m in results if m.server_cpu and not m.failed]
    if served:
        parts += ["CPU used by the sandbox process during each apply (it shares the cores):", ""]
        parts += [f"- {m.name}: {statistics.median(m.server_cpu):.2f} s" for m in served]
        parts.append("")
    failures = [m for m in results if m.failed]
    if failures:
        parts += ["Failures:", ""] + [
            f"- {m.name} N={m.n}: `{_one_line(m.error)}`" for m in failures
        ]
        parts.append("")
    return "\n".join(parts)


def write_results(path: Path, section: str) -> None:
    """Write RESULTS.md: the README, the results, and the kept hand-written analysis."""
    analysis = ""
    if path.exists():
        text = path.read_text(encoding="utf-8")
        at = text.find(ANALYSIS_HEADING)
        analysis = text[at:] if at >= 0 else ""
    path.write_text(README + "\n" + section + ("\n" + analysis if analysis else ""),
                    encoding="utf-8")  # fmt: skip
