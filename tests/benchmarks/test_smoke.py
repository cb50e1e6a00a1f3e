"""The benchmark generator and harness: deterministic projects, isolated measurements, smoke run."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import phonenumbers
import pytest
import yaml

from benchmarks.generate import ProjectShape, generate_project, phone_pool, tree_digest
from benchmarks.measure import Measurement, RunResult, campaign_count, run_once
from benchmarks.report import linearity_table, results_table

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_generator_is_deterministic(tmp_path: Path) -> None:
    """The same shape and seed give byte-identical projects; another seed does not."""
    shape = ProjectShape(campaigns=7, recipients=4, audience="mixed")
    first = tree_digest(generate_project(tmp_path / "a", shape))
    again = tree_digest(generate_project(tmp_path / "b", shape))
    other = tree_digest(generate_project(tmp_path / "c", ProjectShape(7, 4, "mixed", seed=1)))
    assert first == again
    assert first != other


def test_phone_pool_holds_distinct_valid_numbers_of_many_regions() -> None:
    """Every generated number is valid per phonenumbers, E.164, distinct, across regions."""
    pool = phone_pool(3_000, seed=5)
    assert len(set(pool)) == len(pool) == 3_000
    regions = set()
    for number in pool:
        parsed = phonenumbers.parse(number)
        assert phonenumbers.is_valid_number(parsed), number
        assert phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164) == number
        regions.add(phonenumbers.region_code_for_number(parsed))
    assert len(regions) >= 10


def _campaign_recipients(root: Path, spec_path: Path) -> list[tuple[str, str]]:
    spec = yaml.safe_load(spec_path.read_text(encoding="utf-8"))
    touchpoint = spec["touchpoint"]
    if "customer_details_csv" in touchpoint:
        with (root / touchpoint["customer_details_csv"]).open(encoding="utf-8") as fh:
            return [(row["id"], row["to_number"]) for row in csv.DictReader(fh)]
    return [(row["id"], row["to_number"]) for row in touchpoint["customer_details"]]


def test_generated_specs_have_the_asked_shape(tmp_path: Path) -> None:
    """N spec files, R unique recipients each, CSV for every third campaign when mixed."""
    root = generate_project(tmp_path / "p", ProjectShape(campaigns=9, recipients=6))
    specs = sorted((root / "campaigns").rglob("*.yaml"))
    assert len(specs) == 9
    assert len(list((root / "audiences").glob("*.csv"))) == 3
    keys = set()
    for spec_path in specs:
        keys.add(yaml.safe_load(spec_path.read_text(encoding="utf-8"))["key"])
        people = _campaign_recipients(root, spec_path)
        assert len(people) == 6
        assert len({cid for cid, _ in people}) == len({num for _, num in people}) == 6
    assert len(keys) == 9
    environments = yaml.safe_load((root / "reconciler.yaml").read_text(encoding="utf-8"))
    assert set(environments["environments"]) == {"dev", "staging", "prod"}


def test_run_once_measures_each_process_alone(tmp_path: Path) -> None:
    """Peak memory is that of the run itself: a small run after a big one stays small."""
    touch = "b = bytearray(300 * 1024 * 1024); b[::4096] = b'x' * len(b[::4096])"
    big = run_once([sys.executable, "-c", touch], tmp_path)
    small = run_once([sys.executable, "-c", "print('hi')"], tmp_path)
    assert big.ok and small.ok
    assert big.peak_mb > 250
    # Not an absolute bound: a forked child starts with its parent's resident pages
    # counted, and a pytest worker's size varies; the big run's 300 MB must not carry over.
    assert small.peak_mb < big.peak_mb - 200
    assert small.stdout.strip() == "hi"


def test_run_once_is_not_floored_by_the_harness_peak(tmp_path: Path) -> None:
    """A small command started by a large harness reports its own peak, not the harness's."""
    harness = bytearray(300 * 1024 * 1024)
    harness[::4096] = b"x" * len(harness[::4096])
    small = run_once([sys.executable, "-c", "pass"], tmp_path)
    del harness
    assert small.ok
    assert small.peak_mb < 100


def test_run_once_reports_failure_exit_status(tmp_path: Path) -> None:
    """A command that fails is reported with its exit status and output."""
    code = "import sys; print('bad', file=sys.stderr); sys.exit(3)"
    result = run_once([sys.executable, "-c", code], tmp_path)
    assert result.returncode == 3 and not result.ok
    assert "bad" in result.stderr


def _run(seconds: float, peak: float = 50) -> RunResult:
    return RunResult(("x",), 0, seconds, peak, "", "")


def test_targets_and_linearity_are_judged_from_medians() -> None:
    """A target is met on the median; a 10× size costing more than 12× is flagged."""
    small = Measurement("plan", 1_000, 100, runs=[_run(1.0), _run(9.0), _run(1.2)])
    large = Measurement("plan", 10_000, 100, target="≤ 8 s", target_seconds=8.0,
                        runs=[_run(15.0), _run(14.5), _run(16.0)])  # fmt: skip
    assert small.median == 1.2
    assert large.met() is False
    assert "**no**" in linearity_table([small, large])
    assert "yes" in linearity_table([small, Measurement("plan", 10_000, 100, runs=[_run(5.0)])])
    failed = Measurement("plan", 5, 5, error="exit 1: boom")
    assert failed.met() is False and "FAILED" in results_table([failed])


def test_a_sending_rate_target_is_judged_on_the_sending_phase() -> None:
    """The latency row: a slow start-up does not fail it, a slow sending phase does."""
    row = Measurement("apply at 250 ms", 1_000, 100, runs=[_run(20.0)], rates=[50.0],
                      sending_rates=[60.0], target_rate=51.2, judge_sending=True)  # fmt: skip
    assert row.met() is True
    row.sending_rates = [45.0]
    assert row.met() is False


def test_campaign_count_reads_the_sandbox_listing_shapes() -> None:
    """The sandbox listing is counted whether it is a list or an object holding one."""
    assert campaign_count([{}, {}]) == 2
    assert campaign_count({"campaigns": [{}, {}, {}]}) == 3
    assert campaign_count({"count": 4, "campaigns": []}) == 4


@pytest.mark.slow
def test_smoke_harness_runs_validate_and_plan(tmp_path: Path) -> None:
    """The CI smoke size of validate and plan runs the real CLI and succeeds."""
    out = tmp_path / "RESULTS.md"
    proc = subprocess.run(
        [
            sys.executable,
            "benchmarks/run.py",
            "--smoke",
            "--out",
            str(out),
            *("--only", "plan-inline", "--only", "plan-csv", "--only", "big"),
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    text = out.read_text(encoding="utf-8")
    for row in ("validate (inline)", "plan, empty state (csv)", "plan, all created, every push"):
        assert row in text
    assert "FAILED" not in text


def test_profile_summary_counts_inclusive_and_self_samples() -> None:
    """A collapsed stack counts once per function inclusively, and its leaf as self."""
    from benchmarks.profile import summarize

    raw = "main (a/x.py:1);load (b/y.py:2);parse (b/y.py:9) 3\nmain (a/x.py:1);dump (c.py:4) 1\n"
    text = summarize(raw)
    assert "samples: 4" in text
    assert "100.0%  main (x.py)" in text
    assert " 75.0%  parse (y.py)" in text
