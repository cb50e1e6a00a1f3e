"""Benchmark reconciler at the scale of a real marketing team.

    python benchmarks/run.py [--sizes 1000,10000] [--recipients 100] [--big 200000]
                             [--apply-n 1000] [--parallelism 1,4,16] [--repeat 3]
                             [--only GROUP ...] [--smoke] [--out FILE] [--workdir DIR]

Prints a Markdown table and writes it to benchmarks/RESULTS.md (not with --smoke, which
runs tiny sizes once and fails only when a command fails, never on timing).
Groups for --only: version, plan-inline, plan-csv, plan-catalog, promotion, board, policies,
big, apply.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make ``benchmarks`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.report import machine_description, render, write_results
from benchmarks.scenarios import Session, Settings, run_all

HERE = Path(__file__).resolve().parent
SMOKE = Settings(sizes=(20, 40), recipients=5, big=2_000, apply_n=12, parallelism=(1, 4),
                 repeat=1, version_repeat=1, judge=False)  # fmt: skip


def _ints(text: str) -> tuple[int, ...]:
    return tuple(int(part.replace("_", "")) for part in text.split(",") if part)


def parse_settings(argv: Sequence[str] | None) -> tuple[Settings, argparse.Namespace]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=_ints, default=(1_000, 10_000), help="campaign counts")
    parser.add_argument("--recipients", type=int, default=100, help="recipients per campaign")
    parser.add_argument("--big", type=int, default=200_000, help="recipients of the big CSV")
    parser.add_argument("--apply-n", type=int, default=1_000, help="campaigns to apply")
    parser.add_argument("--parallelism", type=_ints, default=(1, 4, 16))
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement")
    parser.add_argument("--only", action="append", default=[], help="measurement groups")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, once; CI smoke test")
    parser.add_argument("--out", type=Path, default=None, help="results file to write")
    parser.add_argument("--workdir", type=Path, default=None, help="keep projects here")
    args = parser.parse_args(argv)
    if args.smoke:
        settings = Settings(**{**SMOKE.__dict__, "only": tuple(args.only)})
    else:
        settings = Settings(sizes=args.sizes, recipients=args.recipients, big=args.big,
                            apply_n=args.apply_n, parallelism=args.parallelism,
                            repeat=args.repeat, only=tuple(args.only))  # fmt: skip
    return settings, args


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmarks; exit 1 if any command failed (never because of a timing)."""
    settings, args = parse_settings(argv)
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="reconciler-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    session = Session(workdir, settings, log=lambda line: print(line, file=sys.stderr))
    try:
        results = run_all(session)
    finally:
        if args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)
    title = "Smoke run (tiny sizes; not a measurement)" if args.smoke else "Results"
    section = render(results, machine_description(), title)
    print(section)
    out = args.out if args.out is not None else (None if args.smoke else HERE / "RESULTS.md")
    if out is not None:
        write_results(out, section)
        print(f"written to {out}", file=sys.stderr)
    return 1 if any(m.failed for m in results) else 0


if __name__ == "__main__":
    sys.exit(main())
