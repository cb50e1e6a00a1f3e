"""``reconciler show PLAN_FILE``: a saved plan as plan prints it, masked, and its staleness."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.planner.project import write_state
from tests.support.cli import run_cli
from tests.support.projects import PROMOTION, make_project, specs

NUMBER = "+919812345601"  # a recipient of every spec of the project


@pytest.fixture
def saved(tmp_path: Path) -> Path:
    root = make_project(tmp_path / "p", specs("promo", "sale"), environments=PROMOTION)
    result = run_cli("plan", "--env", "dev", "--out", "p.json", cwd=root)
    assert result.returncode == 0, result.output
    return root


def test_text_shows_the_plan_masked_with_where_it_comes_from(saved: Path) -> None:
    result = run_cli("show", "p.json", cwd=saved)
    assert result.returncode == 0, result.output
    out = result.stdout
    assert out.startswith("Saved plan p.json\n")
    for label in ("environment:  dev", "tool version: ", "lineage:", "serial:       0"):
        assert label in out
    assert "not stale: apply would send exactly these 2 creates\n" in out
    assert "Plan for dev" in out and "2 to create" in out
    assert NUMBER not in result.output
    assert result.stderr == ""


def test_json_and_markdown(saved: Path) -> None:
    document = json.loads(run_cli("show", "p.json", "--format", "json", cwd=saved).stdout)
    assert document["format_version"] == 1 and document["stale"] is False
    assert (document["environment"], document["serial"]) == ("dev", 0)
    assert "tool_version" in document and "git_commit" in document
    assert [a["key"] for a in document["plan"]["actions"]] == ["promo", "sale"]
    markdown = run_cli("show", "p.json", "--format", "markdown", cwd=saved)
    assert "**Saved plan `p.json`**" in markdown.stdout and "### Plan for `dev`" in markdown.stdout
    assert NUMBER not in markdown.output


def test_a_stale_plan_is_shown_with_a_warning_not_refused(saved: Path) -> None:
    write_state(saved, created=("promo",))
    result = run_cli("show", "p.json", cwd=saved)
    assert result.returncode == 0, result.output
    assert "stale plan: the state has recorded 1 of its campaigns" in result.stdout
    assert result.stderr.startswith("Warning: stale plan")
    document = json.loads(run_cli("show", "p.json", "--format", "json", cwd=saved).stdout)
    assert document["stale"] is True and "promo" in document["stale_reason"]


def test_a_plan_that_only_moves_a_record_says_apply_would_move_it(tmp_path: Path) -> None:
    """A saved rename sends nothing but is not nothing: the status line names the move."""
    root = make_project(tmp_path / "p", specs("promo"), environments=PROMOTION)
    write_state(root, created=("promo",))
    path = root / "campaigns/promo.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("key: promo\n", "key: promo-2\nprevious_keys: [promo]\n", 1))
    assert run_cli("plan", "--env", "dev", "--out", "p.json", cwd=root).returncode == 0
    out = run_cli("show", "p.json", cwd=root).stdout
    assert "status:       not stale: apply would move 1 record and send nothing\n" in out
    assert "creates" not in out and "1 record to move (state only)" in out


def test_a_file_that_is_not_a_plan_is_an_error(saved: Path) -> None:
    (saved / "x.json").write_text("{}", encoding="utf-8")
    result = run_cli("show", "x.json", cwd=saved)
    assert result.returncode == 1 and "is not a reconciler plan file" in result.stderr
