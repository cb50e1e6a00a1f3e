"""``reconciler init`` scaffolds a project that validates and plans, and never clobbers files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from reconciler.commands.init import init_project, planned_files
from reconciler.errors import ConfigError
from tests.support.cli import run_cli

EXPECTED = {
    "reconciler.yaml",
    "campaigns/welcome.yaml",
    "environments/staging.yaml",
    "environments/prod.yaml",
    ".gitignore",
    ".github/workflows/reconciler-plan.yml",
    ".github/workflows/reconciler-apply.yml",
    "schemas/campaign.schema.json",
}


def test_init_writes_the_project(tmp_path: Path) -> None:
    """Every scaffold file is written, and the result says which."""
    result = init_project(tmp_path / "new")
    written = set(result.written)
    assert written >= EXPECTED
    assert result.overwritten == ()
    for rel in written:
        assert (tmp_path / "new" / rel).is_file(), rel


def test_gitignore_covers_local_state_and_saved_plans(tmp_path: Path) -> None:
    """Local SQLite states and saved plans (unmasked numbers) stay out of git."""
    init_project(tmp_path)
    lines = (tmp_path / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert ".reconciler/" in lines and "*.plan.json" in lines


def test_project_file_sketches_gated_shared_environments(tmp_path: Path) -> None:
    """dev is the sandbox; staging and prod require their state; prod promotes from staging."""
    init_project(tmp_path)
    project = yaml.safe_load((tmp_path / "reconciler.yaml").read_text(encoding="utf-8"))
    envs = project["environments"]
    assert envs["dev"]["api_url"] == "sandbox"
    assert envs["staging"]["require_state"] is True and envs["prod"]["require_state"] is True
    assert envs["prod"]["promote_from"] == "staging"
    assert envs["prod"]["max_creates"] > 0 and envs["prod"]["max_recipients"] > 0


def test_project_file_sketches_the_catalogue_and_rate_card_commented_out(tmp_path: Path) -> None:
    """Uncommenting them is all a team does once it has the files (docs/templates-and-cost.md)."""
    init_project(tmp_path)
    text = (tmp_path / "reconciler.yaml").read_text(encoding="utf-8")
    for setting in ("# catalog: whatsapp-templates.json", "# rate_card: rates.csv", "# max_cost:"):
        assert setting in text
    project = yaml.safe_load(text)
    assert "catalog" not in project and "rate_card" not in project
    uncommented = text.replace("# catalog:", "catalog:").replace("# rate_card:", "rate_card:")
    project = yaml.safe_load(uncommented.replace("# max_cost:", "max_cost:"))
    assert (project["catalog"], project["rate_card"]) == ("whatsapp-templates.json", "rates.csv")
    assert project["environments"]["prod"]["max_cost"] > 0


def test_example_campaign_points_editors_at_the_written_schema(tmp_path: Path) -> None:
    """The modeline names schemas/campaign.schema.json, which init wrote as JSON Schema."""
    init_project(tmp_path)
    first = (tmp_path / "campaigns/welcome.yaml").read_text(encoding="utf-8").splitlines()[0]
    assert first == "# yaml-language-server: $schema=../schemas/campaign.schema.json"
    schema = json.loads((tmp_path / "schemas/campaign.schema.json").read_text(encoding="utf-8"))
    assert "properties" in schema or "$defs" in schema


def test_init_refuses_to_overwrite_and_writes_nothing(tmp_path: Path) -> None:
    """An existing file stops init before it writes anything; the error lists the file."""
    (tmp_path / "campaigns").mkdir()
    (tmp_path / "campaigns/welcome.yaml").write_text("mine\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        init_project(tmp_path)
    assert "campaigns/welcome.yaml" in caught.value.message
    assert "--force" in caught.value.hint
    assert (tmp_path / "campaigns/welcome.yaml").read_text(encoding="utf-8") == "mine\n"
    assert not (tmp_path / "reconciler.yaml").exists()


def test_force_overwrites_and_reports_it(tmp_path: Path) -> None:
    """With force the existing file is replaced and reported as overwritten."""
    (tmp_path / "reconciler.yaml").write_text("old\n", encoding="utf-8")
    result = init_project(tmp_path, force=True)
    assert result.overwritten == ("reconciler.yaml",)
    assert "environments:" in (tmp_path / "reconciler.yaml").read_text(encoding="utf-8")


def test_an_existing_gitignore_gets_the_missing_lines_and_keeps_the_rest(tmp_path: Path) -> None:
    """With or without --force: the user's lines stay byte for byte; run again adds nothing."""
    mine = b"node_modules/\r\n*.plan.json\r\n# mine, no newline at the end"
    (tmp_path / ".gitignore").write_bytes(mine)
    first = init_project(tmp_path)
    merged = (tmp_path / ".gitignore").read_bytes()
    assert first.merged == (".gitignore",) and ".gitignore" not in first.written
    assert merged.startswith(mine + b"\r\n")
    added = merged[len(mine) :].decode().splitlines()
    assert ".reconciler/" in added and "*.plan.json" not in added  # present already
    again = init_project(tmp_path, force=True)
    assert again.kept == (".gitignore",) and again.merged == ()
    assert (tmp_path / ".gitignore").read_bytes() == merged


def test_force_replaces_only_the_scaffold_files(tmp_path: Path) -> None:
    """--force rewrites the scaffold's own files; the project's other files stay as they were."""
    init_project(tmp_path)
    (tmp_path / "campaigns/mine.yaml").write_text("mine\n", encoding="utf-8")
    (tmp_path / "campaigns/welcome.yaml").write_text("edited\n", encoding="utf-8")
    result = init_project(tmp_path, force=True)
    assert "campaigns/welcome.yaml" in result.overwritten
    assert ".gitignore" not in result.overwritten
    assert (tmp_path / "campaigns/mine.yaml").read_text(encoding="utf-8") == "mine\n"
    assert (tmp_path / "campaigns/welcome.yaml").read_text(encoding="utf-8") != "edited\n"


def test_cli_init_into_project_dir_and_gitignore_report(tmp_path: Path) -> None:
    """``reconciler --project X init`` scaffolds X; an existing .gitignore is reported merged."""
    (tmp_path / "x").mkdir()
    (tmp_path / "x/.gitignore").write_text("build/\n", encoding="utf-8")
    result = run_cli("--project", "x", "init", cwd=tmp_path)
    assert result.returncode == 0, result.output
    assert "added to    .gitignore" in result.stdout
    assert (tmp_path / "x/reconciler.yaml").is_file()
    lines = (tmp_path / "x/.gitignore").read_text(encoding="utf-8").splitlines()
    assert lines[0] == "build/" and ".reconciler/" in lines


@pytest.mark.parametrize(
    ("ci", "present", "absent"),
    [
        ("gitlab", ".gitlab-ci.yml", ".github/workflows/reconciler-plan.yml"),
        ("none", "reconciler.yaml", ".gitlab-ci.yml"),
    ],
)
def test_ci_choice_selects_the_pipeline(ci: str, present: str, absent: str) -> None:
    """--ci gitlab writes .gitlab-ci.yml instead of GitHub workflows; none writes neither."""
    files = planned_files(ci=ci)  # type: ignore[arg-type]
    assert present in files and absent not in files
    if ci == "none":
        assert not any(rel.startswith(".github/") for rel in files)


def test_workflows_pin_this_version_by_default() -> None:
    """CI installs the very version that scaffolded the project unless told otherwise."""
    from reconciler import __version__

    plan = planned_files()[".github/workflows/reconciler-plan.yml"]
    assert f'RECONCILER_PIP_SPEC: "campaign-reconciler=={__version__}"' in plan
    # the action at the same version's release tag (its owner/name: docs/ci.md)
    assert f"uses: your-org/campaign-reconciler@v{__version__}\n" in plan
    assert "@RECONCILER" not in "".join(planned_files(ci="gitlab").values())


def test_cli_init_reports_files_and_refuses_a_second_time(tmp_path: Path) -> None:
    """The command lists what it wrote; run again it exits 1 naming the existing files."""
    first = run_cli("init", "proj", cwd=tmp_path)
    assert first.returncode == 0, first.output
    assert "wrote       reconciler.yaml" in first.stdout
    assert "cd proj" in first.stdout
    assert "replace your-org/campaign-reconciler by the action's repository" in first.stdout
    second = run_cli("init", "proj", cwd=tmp_path)
    assert second.returncode == 1
    assert "reconciler.yaml" in second.stderr and "--force" in second.stderr


@pytest.mark.slow
def test_scaffold_validates_and_plans_the_dev_sandbox(tmp_path: Path) -> None:
    """A fresh project validates and plans its example as one create in dev."""
    assert run_cli("init", cwd=tmp_path).returncode == 0
    validated = run_cli("validate", cwd=tmp_path)
    assert validated.returncode == 0, validated.output
    planned = run_cli(
        "plan", "--env", "dev", "--format", "json", "--detailed-exitcode", cwd=tmp_path
    )
    assert planned.returncode == 2, planned.output
    plan = json.loads(planned.stdout)
    assert [(a["key"], a["action"]) for a in plan["actions"]] == [("welcome-2030", "create")]
    assert not (tmp_path / ".reconciler").exists()  # plan is read-only


@pytest.mark.slow
def test_scaffold_schemas_are_current(tmp_path: Path) -> None:
    """``schema --check`` agrees with the schemas init wrote."""
    assert run_cli("init", cwd=tmp_path).returncode == 0
    checked = run_cli("schema", "--check", cwd=tmp_path)
    assert checked.returncode == 0, checked.output
