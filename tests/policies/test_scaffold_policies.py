"""``reconciler init`` writes the policy settings commented out; uncommented, they load."""

from __future__ import annotations

from pathlib import Path

from reconciler.config import load_project
from reconciler.policies import PolicySettings
from tests.support.cli import run_cli


def test_the_scaffold_carries_every_policy_commented_out_and_each_loads(tmp_path: Path) -> None:
    assert run_cli("init", cwd=tmp_path).returncode == 0
    project_file = tmp_path / "reconciler.yaml"
    text = project_file.read_text(encoding="utf-8")
    policies = (
        "suppression",
        "suppression_mode",
        "frequency_cap",
        "messaging_limit",
        "quiet_hours",
    )
    for name in policies:
        assert f"\n# {name}: " in text
    assert (
        PolicySettings.of(
            load_project(project_dir=tmp_path).file,
            load_project(project_dir=tmp_path).settings("dev"),
        )
        == PolicySettings()
    )
    (tmp_path / "audiences").mkdir(exist_ok=True)
    (tmp_path / "audiences" / "opt-outs.csv").write_text("id,to_number\n", encoding="utf-8")
    for name in policies:
        text = text.replace(f"\n# {name}: ", f"\n{name}: ")
    project_file.write_text(text, encoding="utf-8")
    project = load_project(project_dir=tmp_path)
    found = PolicySettings.of(project.file, project.settings("dev"))
    assert found.suppression == ("audiences/opt-outs.csv",)
    assert (found.frequency_cap.max, found.frequency_cap.days) == (2, 7)
    assert found.messaging_limit == 10000
    assert (found.quiet_hours.start, found.quiet_hours.end) == (21, 8)
    validated = run_cli("validate", cwd=tmp_path)
    assert validated.returncode == 0, validated.output
