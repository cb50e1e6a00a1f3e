"""Promotion in process with real specs and states: what holds prod back and what does not.

dev created the campaigns (``write_state``), then the spec files change; prod (which
promotes from dev) plans against them.
"""

from __future__ import annotations

import json

import pytest

from reconciler.commands.plan import PlanRequest, make_plan_for_env
from reconciler.config import load_project
from reconciler.errors import Severity, StateError
from reconciler.plan import ActionKind
from reconciler.specs.loader import resolve_variables
from tests.planner.project import write_state
from tests.support.cli import run_cli
from tests.support.factories import NOW
from tests.support.projects import PROMOTION, PROMOTION_FILE, make_project, spec, specs


@pytest.fixture
def root(tmp_path):
    """dev and prod (promoted from dev), with the specs promo and sale."""
    return make_project(tmp_path / "p", specs("promo", "sale"), environments=PROMOTION)


def plan_prod(root, **kwargs):
    project = load_project(project_dir=root)
    variables = resolve_variables(project, "prod", os_environ={})
    return make_plan_for_env(
        project, PlanRequest("prod", variables, NOW, {}, **kwargs), new_state=True
    )


def kinds(outcome):
    return {a.key: a.kind for a in outcome.plan.actions}


def reasons(outcome):
    return {a.key: a.reason for a in outcome.plan.actions}


def test_a_comment_edit_after_dev_created_it_is_promotable(root):
    """The source fingerprint differs, but dev would send what it created: prod creates."""
    write_state(root, "dev", created=("promo", "sale"))
    path = root / "campaigns/promo.yaml"
    commented = spec("promo").replace("  delay: 2", "  delay: 2 # minutes")
    path.write_text("# reviewed by the team\n" + commented)
    assert kinds(plan_prod(root)) == {"promo": ActionKind.CREATE, "sale": ActionKind.CREATE}


WAVE = """\
{% for k in KEYS %}
---
key: {{ k }}
name: {{ k }} campaign
workspace_id: "{{ vars.workspace_id }}"
touchpoint:
  name: {{ k }}-wa
  type: WHATSAPP
  status: scheduled
  start_at: "2035-10-28T10:00:00+05:30"
  assistant_id: 11
  additional_settings:
    execution_days: [mon, tue]
    start_hour: 10
    end_hour: 19
    delay: 2
    time_zone: Asia/Kolkata
    from_numbers: ["+919800000001"]
  customer_details:
    - {id: c1, to_number: "+919812345601"}
  whatsapp_data:
    template: promo_offer
    language_code: "{{ vars.language }}"
{% endfor %}
"""


def test_a_loop_item_for_another_campaign_holds_nothing_back(tmp_path):
    """A *.yaml.j2 loop gains w2: w1 (created by dev) may go, w2 waits for dev."""
    root = make_project(tmp_path / "p", environments=PROMOTION)
    wave = root / "campaigns/wave.yaml.j2"
    wave.parent.mkdir()
    wave.write_text(WAVE.replace("KEYS", '["w1"]'))
    write_state(root, "dev", created=("w1",))
    wave.write_text(WAVE.replace("KEYS", '["w1", "w2"]'))
    outcome = plan_prod(root)
    assert kinds(outcome) == {"w1": ActionKind.CREATE, "w2": ActionKind.AWAITING_PROMOTION}
    assert reasons(outcome)["w2"] == "not created in dev yet"


AUDIENCE_SPEC = spec("promo").replace(
    """  customer_details:
    - {id: c1, to_number: "+919812345601"}
    - {id: c2, to_number: "+919812345602"}
""",
    '  customer_details_csv: "audiences/{{ vars.audience }}.csv"\n',
)
PER_ENV_AUDIENCE = PROMOTION_FILE.replace(
    "vars: {workspace_id: ws-dev,", "vars: {audience: testers, workspace_id: ws-dev,"
).replace("vars: {workspace_id: ws-prod,", "vars: {audience: customers, workspace_id: ws-prod,")


def test_an_audience_chosen_per_environment_by_a_variable_is_promotable(tmp_path):
    """dev reads testers.csv, prod customers.csv: the sources differ, dev sent its own body."""
    files = {
        "reconciler.yaml": PER_ENV_AUDIENCE,
        "campaigns/promo.yaml": AUDIENCE_SPEC,
        "audiences/testers.csv": "id,to_number\nt1,+919812345601\n",
        "audiences/customers.csv": "id,to_number\nc1,+919812345602\nc2,+919812345603\n",
    }
    root = make_project(tmp_path / "p", files)
    write_state(root, "dev", created=("promo",))
    outcome = plan_prod(root)
    assert kinds(outcome) == {"promo": ActionKind.CREATE}
    assert outcome.plan.actions[0].recipients == 2  # prod's own audience


def test_a_real_edit_is_held_back_with_the_fields_it_changes(root):
    """An edit that changes what dev would send waits, naming the fields."""
    write_state(root, "dev", created=("promo",))
    edited = (
        spec("promo").replace("start_hour: 10", "start_hour: 9").replace("promo campaign", "Promo!")
    )
    (root / "campaigns/promo.yaml").write_text(edited)
    outcome = plan_prod(root)
    assert kinds(outcome)["promo"] is ActionKind.AWAITING_PROMOTION
    assert reasons(outcome)["promo"] == (
        "dev created an older source: the body dev would send differs from what it created "
        "(name, touchpoint.additional_settings.start_hour)"
    )


def plan_prod_with_os(root, environ):
    """prod's plan in a run whose OS holds ``environ`` (RECONCILER_VAR_* for prod's run)."""
    project = load_project(project_dir=root)
    variables = resolve_variables(project, "prod", os_environ=environ)
    return make_plan_for_env(project, PlanRequest("prod", variables, NOW, environ), new_state=True)


def test_a_reconciler_var_set_for_the_prod_run_holds_no_comment_edit_back(root):
    """RECONCILER_VAR_workspace_id of prod's run is prod's variable, not dev's: dev's own
    render still gives the body dev created, so a comment edit is promotable."""
    write_state(root, "dev", created=("promo",))
    path = root / "campaigns/promo.yaml"
    path.write_text("# reviewed by the team\n" + spec("promo"))
    outcome = plan_prod_with_os(root, {"RECONCILER_VAR_workspace_id": "yyy"})
    assert kinds(outcome)["promo"] is ActionKind.CREATE, reasons(outcome)
    (action,) = [a for a in outcome.plan.actions if a.key == "promo"]
    assert action.desired is not None and action.desired.body["workspace_id"] == "yyy"


def test_a_real_edit_under_a_prod_reconciler_var_names_only_what_the_edit_changed(root):
    """The reason names the edited field, not the variable prod's run set differently."""
    write_state(root, "dev", created=("promo",))
    (root / "campaigns/promo.yaml").write_text(
        spec("promo").replace("start_hour: 10", "start_hour: 9")
    )
    outcome = plan_prod_with_os(root, {"RECONCILER_VAR_workspace_id": "yyy"})
    assert reasons(outcome)["promo"].endswith("(touchpoint.additional_settings.start_hour)")


def test_a_reconciler_var_both_runs_set_still_counts_for_the_source(root):
    """A variable only the OS gives (set alike for dev's run and prod's): dev's render
    with it is the body dev created, so an edit of a comment holds nothing back."""
    templated = spec("promo").replace("template: promo_offer", 'template: "{{ vars.tpl }}"')
    (root / "campaigns/promo.yaml").write_text(templated)
    environ = {"RECONCILER_VAR_tpl": "promo_offer"}
    write_state(root, "dev", created=("promo",), os_environ=environ)
    (root / "campaigns/promo.yaml").write_text("# reviewed\n" + templated)
    assert kinds(plan_prod_with_os(root, environ))["promo"] is ActionKind.CREATE


def test_a_spec_that_no_longer_renders_for_the_source_is_held_back(root):
    """A variable only prod defines: dev could not send it, so prod waits, saying why."""
    write_state(root, "dev", created=("promo",))
    (root / "campaigns/promo.yaml").write_text(
        spec("promo").replace("template: promo_offer", 'template: "{{ vars.prod_template }}"')
    )
    (root / "reconciler.yaml").write_text(
        PROMOTION_FILE.replace(
            "{workspace_id: ws-prod,",
            "{prod_template: t, workspace_id: ws-prod,",
        )
    )
    (reason,) = [a.reason for a in plan_prod(root).plan.actions if a.key == "promo"]
    assert reason.startswith("dev created an older source, and the spec does not render for dev")
    assert "prod_template" in reason


def test_a_missing_source_state_is_a_warning(root):
    """dev has no state (and no require_state): prod warns that nothing can be promoted."""
    outcome = plan_prod(root)
    (warning,) = [w for w in outcome.load_warnings if "promotes from" in w.message]
    assert warning.severity is Severity.WARNING
    assert "the state of dev" in warning.message and "does not exist" in warning.message
    assert warning.field == "environments.prod.promote_from"
    assert warning.hint


# dev (prod's source) with require_state: true.
SOURCE_REQUIRES_STATE = PROMOTION_FILE.replace(
    "api_url: sandbox\n", "api_url: sandbox\n    require_state: true\n", 1
)


def test_a_missing_source_state_is_an_error_when_the_source_requires_one(root):
    """dev with require_state: true and no state: prod's plan stops, saying what to check."""
    (root / "reconciler.yaml").write_text(SOURCE_REQUIRES_STATE)
    with pytest.raises(StateError, match="which prod promotes from, does not exist") as info:
        plan_prod(root)
    assert "environments.dev.state" in info.value.hint


def test_plan_warns_of_a_missing_source_state_and_exits_0(root):
    """As users see it: the warning names the promote_from line; the plan still exits 0."""
    result = run_cli("plan", "--env", "prod", "--new-state", cwd=root)
    assert result.returncode == 0, result.output
    line = PROMOTION_FILE.splitlines().index("    promote_from: dev") + 1
    assert f"reconciler.yaml:{line}: warning: environments.prod.promote_from: " in result.stderr
    assert "the state of dev (.reconciler/dev.sqlite), which prod promotes from" in result.stderr


@pytest.mark.parametrize("fmt", ["json", "markdown", "text"])
def test_the_missing_source_warning_is_in_the_plan_document_too(root, fmt):
    """The PR comment and the JSON say why everything awaits promotion, not stderr alone;
    stderr keeps its one copy of the diagnostic."""
    result = run_cli("plan", "--env", "prod", "--new-state", "--format", fmt, cwd=root)
    assert result.returncode == 0, result.output
    words = "which prod promotes from, does not exist: nothing can be promoted"
    assert result.stderr.count(words) == 1
    if fmt == "json":
        (warning,) = json.loads(result.stdout)["warnings"]
        assert warning["field"] == "environments.prod.promote_from"
        assert words in warning["message"] and warning["file"] == "reconciler.yaml"
    elif fmt == "markdown":
        warnings = result.stdout.split("#### Warnings and errors", 1)[1]
        assert "warning: environments.prod.promote\\_from: " in warnings and words in warnings
    else:
        assert words in result.stdout.split("\nWarnings:\n", 1)[1]


def test_a_missing_source_state_needs_attention_even_with_nothing_awaiting(root):
    """prod has created both campaigns: nothing awaits, yet the source is still missing.
    --attention-exitcode says so (3) and --strict refuses (1): a mistyped state URL must
    not keep CI green forever."""
    write_state(root, "prod", created=("promo", "sale"))
    result = run_cli("plan", "--env", "prod", "--attention-exitcode", cwd=root)
    assert result.returncode == 3, result.output
    assert "nothing to create, 2 unchanged" in result.stdout
    result = run_cli("plan", "--env", "prod", "--strict", cwd=root)
    assert result.returncode == 1, result.output
    assert "error: environments.prod.promote_from: the state of dev" in result.stderr
    write_state(root, "dev", created=("promo", "sale"))
    assert run_cli("plan", "--env", "prod", "--attention-exitcode", cwd=root).returncode == 0


def test_plan_refuses_a_missing_required_source_state_with_a_hint(root):
    (root / "reconciler.yaml").write_text(SOURCE_REQUIRES_STATE)
    result = run_cli("plan", "--env", "prod", "--new-state", cwd=root)
    assert result.returncode == 1
    assert "which prod promotes from, does not exist and require_state is true" in result.stderr
    assert "hint: check environments.dev.state" in result.stderr


def test_rendering_for_the_source_writes_nothing_of_the_source(root):
    """prod renders a spec with dev's variables, read-only: dev's folder is left as it was."""
    write_state(root, "dev", created=("promo", "sale"))
    (root / "campaigns/promo.yaml").write_text("# a comment\n" + spec("promo"))
    before = {p.name: p.read_bytes() for p in (root / ".reconciler").iterdir()}
    result = run_cli("plan", "--env", "prod", "--new-state", "--format", "json", cwd=root)
    assert result.returncode == 0, result.output
    assert '"action": "create"' in result.stdout
    after = {p.name: p.read_bytes() for p in (root / ".reconciler").iterdir()}
    assert after == before


def test_specs_are_rendered_for_the_source_a_chunk_of_files_at_a_time(tmp_path, monkeypatch):
    """One file per chunk: each campaign is still decided on its own render."""
    monkeypatch.setattr("reconciler.commands.promotion.CHUNK_FILES", 1)
    root = make_project(tmp_path / "p", specs("promo", "sale"), environments=PROMOTION)
    write_state(root, "dev", created=("promo", "sale"))
    (root / "campaigns/promo.yaml").write_text("# a comment\n" + spec("promo"))
    (root / "campaigns/sale.yaml").write_text(spec("sale").replace("sale campaign", "Sale!"))
    outcome = plan_prod(root)
    assert kinds(outcome) == {"promo": ActionKind.CREATE, "sale": ActionKind.AWAITING_PROMOTION}
    assert reasons(outcome)["sale"].endswith("differs from what it created (name)")


def test_a_real_edit_found_in_the_source_cache_names_its_fields(root):
    """dev planned the edit first (its cache holds the render, without a body): prod's
    reason still names what differs, from the body loaded for it."""
    write_state(root, "dev", created=("promo",))
    (root / "campaigns/promo.yaml").write_text(spec("promo").replace("promo campaign", "P!"))
    assert run_cli("plan", "--env", "dev", cwd=root).returncode == 0
    assert any(p.name.endswith(".speccache") for p in (root / ".reconciler").iterdir())
    result = run_cli("plan", "--env", "prod", "--new-state", "--format", "json", cwd=root)
    assert result.returncode == 0, result.output
    (promo,) = [a for a in json.loads(result.stdout)["actions"] if a["key"] == "promo"]
    assert promo["action"] == "awaiting_promotion"
    assert promo["reason"].endswith("differs from what it created (name)")
