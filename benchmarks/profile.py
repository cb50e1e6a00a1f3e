"""Profile one reconciler command with py-spy and print where its time goes.

    pip install py-spy
    python benchmarks/profile.py --cwd PROJECT -- plan --env dev --format json

Runs ``python -m reconciler ARGS`` under ``py-spy record --format raw`` (sampling, so
the command runs at nearly full speed) and prints the functions holding the most
samples: inclusive (the function or anything it calls) and self. Worker threads waiting
on a socket count as samples too; read apply profiles with that in mind.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

SKIP = ("<frozen", "click/", "threading.py", "concurrent/futures/thread.py")


def _frame_name(frame: str) -> str:
    """``func (file.py)`` from py-spy's ``func (path/file.py:line)``."""
    name, _, where = frame.partition(" (")
    return f"{name} ({Path(where.split(':')[0]).name})" if where else name


def summarize(raw: str, top: int = 30) -> str:
    """The inclusive and self tables of a py-spy raw (collapsed stacks) output."""
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    total = 0
    for line in raw.splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        frames = stack.split(";")
        total += int(count)
        for name in {_frame_name(f) for f in frames if not any(s in f for s in SKIP)}:
            inclusive[name] += int(count)
        own[_frame_name(frames[-1])] += int(count)
    lines = [f"samples: {total}", "", "inclusive:"]
    lines += [f"{n / total:6.1%}  {name}" for name, n in inclusive.most_common(top)]
    lines += ["", "self:"]
    lines += [f"{n / total:6.1%}  {name}" for name, n in own.most_common(top // 2)]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Profile the command; print the summary; exit with py-spy's status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cwd", type=Path, default=Path.cwd(), help="the project to run in")
    parser.add_argument("--rate", type=int, default=250, help="samples per second")
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("args", nargs=argparse.REMAINDER, help="-- reconciler arguments")
    args = parser.parse_args(argv)
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    command = [a for a in args.args if a != "--"]
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "profile.txt"
        spy_args = ["record", "--format", "raw", "--rate", str(args.rate), "--output", str(out)]
        proc = subprocess.run(
            [spy, *spy_args, "--", sys.executable, "-m", "reconciler", *command],
            cwd=args.cwd,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=False,
        )
        if not out.exists():
            print("py-spy wrote no profile (is it installed?)", file=sys.stderr)
            return proc.returncode or 1
        print(summarize(out.read_text(encoding="utf-8"), args.top))
    return 0


if __name__ == "__main__":
    sys.exit(main())
