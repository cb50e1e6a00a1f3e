"""End to end in a git repository: prod creates only what staging created from the same source."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.support.cli import run_cli
from tests.support.projects import environment, make_project

pytestmark = pytest.mark.slow

# Each environment renders its own workspace; prod creates what staging created.
ENVIRONMENTS = [
    environment("dev", state=".reconciler/dev.sqlite", vars="{workspace_id: ws-dev}"),
    environment("staging", state=".reconciler/staging.sqlite", vars="{workspace_id: ws-staging}"),
    environment(
        "prod",
        state=".reconciler/prod.sqlite",
        promote_from="staging",
        vars="{workspace_id: ws-prod}",
    ),
]

SPEC = """
    key: {key}
    name: "Spring offer"
    business_goal: Spring sale
    workspace_id: "{{{{ vars.workspace_id }}}}"
    touchpoint:
      name: spring-whatsapp
      type: WHATSAPP
      status: scheduled
      start_at: "2030-03-01T10:00:00+05:30"
      assistant_id: 11
      additional_settings:
        execution_days: [mon, tue]
        start_hour: 10
        end_hour: 18
        delay: 0
        time_zone: Asia/Kolkata
        from_numbers: ["+919800000001"]
      customer_details_csv: audiences/spring.csv
      whatsapp_data:
        template: spring_offer
        language_code: "{{{{ vars.language }}}}"
"""

CSV = "id,to_number\nc1,+919800000101\nc2,+919800000102\n"


def _actions(project: Path, env: str) -> dict[str, str]:
    result = run_cli("plan", "--env", env, "--format", "json", cwd=project)
    assert result.returncode == 0, result.output
    return {a["key"]: a["action"] for a in json.loads(result.stdout)["actions"]}


def _apply(project: Path, env: str) -> None:
    result = run_cli("apply", "--env", env, "--auto-approve", cwd=project)
    assert result.returncode == 0, result.output


def _commit(project: Path, message: str) -> None:
    subprocess.run(["git", "add", "-A"], cwd=project, check=True, capture_output=True)
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", message],
        cwd=project,
        check=True,
        capture_output=True,
    )


@pytest.fixture
def project(tmp_path: Path) -> Path:
    files = {"campaigns/spring.yaml": SPEC.format(key="spring-2030"), "audiences/spring.csv": CSV}
    root = make_project(tmp_path / "repo", files, environments=ENVIRONMENTS)
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    _commit(root, "spring campaign")
    return root


def test_prod_waits_until_staging_created_each_edited_source(project: Path) -> None:
    """Awaiting until staging applies; an edit holds prod back again; variables do not."""
    assert _actions(project, "prod") == {"spring-2030": "awaiting_promotion"}
    _apply(project, "staging")
    # staging and prod render different workspace ids: variables never hold promotion back
    assert _actions(project, "prod") == {"spring-2030": "create"}

    # An edit to a file the spec reads (its audience) after staging created it
    (project / "audiences/spring.csv").write_text(CSV + "c3,+919800000103\n", encoding="utf-8")
    _commit(project, "one more recipient")
    assert _actions(project, "staging") == {"spring-2030": "changed"}
    assert _actions(project, "prod") == {"spring-2030": "awaiting_promotion"}

    # The edit is sent as a new campaign (a new key): staging first, then prod may follow
    spec = project / "campaigns/spring.yaml"
    spec.write_text(
        spec.read_text(encoding="utf-8").replace("spring-2030", "spring-2030-b"), encoding="utf-8"
    )
    _commit(project, "send the edit as a new campaign")
    assert _actions(project, "prod") == {"spring-2030-b": "awaiting_promotion"}
    _apply(project, "staging")
    assert _actions(project, "prod") == {"spring-2030-b": "create"}
    _apply(project, "prod")
    assert _actions(project, "prod") == {"spring-2030-b": "unchanged"}


def test_a_variable_given_on_the_command_line_does_not_hold_promotion(project: Path) -> None:
    """--var changes prod's body, not its source: the campaign staging created may go."""
    _apply(project, "staging")
    result = run_cli(
        "plan", "--env", "prod", "--format", "json", "--var", "language=de", cwd=project
    )
    assert result.returncode == 0, result.output
    assert [(a["key"], a["action"]) for a in json.loads(result.stdout)["actions"]] == [
        ("spring-2030", "create")
    ]
