"""The spec-only key ``environments``: a campaign exists only in the environments it lists."""

from __future__ import annotations

import json

import pytest

from reconciler.config import load_project
from reconciler.schemas import campaign_schema
from reconciler.specs.loader import load_campaigns, resolve_variables
from tests.planner.project import desired
from tests.support.cli import run_cli
from tests.support.projects import PROMOTION_FILE, make_project, spec, specs

# A variable only prod defines: rendering this spec for dev would fail.
PROD_ONLY = (
    spec("launch")
    .replace("key: launch\n", "key: launch\nenvironments: [prod]\n")
    .replace("template: promo_offer", 'template: "{{ vars.prod_template }}"')
)
PROJECT = PROMOTION_FILE.replace(
    "{workspace_id: ws-prod,", "{prod_template: launch_offer, workspace_id: ws-prod,"
)


@pytest.fixture
def root(tmp_path):
    files = {**specs("promo"), "reconciler.yaml": PROJECT, "campaigns/launch.yaml": PROD_ONLY}
    return make_project(tmp_path / "p", files)


def load(root, env):
    project = load_project(project_dir=root)
    return load_campaigns(
        project, env, resolve_variables(project, env, os_environ={}), os_environ={}
    )


def test_a_campaign_left_out_of_an_environment_is_neither_rendered_nor_planned_there(root):
    """dev never renders launch (its variable would be undefined there); prod has it."""
    assert set(desired(root, "dev")) == {"promo"}
    prod = desired(root, "prod")
    assert set(prod) == {"promo", "launch"}
    assert prod["launch"].environments == ("prod",)
    assert prod["promo"].environments == ()


def test_documents_of_a_template_are_kept_per_environment(root):
    """In a *.yaml.j2 each rendered document's environments decide (the file is rendered)."""
    (root / "campaigns/launch.yaml").unlink()
    (root / "campaigns/pair.yaml.j2").write_text(
        "{% for e in ['dev', 'prod'] %}\n---\n"
        + spec("pair-{{ e }}")
        .replace("key: pair-{{ e }}\n", "key: pair-{{ e }}\nenvironments: [{{ e }}]\n")
        .replace('"{{ vars.workspace_id }}"', "ws")
        .replace('"{{ vars.assistant_id }}"', "11")
        .replace('"{{ vars.from_numbers }}"', '["+919800000001"]')
        + "{% endfor %}\n"
    )
    assert set(desired(root, "dev")) == {"promo", "pair-dev"}
    assert set(desired(root, "prod")) == {"promo", "pair-prod"}


@pytest.mark.parametrize("suffix", ["yaml", "yaml.j2"])
def test_an_unknown_environment_is_an_error_at_its_line_with_did_you_mean(root, suffix):
    """`prd` is reported at the environments line, suggesting prod, in both kinds of file."""
    (root / "campaigns/launch.yaml").unlink()
    text = spec("typo").replace("key: typo\n", "key: typo\nenvironments: [dev, prd]\n")
    if suffix == "yaml.j2":
        text = "{# a comment line #}\n" + text.replace(
            '"{{ vars.from_numbers }}"', '["+919800000001"]'
        )
    (root / f"campaigns/typo.{suffix}").write_text(text)
    (error,) = load(root, "dev").errors
    assert error.location.file == f"campaigns/typo.{suffix}"
    assert error.location.line == (2 if suffix == "yaml" else 3)
    assert error.message == "no environment 'prd' in reconciler.yaml"
    assert error.field == "environments"
    assert error.hint == "did you mean prod?"


def test_environments_must_be_a_list_of_names(root):
    (root / "campaigns/launch.yaml").write_text(PROD_ONLY.replace("[prod]", "prod"))
    (error,) = load(root, "prod").errors
    assert error.message == "must be a non-empty list of environment names"
    assert error.location.line == 2


def test_the_campaign_schema_knows_environments_as_literal_names():
    """Editors check the key; a Jinja expression is not accepted there (it is read first)."""
    prop = campaign_schema()["properties"]["environments"]
    assert {"type": "array", "items": {"type": "string"}, "minItems": 1} in prop["anyOf"]
    assert {"$ref": "#/$defs/Templated"} not in prop["anyOf"]


NOTE = "not gated by promotion: its environments (prod) leave out dev"


def test_a_prod_only_campaign_is_planned_without_the_gate_and_the_plan_says_so(root):
    """prod promotes from dev, launch is prod-only: create, with the note in every format
    (twice: the second plan takes launch from the validation cache)."""
    for _ in range(2):
        result = run_cli("plan", "--env", "prod", "--new-state", "--format", "json", cwd=root)
        assert result.returncode == 0, result.output
        actions = {a["key"]: a for a in json.loads(result.stdout)["actions"]}
        assert actions["launch"]["action"] == "create"
        assert actions["launch"]["reason"] == NOTE
        assert actions["promo"]["action"] == "awaiting_promotion"
    for fmt in ("text", "markdown"):
        result = run_cli("plan", "--env", "prod", "--new-state", "--format", fmt, cwd=root)
        assert result.returncode == 0, result.output
        assert NOTE in result.stdout, result.stdout
