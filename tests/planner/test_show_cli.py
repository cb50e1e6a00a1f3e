"""``reconciler show PLAN_FILE``: a saved plan as plan prints it, masked, and its staleness."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from tests.planner.project import write_state
from tests.support.cli import run_cli
from tests.support.projects import PROMOTION, copy_example, make_project, specs

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


SHOW_SCHEMA = json.loads(
    (Path(__file__).resolve().parents[2] / "schemas/show.schema.json").read_text("utf-8")
)


def test_an_unreadable_state_gives_the_reason_and_stale_is_unknown(tmp_path: Path) -> None:
    """The state's variable is unset when showing: the status names it, and JSON says
    neither stale nor not stale (null), as its schema allows."""
    state = {"RECONCILER_DEV_STATE": ".reconciler/dev.sqlite"}
    root = make_project(tmp_path / "p", specs("promo"), state="${RECONCILER_DEV_STATE}")
    assert run_cli("plan", "--env", "dev", "--out", "p.json", cwd=root, env=state).returncode == 0
    result = run_cli("show", "p.json", cwd=root)
    assert result.returncode == 0, result.output
    why = "environments.dev.state: OS variable RECONCILER_DEV_STATE is not set"
    assert f"cannot tell whether it is stale: reconciler.yaml:6: {why}" in result.stdout
    assert why in result.stderr and "1 error found" not in result.output
    document = json.loads(run_cli("show", "p.json", "--format", "json", cwd=root).stdout)
    jsonschema.validate(document, SHOW_SCHEMA, cls=jsonschema.Draft202012Validator)
    assert document["stale"] is None and why in document["stale_unknown"]
    fresh = json.loads(run_cli("show", "p.json", "--format", "json", cwd=root, env=state).stdout)
    jsonschema.validate(fresh, SHOW_SCHEMA, cls=jsonschema.Draft202012Validator)
    assert fresh["stale"] is False and fresh["stale_unknown"] is None


@pytest.fixture
def reviewed(tmp_path: Path) -> Path:
    """The example project (a catalogue and a rate card), its dev plan saved."""
    root = copy_example(tmp_path / "p")
    assert run_cli("plan", "--env", "dev", "--out", "p.json", cwd=root).returncode == 0
    return root


def test_show_prints_the_previews_and_estimates_as_plan_printed_them(reviewed: Path) -> None:
    """Text (-v shows the previews) and markdown: after show's header, plan's very lines,
    cost, previews and warnings included."""
    for args, start in (
        (("-v",), "Plan for dev"),
        (("--format", "markdown"), "<!-- reconciler-plan:"),
    ):
        plan = run_cli("plan", "--env", "dev", *args, cwd=reviewed).stdout
        shown = run_cli("show", "p.json", *args, cwd=reviewed).stdout
        assert plan.startswith(start) and start + shown.split(start, 1)[1] == plan
        assert "₹29.69" in shown and "Happy Diwali! Enjoy *20% off*" in shown
        assert "would get a marketing template" in shown  # the review's warning


def test_show_json_has_the_saved_costs_and_previews_not_todays(reviewed: Path) -> None:
    """The estimate is the one reviewed: a rate card changed since does not alter it."""
    before = json.loads(run_cli("plan", "--env", "dev", "--format", "json", cwd=reviewed).stdout)
    card = reviewed / "rates.csv"
    text = card.read_text()
    assert "India,91,INR,0.7846" in text
    card.write_text(text.replace("India,91,INR,0.7846", "India,91,INR,9.7846"))
    result = run_cli("show", "p.json", "--format", "json", cwd=reviewed)
    assert result.returncode == 0, result.output
    shown = json.loads(result.stdout)["plan"]
    assert shown["cost"]["total"] == "29.6924"
    assert {**shown, "actions": []} == {**before, "actions": []}  # warnings and cost too
    for key in ("preview", "cost"):
        assert [a.get(key) for a in shown["actions"]] == [a[key] for a in before["actions"]]
    jsonschema.validate(json.loads(result.stdout), SHOW_SCHEMA, cls=jsonschema.Draft202012Validator)


def test_a_plan_file_of_format_1_is_still_shown_and_applied(saved: Path) -> None:
    """Format 1 kept no preview, cost or warnings: it is shown without them and applies."""
    path = saved / "p.json"
    data = json.loads(path.read_text())
    assert data["format_version"] == 2
    data["format_version"] = 1
    del data["cost"], data["warnings"]
    for create in data["creates"]:
        del create["preview"], create["cost"]
    path.write_text(json.dumps(data))
    result = run_cli("show", "p.json", cwd=saved)
    assert result.returncode == 0, result.output
    assert "2 to create" in result.stdout and "Estimated cost" not in result.stdout
    applied = run_cli("apply", "p.json", cwd=saved)
    assert applied.returncode == 0, applied.output


def test_show_counts_the_campaigns_as_plan_counted_them(tmp_path: Path) -> None:
    """The file keeps only the creates and moves; the summary of the unchanged ones is
    the plan's own, not a count of what the file holds."""
    root = make_project(tmp_path / "p", specs("promo", "sale", "third"), environments=PROMOTION)
    applied = run_cli("apply", "--env", "dev", "--auto-approve", "--target", "promo", cwd=root)
    assert applied.returncode == 0, applied.output
    assert run_cli("plan", "--env", "dev", "--out", "p.json", cwd=root).returncode == 0
    plan = run_cli("plan", "--env", "dev", "--format", "json", cwd=root).stdout
    shown = run_cli("show", "p.json", "--format", "json", cwd=root).stdout
    assert json.loads(shown)["plan"]["summary"] == json.loads(plan)["summary"]
    assert json.loads(plan)["summary"]["unchanged"] == 1
    text = run_cli("show", "p.json", cwd=root).stdout
    assert "2 to create" in text and "1 unchanged" in text


def test_a_plan_for_another_api_is_stale_for_show_and_refused_by_apply(saved: Path) -> None:
    """The environment now sends elsewhere than the plan was made for: show warns, apply
    refuses before it reads any state."""
    project_file = saved / "reconciler.yaml"
    text = project_file.read_text(encoding="utf-8")
    project_file.write_text(text.replace("api_url: sandbox", "api_url: https://elsewhere.test", 1))
    document = json.loads(run_cli("show", "p.json", "--format", "json", cwd=saved).stdout)
    assert document["stale"] is True
    assert "it was made for API sandbox" in document["stale_reason"]
    result = run_cli("apply", "p.json", cwd=saved)
    assert result.returncode == 1
    assert "stale plan: it was made for API sandbox" in result.stderr
